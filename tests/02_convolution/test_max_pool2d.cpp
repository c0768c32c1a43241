// Task 2.8: max pooling.
#include <fstream>
#include <limits>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "resnet/error.hpp"
#include "resnet/ops/max_pool2d.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"
#include "support/hash_inputs.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::hash_tensor;
using resnet::testing::load_golden;
namespace tolerance = resnet::testing::tolerance;

TEST_CASE("a 3x3 stride-2 max-pool with padding, by hand", "[ch02][max_pool][hand][2.8]") {
  // A 4x4 image; padding 1 makes the 2x2 output windows rows/cols -1..1 and 1..3.
  const xt::xtensor<double, 4> x = {{{{1, 2, 3, 4}, {5, -6, 7, 8}, {9, 10, -11, 12}, {13, 14, 15, -16}}}};
  const auto result = max_pool2d_forward(x, 3, 2, 1);
  CHECK_THAT(result.y, AllClose(xt::xtensor<double, 4>{{{{5, 8}, {14, 15}}}}, tolerance::exact));
  // Each window's gradient lands on its maximum.
  const xt::xtensor<double, 4> dy = {{{{1, 2}, {3, 4}}}};
  const xt::xtensor<double, 4> expected = {{{{0, 0, 0, 0}, {1, 0, 0, 2}, {0, 0, 0, 0}, {0, 3, 4, 0}}}};
  CHECK_THAT(max_pool2d_backward(dy, result.cache).dx, AllClose(expected, tolerance::exact));
}

TEST_CASE("an input that is the maximum of overlapping windows collects all their gradients",
          "[ch02][max_pool][hand][2.8]") {
  const xt::xtensor<double, 4> x = {{{{0, 0, 0}, {0, 9, 0}, {0, 0, 0}}}};  // 9 is in all four 2x2 windows
  const auto result = max_pool2d_forward(x, 2, 1, 0);
  const xt::xtensor<double, 4> dy = {{{{1, 2}, {3, 4}}}};
  INFO(
      "9 is the maximum of all four windows, so its gradient is the sum of their dy, 1 + 2 + 3 + 4 = 10: add (+=) "
      "into dx; assigning (=) keeps only the last window's");
  CHECK(max_pool2d_backward(dy, result.cache).dx(0, 0, 1, 1) == 10.0);
}

TEST_CASE("padding never wins a max-pool, even over negative inputs", "[ch02][max_pool][hand][2.8]") {
  const xt::xtensor<double, 4> x = {{{{-5, -6}, {-7, -8}}}};
  const auto result = max_pool2d_forward(x, 3, 2, 1);  // one window covering everything
  INFO(
      "max-pool pads with -infinity, as PyTorch does: the window's maximum is the largest real input, -5; padding "
      "with zeros would say 0");
  CHECK(result.y(0, 0, 0, 0) == -5.0);  // zero padding would have said 0
}

TEMPLATE_TEST_CASE("max-pool matches PyTorch, ties and ResNet's stem pool included", "[ch02][max_pool][golden][2.8]",
                   float, double) {
  for (const auto& spec : resnet::testing::golden_cases("ch02/max_pool_cases.json", 4)) {
    const std::string name = spec["name"];
    INFO("case " << name);
    const std::array<std::size_t, 4> shape{spec["x_shape"][0], spec["x_shape"][1], spec["x_shape"][2],
                                           spec["x_shape"][3]};
    const auto x = spec["ties"].get<bool>() ? load_golden<TestType, 4>("ch02/max_pool/" + name + "_x.npy")
                                            : hash_tensor<TestType, 4>(spec["x_seed"], shape);
    const auto result = max_pool2d_forward(x, spec["kernel"].get<std::size_t>(), spec["stride"].get<std::size_t>(),
                                           spec["padding"].get<std::size_t>());
    CHECK_THAT(result.y, AllClose(load_golden<double, 4>("ch02/max_pool/" + name + "_y.npy"), tolerance::exact));
    const auto dy = hash_tensor<TestType, 4>(spec["dy_seed"], result.y.shape());
    // Each dx entry is the dy of one window, or the sum of a few when windows share a maximum.
    const auto expected_dx = load_golden<double, 4>("ch02/max_pool/" + name + "_dx.npy");
    CHECK_THAT(max_pool2d_backward(dy, result.cache).dx, AllClose(expected_dx, tolerance::few_term_sum_float32));
  }
}

TEST_CASE("max-pool follows PyTorch on NaN: a NaN in the window wins", "[ch02][max_pool][hand][2.8]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const xt::xtensor<double, 4> x = {{{{1, nan}, {3, 4}}}};
  const auto result = max_pool2d_forward(x, 2, 2, 0);
  INFO(
      "PyTorch's max-pool lets a NaN in the window win, so it stays visible, and its gradient goes to the NaN's "
      "position (index 1 = h * W + w = 0 * 2 + 1); a plain value > best never picks NaN, since comparisons with "
      "NaN are false");
  CHECK(std::isnan(result.y(0, 0, 0, 0)));
  CHECK(result.cache.argmax(0, 0, 0, 0) == 1);
}

TEST_CASE("max-pool rejects too much padding, a zero stride and a window larger than the input",
          "[ch02][max_pool][error]") {
  const xt::xtensor<float, 4> x = xt::zeros<float>({1, 1, 4, 4});
  CHECK_THROWS_WITH(max_pool2d_forward(x, 3, 2, 2), Catch::Contains("padding must be at most half the kernel size"));
  CHECK_THROWS_WITH(max_pool2d_forward(x, 3, 0, 1), Catch::Contains("stride must be at least 1"));
  CHECK_THROWS_WITH(max_pool2d_forward(x, 7, 1, 1), Catch::Contains("larger than the padded input"));
}
