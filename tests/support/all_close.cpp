#include "support/all_close.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>

namespace resnet::testing {

namespace {

bool all_zero(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return v == 0.0; });
}

}  // namespace

std::string compare_all_close(const std::vector<double>& actual, const std::vector<std::size_t>& actual_shape,
                              const std::vector<double>& expected, const std::vector<std::size_t>& expected_shape,
                              const Tolerance& tolerance) {
  std::ostringstream report;
  report << std::setprecision(9);
  if (actual_shape != expected_shape) {
    report << "shape mismatch: actual " << format_shape(actual_shape) << ", expected " << format_shape(expected_shape);
    return report.str();
  }
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (!std::isfinite(actual[i]) || !std::isfinite(expected[i])) {
      report << "non-finite value at index " << format_shape(unravel_index(i, actual_shape)) << ": actual " << actual[i]
             << ", expected " << expected[i];
      return report.str();
    }
  }
  if (all_zero(actual) && all_zero(expected)) {
    report << "both tensors are all zeros (or empty): this comparison proves nothing; "
              "test with inputs that give non-zero results";
    return report.str();
  }

  double max_abs_error = 0.0, max_rel_error = 0.0, worst_excess = -1.0;
  std::size_t worst = 0, violations = 0;
  std::vector<std::size_t> first_violations;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double error = std::abs(actual[i] - expected[i]);
    const double allowed = tolerance.atol + tolerance.rtol * std::abs(expected[i]);
    max_abs_error = std::max(max_abs_error, error);
    if (expected[i] != 0.0) max_rel_error = std::max(max_rel_error, error / std::abs(expected[i]));
    const double excess = error / std::max(allowed, 1e-300);  // > 1 means out of tolerance
    if (excess > worst_excess) {
      worst_excess = excess;
      worst = i;
    }
    if (error > allowed) {
      ++violations;
      if (first_violations.size() < 5) first_violations.push_back(i);
    }
  }
  if (violations == 0) return "";

  report << violations << " of " << actual.size() << " elements differ beyond tolerance\n"
         << "  max abs error " << max_abs_error << ", max rel error " << max_rel_error << "\n"
         << "  worst at index " << format_shape(unravel_index(worst, actual_shape)) << ": actual " << actual[worst]
         << ", expected " << expected[worst] << " (" << worst_excess << "x the allowed error)\n"
         << "  first differing elements (index: actual vs expected):";
  for (std::size_t i : first_violations) {
    report << "\n    " << format_shape(unravel_index(i, actual_shape)) << ": " << actual[i] << " vs " << expected[i];
  }
  return report.str();
}

}  // namespace resnet::testing
