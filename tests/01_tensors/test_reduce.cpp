// Task 1.4: reductions along an axis.
#include <catch2/catch.hpp>
#include <xtensor/xtensor.hpp>

#include "resnet/error.hpp"
#include "resnet/ops/reduce.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::load_golden;
namespace tolerance = resnet::testing::tolerance;

TEST_CASE("sum, mean and variance of a hand example", "[ch01][reduce][hand][1.4]") {
  const xt::xtensor<double, 2> x = {{1.0, 2.0, 3.0, 4.0}, {2.0, 2.0, 2.0, 10.0}};
  CHECK_THAT(sum_along(x, 1), AllClose(xt::xtensor<double, 1>{10.0, 16.0}, tolerance::float64));
  CHECK_THAT(sum_along(x, 0), AllClose(xt::xtensor<double, 1>{3.0, 4.0, 5.0, 14.0}, tolerance::float64));
  CHECK_THAT(mean_along(x, 1), AllClose(xt::xtensor<double, 1>{2.5, 4.0}, tolerance::float64));
  // Row 0: deviations -1.5 -0.5 0.5 1.5, squares sum to 5: biased 5/4, unbiased 5/3.
  // Row 1: deviations -2 -2 -2 6, squares sum to 48: biased 12, unbiased 16.
  CHECK_THAT(variance_along(x, 1, Variance::biased), AllClose(xt::xtensor<double, 1>{1.25, 12.0}, tolerance::float64));
  CHECK_THAT(variance_along(x, 1, Variance::unbiased),
             AllClose(xt::xtensor<double, 1>{5.0 / 3.0, 16.0}, tolerance::float64));
}

TEMPLATE_TEST_CASE("sum and mean along each axis match PyTorch", "[ch01][reduce][golden][1.4]", float, double) {
  const auto x = load_golden<TestType, 3>("ch01/reduce_x.npy");
  for (std::size_t axis = 0; axis < 3; ++axis) {
    INFO("axis " << axis);
    const std::string suffix = "_axis" + std::to_string(axis) + ".npy";
    CHECK_THAT(sum_along(x, axis), AllClose(load_golden<double, 2>("ch01/sum" + suffix),
                                            tolerance::for_scalar<TestType>(tolerance::reduction_float32)));
    CHECK_THAT(mean_along(x, axis), AllClose(load_golden<double, 2>("ch01/mean" + suffix),
                                             tolerance::for_scalar<TestType>(tolerance::reduction_float32)));
  }
}

TEMPLATE_TEST_CASE("biased and unbiased variance along each axis match torch.var", "[ch01][reduce][golden][1.4]", float,
                   double) {
  // The inputs are about 1e4 +- 2: a one-pass E[x^2] - E[x]^2 loses every digit in
  // float32 and about 8 of 16 in float64 here; the two-pass formula loses none.
  const auto x = load_golden<TestType, 3>("ch01/reduce_x.npy");
  for (std::size_t axis = 0; axis < 3; ++axis) {
    INFO("axis " << axis);
    const std::string suffix = "_axis" + std::to_string(axis) + ".npy";
    CHECK_THAT(variance_along(x, axis, Variance::biased),
               AllClose(load_golden<double, 2>("ch01/var_biased" + suffix),
                        tolerance::for_scalar<TestType>(tolerance::reduction_float32)));
    CHECK_THAT(variance_along(x, axis, Variance::unbiased),
               AllClose(load_golden<double, 2>("ch01/var_unbiased" + suffix),
                        tolerance::for_scalar<TestType>(tolerance::reduction_float32)));
  }
}

