// Task 1.3: broadcasting.
#include <catch2/catch.hpp>
#include <xtensor/xtensor.hpp>

#include "resnet/error.hpp"
#include "resnet/ops/broadcast.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::load_golden;
namespace tolerance = resnet::testing::tolerance;

using Shape = std::vector<std::size_t>;

TEST_CASE("broadcast_shapes follows NumPy's rule", "[ch01][broadcast][hand][1.3]") {
  CHECK(broadcast_shapes({8, 1, 6, 1}, {7, 1, 5}) == Shape{8, 7, 6, 5});
  CHECK(broadcast_shapes({2, 3, 4, 4}, {1, 3, 1, 1}) == Shape{2, 3, 4, 4});
  CHECK(broadcast_shapes({4}, {2, 3, 4, 4}) == Shape{2, 3, 4, 4});
  CHECK(broadcast_shapes({}, {5, 2}) == Shape{5, 2});
  CHECK(broadcast_shapes({5, 1}, {1, 6}) == Shape{5, 6});
  // An empty axis stays empty against a size-1 axis: the size that is not 1 wins.
  CHECK(broadcast_shapes({0}, {1}) == Shape{0});
  CHECK(broadcast_shapes({2, 1}, {2, 0}) == Shape{2, 0});
}

TEST_CASE("broadcast_shapes rejects sizes that differ and are not 1", "[ch01][broadcast][error][1.3]") {
  // A (C) vector lines up with the last axis (W), not with C: the classic mistake.
  CHECK_THROWS_AS(broadcast_shapes({3}, {2, 3, 4, 4}), ShapeError);
  CHECK_THROWS_WITH(broadcast_shapes({2, 3}, {4, 3, 3}), Catch::Contains("(2, 3)") && Catch::Contains("(4, 3, 3)"));
}

TEST_CASE("normalize_channels of a hand example subtracts and divides per channel", "[ch01][broadcast][hand][1.3]") {
  // Two channels of a 1x2 image: channel 0 = (1, 3), channel 1 = (10, 30).
  const xt::xtensor<double, 4> x = {{{{1.0, 3.0}}, {{10.0, 30.0}}}};
  const xt::xtensor<double, 1> mean = {2.0, 20.0};
  const xt::xtensor<double, 1> stddev = {1.0, 10.0};
  const xt::xtensor<double, 4> expected = {{{{-1.0, 1.0}}, {{-1.0, 1.0}}}};
  CHECK_THAT(normalize_channels(x, mean, stddev), AllClose(expected, tolerance::float64));
}

TEMPLATE_TEST_CASE("normalize_channels matches torchvision's Normalize", "[ch01][broadcast][golden][1.3]", float,
                   double) {
  const auto x = load_golden<TestType, 4>("ch01/normalize_x.npy");
  const auto mean = load_golden<TestType, 1>("ch01/normalize_mean.npy");
  const auto stddev = load_golden<TestType, 1>("ch01/normalize_std.npy");
  const auto expected = load_golden<double, 4>("ch01/normalize_expected.npy");
  const auto tolerance = std::is_same_v<TestType, float> ? tolerance::elementwise_float32 : tolerance::float64;
  CHECK_THAT(normalize_channels(x, mean, stddev), AllClose(expected, tolerance));
}

TEST_CASE("normalize_channels rejects statistics of the wrong size", "[ch01][broadcast][error][1.3]") {
  const xt::xtensor<float, 4> x = xt::ones<float>({2, 3, 4, 4});
  const xt::xtensor<float, 1> four = xt::ones<float>({4});
  const xt::xtensor<float, 1> three = xt::ones<float>({3});
  CHECK_THROWS_AS(normalize_channels(x, four, three), ShapeError);
  CHECK_THROWS_WITH(normalize_channels(x, three, four), Catch::Contains("3 channels"));
  const xt::xtensor<float, 1> zero_std = {1.0f, 0.0f, 1.0f};
  CHECK_THROWS_AS(normalize_channels(x, three, zero_std), ShapeError);
}
