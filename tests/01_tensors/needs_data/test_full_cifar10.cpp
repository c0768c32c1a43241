// The reader on the full CIFAR-10 set (skipped without it: exit code 77).
#include <catch2/catch.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include "resnet/data/cifar10.hpp"
#include "support/skip.hpp"

using namespace resnet;

TEST_CASE("the full set has 50,000 + 10,000 images, 5,000 + 1,000 per class", "[ch01][cifar10][data]") {
  const std::string directory = resnet::testing::require_full_cifar10();
  const Cifar10Data train = load_cifar10(directory, Split::train);
  const Cifar10Data test = load_cifar10(directory, Split::test);
  REQUIRE(train.images.shape() == std::array<std::size_t, 4>{50000, 3, 32, 32});
  REQUIRE(test.images.shape() == std::array<std::size_t, 4>{10000, 3, 32, 32});
  for (std::uint8_t label = 0; label < 10; ++label) {
    INFO("class " << static_cast<int>(label)
                  << ": CIFAR-10 has exactly 5,000 training and 1,000 test images of "
                     "every class");
    CHECK(std::count(train.labels.begin(), train.labels.end(), label) == 5000);
    CHECK(std::count(test.labels.begin(), test.labels.end(), label) == 1000);
  }
}

TEST_CASE("the full training set has CIFAR-10's published channel means", "[ch01][cifar10][data]") {
  // Published statistics of the official training set: mean (0.4914, 0.4822, 0.4465).
  // A reader that mixed up the planar channel order or the record layout would give
  // other numbers (e.g. equal means, or means swapped between red and blue). The official
  // files give these means; a copy re-encoded as JPEG moves them by under 0.001, so 0.005
  // accepts either and still catches a mix-up.
  const std::string directory = resnet::testing::require_full_cifar10();
  const Cifar10Data train = load_cifar10(directory, Split::train);
  const std::array<double, 3> published{0.4914, 0.4822, 0.4465};
  for (std::size_t c = 0; c < 3; ++c) {
    const double mean = xt::mean(xt::cast<double>(xt::view(train.images, xt::all(), c)))() / 255.0;
    INFO("channel " << c << " (0 red, 1 green, 2 blue): mean pixel value " << mean
                    << " on the 0-1 scale, CIFAR-10's "
                       "published training mean is "
                    << published[c]
                    << " (within 0.005); means swapped or all alike point at "
                       "the planar channel order or the record layout");
    CHECK(std::abs(mean - published[c]) < 0.005);
  }
}