TEST_CASE("the variance of values far from zero comes out exact", "[ch01][reduce][property][1.4]") {
  // 1e8 - 1, 1e8, 1e8 + 1: deviations -1, 0, 1, so the biased variance is 2/3 and the
  // unbiased one 1. One pass in double computes E[x^2] ~ 1e16, where a double's spacing
  // is 2, and gets 0 or 2 instead.
  const xt::xtensor<double, 1> x = {1e8 - 1.0, 1e8, 1e8 + 1.0};
  INFO(
      "1e8 - 1, 1e8, 1e8 + 1 have deviations -1, 0, 1: variance 2/3 (biased) and 1 (unbiased); subtract the mean "
      "first (two passes): E[x^2] - E[x]^2 in one pass works with numbers near 1e16, where doubles are 2 apart, "
      "and gets 0 or 2");
  CHECK(variance_along(x, 0, Variance::biased)() == Approx(2.0 / 3.0).epsilon(tolerance::float64.rtol));
  CHECK(variance_along(x, 0, Variance::unbiased)() == Approx(1.0).epsilon(tolerance::float64.rtol));
}

TEST_CASE("reductions work on every rank from 1 to 4", "[ch01][reduce][property][1.4]") {
  const xt::xtensor<double, 1> v = {1.0, 2.0, 6.0};
  INFO(
      "rank 1: 1 + 2 + 6 = 9, mean 3, unbiased variance (4 + 1 + 9) / 2 = 7; reducing the only axis leaves a "
      "rank-0 result");
  CHECK(sum_along(v, 0)() == 9.0);
  CHECK(mean_along(v, 0)() == 3.0);
  CHECK(variance_along(v, 0, Variance::unbiased)() == Approx(7.0));  // (4 + 1 + 9) / 2
  const xt::xtensor<float, 4> ones = xt::ones<float>({2, 3, 4, 5});
  const xt::xtensor<float, 3> sums = sum_along(ones, 2);
  INFO(
      "rank 4: summing a (2, 3, 4, 5) tensor of ones along axis 2 removes that axis, giving (2, 3, 5), and every "
      "sum is 4 (the size of axis 2); sums of 3 or 5 mean another axis was summed; here sums(0, 0, 0) = "
      << (sums.size() > 0 ? sums.data()[0] : -1.0f));
  REQUIRE(sums.shape() == std::array<std::size_t, 3>{2, 3, 5});
  CHECK(xt::all(xt::equal(sums, 4.0f)));
}

TEST_CASE("mean_along of many floats stays accurate", "[ch01][reduce][property][1.4]") {
  // 2^24 + 1 is not representable in float32: a float accumulator adding 1.0f 2^25 times
  // gets stuck at 2^24 = 16777216 and the mean comes out as 0.5. Accumulating in double
  // gives exactly 1.
  const xt::xtensor<float, 1> ones = xt::ones<float>({std::size_t{1} << 25});
  INFO(
      "the mean of 2^25 ones is exactly 1: a float accumulator stops growing at 2^24 (adding 1.0f no longer "
      "changes it) and gives 0.5; accumulate in double");
  CHECK(mean_along(ones, 0)() == 1.0f);
}

TEST_CASE("reductions reject a bad axis and too few values", "[ch01][reduce][error]") {
  // The checks are given code (check_axis in reduce.cpp), so this test has no task tag.
  const xt::xtensor<float, 2> x = xt::ones<float>({3, 1});
  CHECK_THROWS_AS(sum_along(x, 2), ShapeError);
  CHECK_THROWS_WITH(mean_along(x, 5), Catch::Contains("axis 5") && Catch::Contains("(3, 1)"));
  CHECK_THROWS_AS(variance_along(x, 1, Variance::unbiased), ShapeError);  // n - 1 = 0
  const xt::xtensor<float, 2> empty = xt::ones<float>({3, 0});
  CHECK_THROWS_AS(mean_along(empty, 1), ShapeError);
}

TEST_CASE("the biased variance of a single value is zero", "[ch01][reduce][hand][1.4]") {
  const xt::xtensor<double, 2> x = {{4.0}, {-2.5}};
  const xt::xtensor<double, 1> variance = variance_along(x, 1, Variance::biased);
  INFO(
      "one value per row: its deviation from the mean is 0, so the biased variance (divide by n = 1) must be "
      "exactly 0, not NaN");
  CHECK(xt::all(xt::equal(variance, 0.0)));
  CHECK(variance.size() == 2);
}
