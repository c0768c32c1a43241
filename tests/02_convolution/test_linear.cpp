// Task 2.2: the fully connected layer.
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "resnet/error.hpp"
#include "resnet/ops/linear.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"
#include "support/hash_inputs.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::hash_tensor;
using resnet::testing::load_golden;
namespace tolerance = resnet::testing::tolerance;

TEST_CASE("linear of a hand example", "[ch02][linear][hand][2.2]") {
  const xt::xtensor<double, 2> x = {{1, 2}};           // (N = 1, C = 2)
  const xt::xtensor<double, 2> w = {{3, 4}, {-1, 5}};  // (K = 2, C = 2)
  const xt::xtensor<double, 1> b = {10, 20};
  const auto result = linear_forward(x, w, b);
  CHECK_THAT(result.y, AllClose(xt::xtensor<double, 2>{{1 * 3 + 2 * 4 + 10, 1 * -1 + 2 * 5 + 20}}, tolerance::exact));
  const xt::xtensor<double, 2> dy = {{1, -2}};
  const auto grads = linear_backward(dy, result.cache);
  CHECK_THAT(grads.dx, AllClose(xt::xtensor<double, 2>{{3 + 2, 4 - 10}}, tolerance::exact));        // dy W
  CHECK_THAT(grads.dweight, AllClose(xt::xtensor<double, 2>{{1, 2}, {-2, -4}}, tolerance::exact));  // dy^T x
  CHECK_THAT(grads.dbias, AllClose(xt::xtensor<double, 1>{1, -2}, tolerance::exact));
}

TEMPLATE_TEST_CASE("linear matches torch.nn.functional.linear, the CIFAR head included", "[ch02][linear][golden][2.2]",
                   float, double) {
  for (const auto& spec : resnet::testing::golden_cases("ch02/linear_cases.json", 2)) {
    const std::string name = spec["name"];
    INFO("case " << name);
    const std::array<std::size_t, 2> x_shape{spec["x_shape"][0], spec["x_shape"][1]};
    const std::array<std::size_t, 2> w_shape{spec["w_shape"][0], spec["w_shape"][1]};
    const auto x = hash_tensor<TestType, 2>(spec["x_seed"], x_shape);
    const auto w = hash_tensor<TestType, 2>(spec["w_seed"], w_shape, spec["w_scale"]);
    const auto b = hash_tensor<TestType, 1>(spec["b_seed"], {w_shape[0]});
    const auto dy = hash_tensor<TestType, 2>(spec["dy_seed"], {x_shape[0], w_shape[0]});
    const auto scale = std::is_same_v<TestType, float> ? tolerance::conv_float32 : tolerance::conv_float64;
    const auto result = linear_forward(x, w, b);
    const auto grads = linear_backward(dy, result.cache);
    const std::string prefix = "ch02/linear/" + name + "_";
    const auto expected_y = load_golden<double, 2>(prefix + "y.npy");
    const auto expected_dx = load_golden<double, 2>(prefix + "dx.npy");
    const auto expected_dw = load_golden<double, 2>(prefix + "dweight.npy");
    const auto expected_db = load_golden<double, 1>(prefix + "dbias.npy");
    CHECK_THAT(result.y, AllClose(expected_y, resnet::testing::at_scale_of(scale, expected_y)));
    CHECK_THAT(grads.dx, AllClose(expected_dx, resnet::testing::at_scale_of(scale, expected_dx)));
    CHECK_THAT(grads.dweight, AllClose(expected_dw, resnet::testing::at_scale_of(scale, expected_dw)));
    CHECK_THAT(grads.dbias, AllClose(expected_db, resnet::testing::at_scale_of(scale, expected_db)));
  }
}

TEST_CASE("linear rejects shapes that do not fit", "[ch02][linear][error]") {
  const xt::xtensor<float, 2> x = xt::ones<float>({2, 3});
  CHECK_THROWS_WITH(
      linear_forward(x, xt::xtensor<float, 2>(xt::ones<float>({4, 5})), xt::xtensor<float, 1>(xt::ones<float>({4}))),
      Catch::Contains("linear_forward") && Catch::Contains("(4, 5)"));
  CHECK_THROWS_AS(
      linear_forward(x, xt::xtensor<float, 2>(xt::ones<float>({4, 3})), xt::xtensor<float, 1>(xt::ones<float>({3}))),
      ShapeError);
}

TEST_CASE("linear backward rejects an upstream gradient of the wrong shape", "[ch02][linear][error][2.2]") {
  const auto result =
      linear_forward(xt::xtensor<float, 2>(xt::ones<float>({2, 3})), xt::xtensor<float, 2>(xt::ones<float>({4, 3})),
                     xt::xtensor<float, 1>(xt::ones<float>({4})));
  CHECK_THROWS_WITH(linear_backward(xt::xtensor<float, 2>(xt::ones<float>({2, 5})), result.cache),
                    Catch::Contains("dy has shape (2, 5)"));
}
