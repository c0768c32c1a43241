// Task 2.9: global average pooling.
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "resnet/error.hpp"
#include "resnet/ops/global_avg_pool2d.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"
#include "support/hash_inputs.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::hash_tensor;
using resnet::testing::load_golden;
namespace tolerance = resnet::testing::tolerance;

TEST_CASE("global average pooling of a hand example", "[ch02][avg_pool][hand][2.9]") {
  const xt::xtensor<double, 4> x = {{{{1, 2}, {3, 6}}, {{-1, -1}, {-1, -1}}}};  // (1, 2, 2, 2)
  const auto result = global_avg_pool2d_forward(x);
  CHECK_THAT(result.y, AllClose(xt::xtensor<double, 2>{{3, -1}}, tolerance::exact));
  const xt::xtensor<double, 2> dy = {{4, 8}};
  const xt::xtensor<double, 4> expected = {{{{1, 1}, {1, 1}}, {{2, 2}, {2, 2}}}};
  CHECK_THAT(global_avg_pool2d_backward(dy, result.cache).dx, AllClose(expected, tolerance::exact));
}

TEMPLATE_TEST_CASE("global average pooling matches PyTorch's adaptive_avg_pool2d(x, 1)",
                   "[ch02][avg_pool][golden][2.9]", float, double) {
  const auto tol = std::is_same_v<TestType, float> ? tolerance::reduction_float32 : tolerance::float64;
  for (const auto& spec : resnet::testing::golden_cases("ch02/avg_pool_cases.json", 3)) {
    const std::string name = spec["name"];
    INFO("case " << name);
    const std::array<std::size_t, 4> shape{spec["x_shape"][0], spec["x_shape"][1], spec["x_shape"][2],
                                           spec["x_shape"][3]};
    const auto result = global_avg_pool2d_forward(hash_tensor<TestType, 4>(spec["x_seed"], shape));
    CHECK_THAT(result.y, AllClose(load_golden<double, 2>("ch02/avg_pool/" + name + "_y.npy"), tol));
    const auto dy = hash_tensor<TestType, 2>(spec["dy_seed"], {shape[0], shape[1]});
    CHECK_THAT(global_avg_pool2d_backward(dy, result.cache).dx,
               AllClose(load_golden<double, 4>("ch02/avg_pool/" + name + "_dx.npy"), tol));
  }
}

TEST_CASE("global average pooling rejects empty images and a wrong upstream gradient", "[ch02][avg_pool][error]") {
  CHECK_THROWS_AS(global_avg_pool2d_forward(xt::xtensor<float, 4>(xt::zeros<float>({1, 2, 0, 3}))), ShapeError);
  const GlobalAvgPool2dCache cache{{2, 3, 4, 4}};
  CHECK_THROWS_WITH(global_avg_pool2d_backward(xt::xtensor<float, 2>(xt::zeros<float>({3, 2})), cache),
                    Catch::Contains("dy has shape (3, 2), expected (2, 3)"));
}
