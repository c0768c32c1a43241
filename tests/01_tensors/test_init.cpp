// Task 1.7: Kaiming-normal initialisation as torchvision does it.
#include <algorithm>
#include <cmath>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xtensor.hpp>

#include "resnet/error.hpp"
#include "resnet/init.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"

using namespace resnet;

TEST_CASE("fans of a conv weight multiply channels by the kernel area", "[ch01][init][hand][1.7]") {
  const Fans conv = compute_fans<4>({64, 3, 7, 7});  // the ImageNet stem: 64 filters of 3x7x7
  CHECK(conv.fan_in == 3 * 49);
  CHECK(conv.fan_out == 64 * 49);
  const Fans linear = compute_fans<2>({10, 512});  // the classifier: 512 features to 10 classes
  CHECK(linear.fan_in == 512);
  CHECK(linear.fan_out == 10);
}

namespace {

// Checks our fans and Kaiming standard deviations for one weight of the golden file.
template <std::size_t N>
void check_against_pytorch(const nlohmann::json& weight) {
  const auto sizes = weight["shape"].get<std::vector<std::size_t>>();
  std::array<std::size_t, N> shape{};
  std::copy(sizes.begin(), sizes.end(), shape.begin());
  const Fans fans = compute_fans(shape);
  CHECK(fans.fan_in == weight["fan_in"].get<std::size_t>());
  CHECK(fans.fan_out == weight["fan_out"].get<std::size_t>());
  CHECK(kaiming_normal_std(shape, FanMode::fan_in) ==
        Approx(weight["std_fan_in"].get<double>()).epsilon(resnet::testing::tolerance::float64.rtol));
  CHECK(kaiming_normal_std(shape, FanMode::fan_out) ==
        Approx(weight["std_fan_out"].get<double>()).epsilon(resnet::testing::tolerance::float64.rtol));
}

}  // namespace

TEST_CASE("fans and Kaiming standard deviations match PyTorch for every weight shape of ResNet-34",
          "[ch01][init][golden][1.7]") {
  std::ifstream file(resnet::testing::golden_path("ch01/kaiming.json"));
  const auto golden = nlohmann::json::parse(file);
  REQUIRE(golden["weights"].size() >= 10);
  for (const auto& weight : golden["weights"]) {
    INFO("weight shape " << weight["shape"].dump());
    switch (weight["shape"].size()) {
      case 2: check_against_pytorch<2>(weight); break;
      case 3: check_against_pytorch<3>(weight); break;
      case 4: check_against_pytorch<4>(weight); break;
      default: FAIL("the golden file has a weight of unexpected rank");
    }
  }
}

TEST_CASE("kaiming_normal draws have mean 0 and the Kaiming standard deviation", "[ch01][init][property][1.7]") {
  // A 128x64x3x3 weight (layer2's conv) has n = 73,728 draws. The sample mean of n
  // normal draws has standard error sigma / sqrt(n) and the sample std has standard error
  // about sigma / sqrt(2n); we allow 5 standard errors, so a correct implementation fails
  // this with probability below 1e-6, while a wrong fan (e.g. fan_in instead of fan_out:
  // a factor sqrt(2) here) or a missing gain (sqrt(2)) is far outside it.
  Generator generator(2015);
  const std::array<std::size_t, 4> shape{128, 64, 3, 3};
  const auto w = kaiming_normal<double>(shape, FanMode::fan_out, generator);
  const double n = static_cast<double>(w.size());
  const double sigma = std::sqrt(2.0 / (128.0 * 9.0));
  const double mean = xt::mean(w)();
  const double stddev = std::sqrt(xt::mean(xt::square(w - mean))());
  INFO("mean of the " << w.size() << " draws: " << mean << ", should be 0 within 5 standard errors ("
                      << 5.0 * sigma / std::sqrt(n) << ")");
  CHECK(std::abs(mean) < 5.0 * sigma / std::sqrt(n));
  INFO("standard deviation: " << stddev << ", should be sqrt(2 / fan_out) = sqrt(2 / (128 * 3 * 3)) = " << sigma
                              << " within " << 5.0 * sigma / std::sqrt(2.0 * n)
                              << "; fan_in (64 * 3 * 3) instead would give " << std::sqrt(2.0 / (64.0 * 9.0))
                              << ", and the gain sqrt(2) forgotten " << std::sqrt(1.0 / (128.0 * 9.0)));
  CHECK(std::abs(stddev - sigma) < 5.0 * sigma / std::sqrt(2.0 * n));
}

TEST_CASE("kaiming_normal is reproducible from its seed", "[ch01][init][property][1.7]") {
  Generator first(42), second(42), other(43);
  const auto a = kaiming_normal<float>(std::array<std::size_t, 4>{8, 4, 3, 3}, FanMode::fan_out, first);
  const auto b = kaiming_normal<float>(std::array<std::size_t, 4>{8, 4, 3, 3}, FanMode::fan_out, second);
  const auto c = kaiming_normal<float>(std::array<std::size_t, 4>{8, 4, 3, 3}, FanMode::fan_out, other);
  INFO(
      "two generators made with the same seed (42) must give the same weights, bit for bit: draw every value "
      "from the generator passed in, nothing from a global or time-seeded source");
  CHECK_THAT(a, resnet::testing::AllClose(b, resnet::testing::tolerance::exact));
  INFO("another seed (43) must give other weights: the draws must come from the generator passed in");
  CHECK(xt::any(xt::not_equal(a, c)));
}

TEST_CASE("compute_fans rejects a weight with an empty axis", "[ch01][init][error]") {
  CHECK_THROWS_AS(compute_fans<4>({64, 0, 3, 3}), ShapeError);
}
