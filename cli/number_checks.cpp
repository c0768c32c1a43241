#include "number_checks.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>

namespace resnet::cli {

namespace {

// A number as a person reads it: 1e-3, 0.9, 10000 (not 1e+03 or 1.000000).
std::string shown(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

// The value of `text` when all of it is one decimal number; NaN when it is not a number.
double parse_real(const std::string& text) {
  if (text.empty()) return std::nan("");
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  return *end == '\0' ? value : std::nan("");
}

// The message for a real option's value, or "" when it is acceptable.
std::string check_real(const std::string& text, double low, bool low_included, double high) {
  const std::string wanted =
      "must be a finite number " + (low_included ? "from " + shown(low) + " to " + shown(high)
                                                 : "greater than " + shown(low) + " and at most " + shown(high));
  const double value = parse_real(text);
  if (!std::isfinite(value)) return wanted + ", not '" + text + "'";
  const bool above_low = low_included ? value >= low : value > low;
  if (!above_low || value > high) return wanted + ", not " + text;
  return "";
}

}  // namespace

CLI::Validator real_in(double low, double high) {
  return CLI::Validator([low, high](std::string& text) { return check_real(text, low, true, high); },
                        "finite, in [" + shown(low) + ", " + shown(high) + "]");
}

CLI::Validator positive_real(double high) {
  return CLI::Validator([high](std::string& text) { return check_real(text, 0.0, false, high); },
                        "finite, in (0, " + shown(high) + "]");
}

CLI::Validator whole_in(std::uint64_t low, std::uint64_t high) {
  const std::string wanted =
      "must be a whole number from " + std::to_string(low) + " to " + std::to_string(high) + ", written in digits";
  return CLI::Validator(
      [low, high, wanted](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
          return wanted + ", not '" + text + "'";  // a sign, an exponent, hexadecimal, nan, ...
        }
        errno = 0;  // digits only, so strtoull fails only by overflow
        const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
        if (errno == ERANGE || value < low || value > high) return wanted + ", not " + text;
        return "";
      },
      "whole, in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
}

}  // namespace resnet::cli
