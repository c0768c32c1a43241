#include "resnet/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <numeric>
#include <sstream>

#include "resnet/random.hpp"
#include "resnet/shape.hpp"

namespace resnet {

namespace {

// Per-entry relative errors |a - n| / max(|a|, |n|, floor), floor = 1e-3 * max |n|.
// A NaN or infinity on either side is an infinite error: it can never pass.
std::vector<double> relative_errors(const xt::xtensor<double, 1>& analytic, const xt::xtensor<double, 1>& numeric) {
  double scale = 0.0;
  for (double value : numeric) {
    if (std::isfinite(value)) scale = std::max(scale, std::abs(value));
  }
  const double floor = std::max(1e-3 * scale, 1e-12);
  std::vector<double> errors(analytic.size());
  for (std::size_t i = 0; i < analytic.size(); ++i) {
    if (!std::isfinite(analytic(i)) || !std::isfinite(numeric(i))) {
      errors[i] = std::numeric_limits<double>::infinity();
      continue;
    }
    const double denominator = std::max({std::abs(analytic(i)), std::abs(numeric(i)), floor});
    errors[i] = std::abs(analytic(i) - numeric(i)) / denominator;
  }
  return errors;
}

// Distance of an (N, C, H, W) entry to the nearest edge of its image.
std::size_t distance_to_border(const std::vector<std::size_t>& index, const std::vector<std::size_t>& shape) {
  const std::size_t h = index[2], w = index[3], H = shape[2], W = shape[3];
  return std::min({h, H - 1 - h, w, W - 1 - w});
}

// Batch norm's backward in training mode, with x_hat the input normalised per channel, is
//   dx = gamma / s * (dy - dbeta / M - x_hat * dgamma / M)
// (the mean term and the variance term). Forgetting one leaves an error that, within each
// channel, is a constant (the mean term: dx then does not sum to zero over the channel) or
// a multiple of x_hat (the variance term). Fit error = a_c + b_c x_hat per channel and see
// which part explains it.
std::string diagnose_normalization(const GradCheckVariable& variable, const xt::xtensor<double, 1>& analytic,
                                   const xt::xtensor<double, 1>& numeric) {
  if (!variable.normalized_per_channel || variable.shape.size() != 4) return "";
  const std::size_t N = variable.shape[0], C = variable.shape[1], plane = variable.shape[2] * variable.shape[3];
  const double M = static_cast<double>(N * plane);
  double error_norm = 0.0, unexplained = 0.0, constant_part = 0.0, along_x_hat = 0.0, worst_sum = 0.0;
  for (std::size_t c = 0; c < C; ++c) {
    std::vector<std::size_t> positions;
    for (std::size_t n = 0; n < N; ++n) {
      for (std::size_t i = 0; i < plane; ++i) positions.push_back((n * C + c) * plane + i);
    }
    double mean = 0.0, variance = 0.0;
    for (std::size_t k : positions) mean += variable.values(k) / M;
    for (std::size_t k : positions) variance += (variable.values(k) - mean) * (variable.values(k) - mean) / M;
    const double inverse_std = 1.0 / std::sqrt(std::max(variance, 1e-300));
    double a = 0.0, b = 0.0, sum = 0.0;  // x_hat has mean 0 and mean square 1 over the channel
    for (std::size_t k : positions) {
      const double error = analytic(k) - numeric(k), x_hat = (variable.values(k) - mean) * inverse_std;
      a += error / M;
      b += error * x_hat / M;
      sum += analytic(k);
    }
    for (std::size_t k : positions) {
      const double error = analytic(k) - numeric(k), x_hat = (variable.values(k) - mean) * inverse_std;
      error_norm += error * error;
      unexplained += (error - a - b * x_hat) * (error - a - b * x_hat);
    }
    constant_part += M * a * a;
    along_x_hat += M * b * b;
    worst_sum = std::max(worst_sum, std::abs(sum));
  }
  if (error_norm == 0.0 || unexplained > 1e-4 * error_norm) return "";  // not this kind of error
  const bool mean_term = constant_part > 0.01 * error_norm, variance_term = along_x_hat > 0.01 * error_norm;
  std::ostringstream sums;
  sums << std::setprecision(3) << worst_sum;
  if (mean_term && variance_term) {
    return "within each channel the error in d" + variable.name +
           " is a constant plus a multiple of x_hat: both the "
           "mean term and the variance term of batch norm's dx are missing or wrong (the evaluation-mode formula "
           "gamma * dy / s used in training mode?). In training mode the mean and the variance depend on every x "
           "of the channel";
  }
  if (mean_term) {
    return "d" + variable.name + " does not sum to zero over each channel (one channel sums to " + sums.str() +
           "), but it must: adding the same amount to every value of a channel changes nothing after the "
           "normalisation. The error is the same for every value of a channel: the mean term (dbeta / M, from "
           "the mean's dependence on every x) is missing or wrong";
  }
  return "the error in d" + variable.name +
         " lies along x_hat within each channel (a multiple of the normalised "
         "input): the variance term (x_hat * dgamma / M, from the variance's dependence on every x) is missing "
         "or wrong";
}

// Recognises the common ways a backward pass goes wrong, from where and how it differs.
std::string diagnose(const GradCheckVariable& variable, const xt::xtensor<double, 1>& analytic,
                     const xt::xtensor<double, 1>& numeric, const std::vector<double>& errors, double threshold) {
  std::vector<std::size_t> failing;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (errors[i] >= threshold) failing.push_back(i);
  }
  if (failing.empty()) return "";
  for (std::size_t i : failing) {
    if (!std::isfinite(analytic(i))) {
      return "backward returns NaN or infinity for " + variable.name + " at " +
             format_shape(unravel_index(i, variable.shape)) +
             ": an uninitialised buffer (from_shape), a division by zero, or a log of 0?";
    }
    if (!std::isfinite(numeric(i))) {
      return "the forward pass itself gives NaN or infinity near these inputs, so the check "
             "cannot judge " +
             variable.name;
    }
  }
  const double analytic_norm = std::sqrt(xt::sum(analytic * analytic)());
  const double numeric_norm = std::sqrt(xt::sum(numeric * numeric)());
  if (analytic_norm == 0.0 && numeric_norm > 0.0) {
    return "backward returns all zeros for " + variable.name + ": is its gradient computed and returned at all?";
  }
  const std::string normalization = diagnose_normalization(variable, analytic, numeric);
  if (!normalization.empty()) return normalization;
  // A constant factor everywhere: fit analytic = c * numeric and look at the residual.
  const double c = xt::sum(analytic * numeric)() / std::max(numeric_norm * numeric_norm, 1e-300);
  const double residual = std::sqrt(xt::sum(xt::square(analytic - c * numeric))());
  if (residual < 1e-6 * std::max(analytic_norm, 1e-300) && std::abs(c - 1.0) > 1e-3) {
    std::ostringstream text;
    text << "the gradient of " << variable.name << " is " << std::setprecision(4) << c
         << " times the true one everywhere: "
         << (std::abs(c + 1.0) < 1e-3 ? "a sign error"
                                      : "a missing or extra factor (the 1/N of a mean? a "
                                        "sum counted twice?)");
    return text.str();
  }
  // Wrong exactly where several windows overlap, right wherever one window reads: the
  // contributions of overlapping windows are not added up (col2im assigned instead of
  // adding). All three conditions, so that other mistakes do not look like this one.
  if (!variable.window_counts.empty()) {
    std::size_t single = 0, single_passing = 0, overlapped = 0, overlapped_failing = 0;
    for (std::size_t i = 0; i < errors.size(); ++i) {
      const bool fails = errors[i] >= threshold;
      if (variable.window_counts[i] == 1) {
        ++single;
        single_passing += fails ? 0 : 1;
      } else if (variable.window_counts[i] > 1) {
        ++overlapped;
        overlapped_failing += fails ? 1 : 0;
      }
    }
    const bool only_overlaps_fail = overlapped_failing == failing.size();
    if (single > 0 && single_passing == single && only_overlaps_fail && 10 * overlapped_failing >= 9 * overlapped) {
      return "the errors in " + variable.name +
             " are exactly at the positions that several "
             "windows read, and every single-window position is right. The gradient there "
             "must be the SUM over those windows: does col2im assign (=) where it should add "
             "(+=)? (Otherwise: a mistake in the kernel taps only overlapping windows use, "
             "such as a flipped kernel or an off-by-one in r or s.)";
    }
  }
  // Errors only near the image border: the padding is handled wrongly. (Only for the
  // input of a sliding-window op, the variable that has window counts.)
  if (!variable.window_counts.empty() && variable.shape.size() == 4 && variable.shape[2] >= 4 &&
      variable.shape[3] >= 4) {
    std::size_t deepest_failure = 0;
    for (std::size_t i : failing) {
      deepest_failure = std::max(deepest_failure, distance_to_border(unravel_index(i, variable.shape), variable.shape));
    }
    // The failures form a band along the border; inside it everything passes. Only a
    // thin band around a large interior (a quarter of the image or more) counts, or a
    // 7x7 image whose centre alone is right would look like a padding bug.
    std::size_t interior = 0;
    for (std::size_t i = 0; i < errors.size(); ++i) {
      if (distance_to_border(unravel_index(i, variable.shape), variable.shape) > deepest_failure) ++interior;
    }
    if (4 * interior >= errors.size()) {
      return "the errors in " + variable.name + " are all within " + std::to_string(deepest_failure + 1) +
             " pixel(s) of the image border and the "
             "interior is right: look at the padding -- windows that hang over the edge must "
             "skip (or read as zero) the positions outside the image";
    }
  }
  return "";
}

GradCheckEntry compare(const GradCheckVariable& variable, const xt::xtensor<double, 1>& analytic,
                       const xt::xtensor<double, 1>& numeric, double threshold) {
  GradCheckEntry entry;
  entry.variable = variable.name;
  entry.shape = variable.shape;
  const std::vector<double> errors = relative_errors(analytic, numeric);
  if (!errors.empty()) {
    const std::size_t worst = static_cast<std::size_t>(std::max_element(errors.begin(), errors.end()) - errors.begin());
    entry.max_relative_error = errors[worst];
    entry.worst_index = unravel_index(worst, variable.shape);
    entry.analytic = analytic(worst);
    entry.numeric = numeric(worst);
  }
  entry.diagnosis = diagnose(variable, analytic, numeric, errors, threshold);
  return entry;
}

}  // namespace

