// The seeded generator: reproducible, and with the right distributions.
#include <cmath>

#include <catch2/catch.hpp>
#include <xtensor/xmath.hpp>

#include "resnet/random.hpp"

using namespace resnet;

TEST_CASE("the same seed gives the same numbers, another seed other numbers", "[ch01][random][property]") {
  Generator a(7), b(7), c(8);
  for (int i = 0; i < 100; ++i) {
    const double x = a.normal();
    INFO("draw " << i
                 << ": generators seeded alike (7 and 7) must give the same numbers, another seed (8) other "
                    "numbers; everything random in the course is reproducible from its seed");
    CHECK(x == b.normal());
    CHECK(x != c.normal());
  }
}

TEST_CASE("the generator produces the same first numbers on every platform", "[ch01][random][hand]") {
  // mt19937_64 is specified by the C++ standard: its 10000th output from the default
  // seed 5489 must be 9981545732273789042 ([rand.predef]).
  Generator generator(5489);
  std::uint64_t value = 0;
  for (int i = 0; i < 10000; ++i) value = generator.next_u64();
  CHECK(value == 9981545732273789042ULL);
}

TEST_CASE("uniform draws lie between 0 and 1 with mean 1/2 and variance 1/12", "[ch01][random][property]") {
  Generator generator(1);
  const auto u = random_uniform<double, 1>({200000}, generator);
  INFO("uniform draws lie in [0, 1), 0 included and 1 excluded, as torch.rand's; the smallest of 200,000 was "
       << xt::amin(u)() << ", the largest " << xt::amax(u)());
  CHECK(xt::amin(u)() >= 0.0);
  CHECK(xt::amax(u)() < 1.0);
  // Standard errors: sqrt(1/12 / n) = 6.5e-4 for the mean; allow 5 of them.
  INFO("a uniform on [0, 1) has mean 1/2 and variance 1/12 = "
       << 1.0 / 12.0
       << "; over 200,000 draws the sample "
          "mean "
       << xt::mean(u)() << " should be within 3.3e-3 (5 standard errors) and the variance " << xt::variance(u)()
       << " within 5e-4");
  CHECK(std::abs(xt::mean(u)() - 0.5) < 5 * 6.5e-4);
  CHECK(std::abs(xt::variance(u)() - 1.0 / 12.0) < 5e-4);
}

TEST_CASE("normal draws have the requested mean and standard deviation", "[ch01][random][property]") {
  Generator generator(2);
  const auto z = random_normal<double, 1>({200000}, generator, 3.0, 2.0);
  // Standard errors for n = 200000: 2 / sqrt(n) = 4.5e-3 for the mean and
  // 2 / sqrt(2n) = 3.2e-3 for the std; allow 5 of them.
  INFO("asked for mean 3 and standard deviation 2: 200,000 draws gave mean "
       << xt::mean(z)()
       << " (should be within "
          "0.0225, 5 standard errors) and standard deviation "
       << xt::stddev(z)() << " (within 0.016)");
  CHECK(std::abs(xt::mean(z)() - 3.0) < 5 * 4.5e-3);
  CHECK(std::abs(xt::stddev(z)() - 2.0) < 5 * 3.2e-3);
  // The fraction within one standard deviation of a normal is 68.27%.
  const double within = xt::mean(xt::cast<double>(xt::abs(z - 3.0) < 2.0))();
  INFO("a normal distribution puts 68.27% of its draws within one standard deviation of the mean; here "
       << within
       << ": another shape than the bell curve (e.g. a uniform with the same mean and spread gives 57.7%) is "
          "caught here even when mean and spread are right");
  CHECK(std::abs(within - 0.6827) < 0.005);
}

TEST_CASE("below(n) hits every value from 0 to n - 1 equally often", "[ch01][random][property]") {
  Generator generator(3);
  std::array<int, 10> counts{};
  const int draws = 100000;
  for (int i = 0; i < draws; ++i) ++counts.at(generator.below(10));
  // Each count is binomial(100000, 0.1): mean 10000, std 95. Allow 5 std.
  for (std::size_t value = 0; value < counts.size(); ++value) {
    INFO("below(10) returned "
         << value << " " << counts[value]
         << " times in 100,000 draws; each value should come "
            "up about 10,000 times (within 475, 5 standard deviations); a count far off means below(n) favours some "
            "values or never returns some (0 or n - 1, say)");
    CHECK(std::abs(counts[value] - draws / 10) < 5 * 95);
  }
  INFO("below(0) has no value to return and must say so");
  CHECK_THROWS_AS(generator.below(0), std::invalid_argument);
}

TEST_CASE("a saved state continues exactly where it was saved", "[ch01][random][property]") {
  Generator generator(99);
  generator.normal();  // leaves a cached Box-Muller value in the state
  const std::string saved = generator.state();
  std::vector<double> expected;
  for (int i = 0; i < 5; ++i) expected.push_back(generator.normal());
  Generator restored(0);
  restored.set_state(saved);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("draw " << i
                 << " after set_state: a generator restored from a saved state must continue exactly as the "
                    "original did, the cached second Box-Muller value included (resuming training relies on it)");
    CHECK(restored.normal() == expected[i]);
  }
  INFO("a string that is not a saved state must be refused, not silently ignored");
  CHECK_THROWS_AS(restored.set_state("not a state"), std::invalid_argument);
}
