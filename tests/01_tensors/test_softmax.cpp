// Task 1.6: numerically stable softmax and log-softmax.
#include <cmath>
#include <iomanip>

#include <catch2/catch.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xtensor.hpp>

#include "resnet/error.hpp"
#include "resnet/ops/softmax.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::load_golden;
namespace tolerance = resnet::testing::tolerance;

TEST_CASE("softmax of a hand example", "[ch01][softmax][hand][1.6]") {
  // exp(0) = 1 and exp(ln 2) = 2, so the probabilities are 1/3 and 2/3.
  const xt::xtensor<double, 2> logits = {{0.0, std::log(2.0)}};
  CHECK_THAT(softmax(logits), AllClose(xt::xtensor<double, 2>{{1.0 / 3.0, 2.0 / 3.0}}, tolerance::float64));
  CHECK_THAT(log_softmax(logits),
             AllClose(xt::xtensor<double, 2>{{std::log(1.0 / 3.0), std::log(2.0 / 3.0)}}, tolerance::float64));
}

TEMPLATE_TEST_CASE("softmax and log_softmax match PyTorch, extreme logits included", "[ch01][softmax][golden][1.6]",
                   float, double) {
  const auto tolerance = std::is_same_v<TestType, float> ? tolerance::softmax_float32 : tolerance::float64;
  for (const std::string name : {"logits", "extreme"}) {
    INFO(name << " logits");
    const auto logits = load_golden<TestType, 2>("ch01/softmax_" + name + ".npy");
    CHECK_THAT(softmax(logits), AllClose(load_golden<double, 2>("ch01/softmax_" + name + "_expected.npy"), tolerance));
    CHECK_THAT(log_softmax(logits),
               AllClose(load_golden<double, 2>("ch01/log_softmax_" + name + "_expected.npy"), tolerance));
  }
}

TEST_CASE("softmax rows are probabilities and do not change when a constant is added",
          "[ch01][softmax][property][1.6]") {
  Generator generator(7);
  const auto logits = random_normal<double, 2>({16, 10}, generator, 0.0, 5.0);
  const auto p = softmax(logits);
  INFO("exp is positive, so every probability must be above 0; the smallest here is "
       << xt::amin(p)() << " (logits with standard deviation 5 keep it far above double's underflow)");
  CHECK(xt::all(p > 0.0));
  const xt::xtensor<double, 1> row_sums = xt::sum(p, {1});
  const xt::xtensor<double, 1> ones = xt::ones<double>({16});
  INFO(
      "each row of softmax is a probability distribution over the 10 classes: it must sum to 1 (normalise along "
      "axis 1, the classes, not axis 0, the batch)");
  CHECK_THAT(row_sums, AllClose(ones, tolerance::float64));
  const xt::xtensor<double, 2> shifted = logits + 123.0;
  INFO(
      "adding the same constant to every logit of a row must not change its softmax (work out why on paper: the "
      "chapter 1 guide asks it); an implementation that overflows or loses this property fails here");
  CHECK_THAT(softmax(shifted), AllClose(p, tolerance::float64));
}

TEST_CASE("log_softmax stays finite where log(softmax) would be -inf", "[ch01][softmax][property][1.6]") {
  // softmax([0, -200]) in float32 gives [1, 0] (e^-200 underflows), so log(softmax)
  // would give -inf; the log-sum-exp form gives the exact answer -200.
  const xt::xtensor<float, 2> logits = {{0.0f, -200.0f}};
  const xt::xtensor<float, 2> log_p = log_softmax(logits);
  INFO(
      "log_softmax([0, -200]) is [0, -200] to float precision (the second probability, about e^-200, is far "
      "below float's smallest number but its logarithm is an ordinary -200); got ["
      << std::setprecision(9) << log_p(0, 0) << ", " << log_p(0, 1)
      << "]: -inf or NaN means the logarithm was taken of a probability "
         "that had already underflowed to 0 (see the guide's task 1.6)");
  CHECK(log_p(0, 0) == 0.0f);
  CHECK(log_p(0, 1) == -200.0f);
}

TEST_CASE("softmax rejects logits with no classes", "[ch01][softmax][error]") {
  const xt::xtensor<float, 2> none = xt::zeros<float>({3, 0});
  CHECK_THROWS_AS(softmax(none), ShapeError);
  CHECK_THROWS_AS(log_softmax(none), ShapeError);
}