double GradCheckReport::max_relative_error() const {
  double worst = 0.0;
  for (const auto& entry : entries) worst = std::max(worst, entry.max_relative_error);
  return worst;
}

bool GradCheckReport::passed(double threshold) const { return !entries.empty() && max_relative_error() < threshold; }

std::string GradCheckReport::to_string(double threshold) const {
  std::ostringstream text;
  text << op << ": " << (passed(threshold) ? "pass" : "FAIL") << "\n";
  for (const auto& entry : entries) {
    text << "  d" << entry.variable << " " << format_shape(entry.shape) << ": max relative error " << std::scientific
         << std::setprecision(2) << entry.max_relative_error;
    if (!entry.worst_index.empty()) {
      text << " at " << format_shape(entry.worst_index) << " (analytic " << std::setprecision(9) << entry.analytic
           << ", numeric " << entry.numeric << ")";
    }
    text << std::defaultfloat << "\n";
    if (entry.max_relative_error >= threshold && !entry.diagnosis.empty()) {
      text << "    likely cause: " << entry.diagnosis << "\n";
    }
  }
  return text.str();
}

GradCheckReport check_gradients(GradCheckCase& check, std::uint64_t seed, double step) {
  Generator generator(seed);
  const xt::xtensor<double, 1> output = check.forward(check.variables);
  // 1. A random upstream gradient: every output entry weighs in differently.
  const xt::xtensor<double, 1> dy = random_normal<double, 1>(output.shape(), generator);

  // 2. The analytic gradients. Parameters start from random "earlier" gradients, which
  //    backward must add to; inputs start from zero.
  std::vector<xt::xtensor<double, 1>> initial, gradients;
  for (const auto& variable : check.variables) {
    initial.push_back(variable.is_parameter ? random_normal<double, 1>(variable.values.shape(), generator)
                                            : xt::xtensor<double, 1>(xt::zeros<double>(variable.values.shape())));
  }
  gradients = initial;
  check.backward(check.variables, dy, gradients);

  // 3. The numerical gradients of L = sum(dy * forward()).
  const auto loss = [&] { return xt::sum(dy * check.forward(check.variables))(); };
  GradCheckReport report;
  report.op = check.op;
  for (std::size_t i = 0; i < check.variables.size(); ++i) {
    GradCheckVariable& variable = check.variables[i];
    const xt::xtensor<double, 1> numeric = numerical_gradient(loss, variable.values, step);
    const xt::xtensor<double, 1> added = gradients[i] - initial[i];
    GradCheckEntry entry = compare(variable, added, numeric, kGradCheckThreshold);
    // 4. A parameter whose buffer ends up equal to the true gradient was overwritten.
    if (variable.is_parameter && entry.max_relative_error >= kGradCheckThreshold) {
      const GradCheckEntry as_overwrite = compare(variable, gradients[i], numeric, kGradCheckThreshold);
      if (as_overwrite.max_relative_error < kGradCheckThreshold) {
        entry.diagnosis = "backward overwrote the gradient of parameter " + variable.name +
                          " instead of adding to it: parameter gradients accumulate (+=) "
                          "until the optimizer zeroes them";
      }
    }
    report.entries.push_back(entry);
  }
  return report;
}

