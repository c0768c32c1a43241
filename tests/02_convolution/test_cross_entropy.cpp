// Task 2.4: softmax cross-entropy.
#include <cmath>

#include <catch2/catch.hpp>

#include "resnet/error.hpp"
#include "resnet/ops/cross_entropy.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::load_golden;
namespace tolerance = resnet::testing::tolerance;

TEST_CASE("cross-entropy of equal logits is log K, and its gradient is p - onehot over N",
          "[ch02][cross_entropy][hand][2.4]") {
  // Equal logits: every class has probability 1/K, so the loss is -log(1/K) = log K.
  const xt::xtensor<double, 2> logits = xt::zeros<double>({2, 4});
  const xt::xtensor<std::int64_t, 1> labels = {1, 3};
  const auto result = cross_entropy_forward(logits, labels);
  CHECK(result.loss == Approx(std::log(4.0)).epsilon(tolerance::float64.rtol));
  // d/dz = (1/4 - [k = label]) / 2.
  const xt::xtensor<double, 2> expected = {{0.125, -0.375, 0.125, 0.125}, {0.125, 0.125, 0.125, -0.375}};
  CHECK_THAT(cross_entropy_backward(1.0, result.cache).dlogits, AllClose(expected, tolerance::float64));
  // The upstream gradient scales it.
  CHECK_THAT(cross_entropy_backward(2.0, result.cache).dlogits,
             AllClose(xt::xtensor<double, 2>(2.0 * expected), tolerance::float64));
}

TEMPLATE_TEST_CASE("cross-entropy matches torch.nn.functional.cross_entropy, logits of 1000 included",
                   "[ch02][cross_entropy][golden][2.4]", float, double) {
  const auto tol = std::is_same_v<TestType, float> ? tolerance::softmax_float32 : tolerance::float64;
  for (const std::string name : {"ordinary", "extreme"}) {
    INFO(name << " logits");
    const std::string prefix = "ch02/cross_entropy/" + name + "_";
    const auto logits = load_golden<TestType, 2>(prefix + "logits.npy");
    const auto labels = load_golden<std::int64_t, 1>(prefix + "labels.npy");
    const auto result = cross_entropy_forward(logits, labels);
    const xt::xtensor<double, 1> loss = {static_cast<double>(result.loss)};
    CHECK_THAT(loss, AllClose(load_golden<double, 1>(prefix + "loss.npy"), tol));
    CHECK_THAT(cross_entropy_backward(TestType(1), result.cache).dlogits,
               AllClose(load_golden<double, 2>(prefix + "dlogits.npy"), tol));
  }
}

TEST_CASE("cross-entropy rejects labels that are not classes and batches that differ", "[ch02][cross_entropy][error]") {
  const xt::xtensor<float, 2> logits = xt::zeros<float>({2, 10});
  CHECK_THROWS_WITH(cross_entropy_forward(logits, xt::xtensor<std::int64_t, 1>{3, 10}),
                    Catch::Contains("label 10 of example 1 is not a class of 10"));
  CHECK_THROWS_WITH(cross_entropy_forward(logits, xt::xtensor<std::int64_t, 1>{-1, 0}), Catch::Contains("label -1"));
  CHECK_THROWS_AS(cross_entropy_forward(logits, xt::xtensor<std::int64_t, 1>{1, 2, 3}), ShapeError);
}
