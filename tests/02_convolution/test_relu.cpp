// Task 2.3: ReLU.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "resnet/error.hpp"
#include "resnet/ops/relu.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::load_golden;
namespace tolerance = resnet::testing::tolerance;

TEST_CASE("relu of a hand example, the kink at 0 included", "[ch02][relu][hand][2.3]") {
  const xt::xtensor<double, 2> x = {{-2.0, 0.0, 3.0}};
  const auto result = relu_forward(x);
  CHECK_THAT(result.y, AllClose(xt::xtensor<double, 2>{{0.0, 0.0, 3.0}}, tolerance::exact));
  // At exactly 0 the gradient is 0, as in PyTorch.
  const xt::xtensor<double, 2> dy = {{5.0, 6.0, 7.0}};
  CHECK_THAT(relu_backward(dy, result.cache).dx, AllClose(xt::xtensor<double, 2>{{0.0, 0.0, 7.0}}, tolerance::exact));
}

TEST_CASE("relu lets NaN through, forward and backward, as PyTorch does", "[ch02][relu][hand][2.3]") {
  // torch.relu(tensor([nan, -1, 0, 2])) = [nan, 0, 0, 2]; its gradient for dy = [1, 2, 3, 4]
  // is [1, 0, 0, 4]: PyTorch zeroes the gradient exactly where x <= 0.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const xt::xtensor<double, 2> x = {{nan, -1.0, 0.0, 2.0}};
  const auto result = relu_forward(x);
  INFO(
      "torch.relu(NaN) is NaN, so that a NaN stays visible: every comparison with NaN is false, so x > 0 ? x : 0 "
      "(or a max that starts from 0) quietly gives 0, while x <= 0 ? 0 : x lets it through");
  CHECK(std::isnan(result.y(0, 0)));
  CHECK(result.y(0, 1) == 0.0);
  CHECK(result.y(0, 3) == 2.0);
  const xt::xtensor<double, 2> dy = {{1.0, 2.0, 3.0, 4.0}};
  CHECK_THAT(relu_backward(dy, result.cache).dx,
             AllClose(xt::xtensor<double, 2>{{1.0, 0.0, 0.0, 4.0}}, tolerance::exact));
}

TEMPLATE_TEST_CASE("relu matches torch.relu, exact zeros included", "[ch02][relu][golden][2.3]", float, double) {
  const auto x = load_golden<TestType, 4>("ch02/relu/x.npy");
  const auto dy = load_golden<TestType, 4>("ch02/relu/dy.npy");
  INFO("the golden input must contain exact zeros, to test the kink (regenerate it with make_golden.py)");
  REQUIRE(xt::any(xt::equal(x, TestType(0))));  // the golden has inputs exactly at the kink
  const auto result = relu_forward(x);
  CHECK_THAT(result.y, AllClose(load_golden<double, 4>("ch02/relu/y.npy"), tolerance::exact));
  CHECK_THAT(relu_backward(dy, result.cache).dx,
             AllClose(load_golden<double, 4>("ch02/relu/dx.npy"), tolerance::exact));
}

TEST_CASE("relu backward rejects an upstream gradient of another shape", "[ch02][relu][error][2.3]") {
  const auto result = relu_forward(xt::xtensor<float, 2>(xt::ones<float>({2, 3})));
  CHECK_THROWS_WITH(relu_backward(xt::xtensor<float, 2>(xt::ones<float>({3, 2})), result.cache),
                    Catch::Contains("relu_backward") && Catch::Contains("(3, 2)"));
}