std::vector<std::size_t> window_counts(const std::vector<std::size_t>& input_shape, std::size_t kernel_height,
                                       std::size_t kernel_width, std::size_t stride, std::size_t padding) {
  const std::size_t N = input_shape[0], C = input_shape[1], H = input_shape[2], W = input_shape[3];
  const std::size_t P = (H + 2 * padding - kernel_height) / stride + 1;
  const std::size_t Q = (W + 2 * padding - kernel_width) / stride + 1;
  std::vector<std::size_t> plane(H * W, 0);
  for (std::size_t p = 0; p < P; ++p) {
    for (std::size_t q = 0; q < Q; ++q) {
      for (std::size_t r = 0; r < kernel_height; ++r) {
        for (std::size_t s = 0; s < kernel_width; ++s) {
          const long h = static_cast<long>(p * stride + r) - static_cast<long>(padding);
          const long w = static_cast<long>(q * stride + s) - static_cast<long>(padding);
          if (h >= 0 && h < static_cast<long>(H) && w >= 0 && w < static_cast<long>(W)) {
            ++plane[static_cast<std::size_t>(h) * W + static_cast<std::size_t>(w)];
          }
        }
      }
    }
  }
  std::vector<std::size_t> counts;
  counts.reserve(N * C * H * W);
  for (std::size_t image = 0; image < N * C; ++image) counts.insert(counts.end(), plane.begin(), plane.end());
  return counts;
}

}  // namespace resnet
