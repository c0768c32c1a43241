// Task 1.2: NCHW <-> NHWC.
#include <cstdint>

#include <catch2/catch.hpp>
#include <xtensor/xtensor.hpp>

#include "resnet/ops/layout.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"

using namespace resnet;
using resnet::testing::AllClose;

TEST_CASE("nchw_to_nhwc interleaves the channels of each pixel", "[ch01][layout][hand][1.2]") {
  // One 1x2 image with 3 channels: planes R = (1, 2), G = (3, 4), B = (5, 6).
  const xt::xtensor<std::uint8_t, 4> planar = {{{{1, 2}}, {{3, 4}}, {{5, 6}}}};
  const xt::xtensor<std::uint8_t, 4> interleaved = nchw_to_nhwc(planar);
  REQUIRE(interleaved.shape() == std::array<std::size_t, 4>{1, 1, 2, 3});
  const xt::xtensor<std::uint8_t, 4> expected = {{{{1, 3, 5}, {2, 4, 6}}}};
  CHECK_THAT(interleaved, AllClose(expected, testing::tolerance::exact));
}

TEST_CASE("nchw_to_nhwc moves every element x(n, c, h, w) to y(n, h, w, c)", "[ch01][layout][property][1.2]") {
  Generator generator(11);
  const auto x = random_normal<double, 4>({2, 3, 4, 5}, generator);
  const auto y = nchw_to_nhwc(x);
  INFO("x is (N, C, H, W) = (2, 3, 4, 5), so y must be (N, H, W, C) = (2, 4, 5, 3)");
  REQUIRE(y.shape() == std::array<std::size_t, 4>{2, 4, 5, 3});
  for (std::size_t n = 0; n < 2; ++n)
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t h = 0; h < 4; ++h)
        for (std::size_t w = 0; w < 5; ++w) {
          INFO("x(" << n << ", " << c << ", " << h << ", " << w << ") must appear, unchanged, at y(" << n << ", " << h
                    << ", " << w << ", " << c << "): the layout moves values, it never computes with them");
          REQUIRE(y(n, h, w, c) == x(n, c, h, w));
        }
}

TEST_CASE("nhwc_to_nchw undoes nchw_to_nhwc exactly", "[ch01][layout][property][1.2]") {
  Generator generator(12);
  const auto x = random_normal<float, 4>({3, 2, 5, 7}, generator);
  const auto round_trip = nhwc_to_nchw(nchw_to_nhwc(x));
  INFO("both conversions only move values, so NCHW -> NHWC -> NCHW must give every value back exactly, in its place");
  CHECK_THAT(round_trip, AllClose(x, testing::tolerance::exact));
}
