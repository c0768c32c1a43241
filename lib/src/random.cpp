#include "resnet/random.hpp"

#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace resnet {

namespace {
constexpr double kTwoPi = 6.283185307179586476925286766559;
}

Generator::Generator(std::uint64_t seed) : engine_(seed) {}

std::uint64_t Generator::next_u64() { return engine_(); }

double Generator::uniform() {
  // Keep the top 53 bits (a double's mantissa) and scale by 2^-53.
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

double Generator::normal() {
  if (has_cached_normal_) {
    has_cached_normal_ = false;
    return cached_normal_;
  }
  const double u1 = 1.0 - uniform();  // in (0, 1], so log(u1) is finite
  const double u2 = uniform();
  const double radius = std::sqrt(-2.0 * std::log(u1));
  cached_normal_ = radius * std::sin(kTwoPi * u2);
  has_cached_normal_ = true;
  return radius * std::cos(kTwoPi * u2);
}

std::uint64_t Generator::below(std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("Generator::below: n must be positive");
  // Accept only values under the largest multiple of n, so every residue is equally likely.
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t limit = max - max % n;
  std::uint64_t value = next_u64();
  while (value >= limit) value = next_u64();
  return value % n;
}

std::string Generator::state() const {
  std::ostringstream text;
  text << engine_ << ' ' << has_cached_normal_ << ' ' << std::hexfloat << cached_normal_;
  return text.str();
}

void Generator::set_state(const std::string& state) {
  std::istringstream text(state);
  std::mt19937_64 engine;
  bool has_cached = false;
  std::string cached_text;
  text >> engine >> has_cached >> cached_text;
  char* parsed_end = nullptr;
  const double cached = std::strtod(cached_text.c_str(), &parsed_end);
  if (text.fail() || cached_text.empty() || *parsed_end != '\0') {
    throw std::invalid_argument("Generator::set_state: malformed state text");
  }
  engine_ = engine;
  has_cached_normal_ = has_cached;
  cached_normal_ = cached;
}

}  // namespace resnet
