// The gradient checker (task 2.1) and the double-precision gradient check of every op of
// chapter 2: relative error below 1e-6 against central differences.
#include <algorithm>
#include <functional>

#include <catch2/catch.hpp>
#include <xtensor/xmanipulation.hpp>

#include "resnet/gradcheck.hpp"
#include "resnet/gradient_checks.hpp"
#include "resnet/ops/conv2d_direct.hpp"
#include "resnet/random.hpp"

using namespace resnet;

namespace {

// The report of the chapter's check whose name starts with `prefix` (there may be several).
std::vector<GradCheckReport> check_ops(const std::string& prefix) {
  std::vector<GradCheckReport> reports;
  for (GradCheckCase& check : chapter2_gradient_checks()) {
    if (check.op.rfind(prefix, 0) == 0) reports.push_back(check_gradients(check));
  }
  return reports;
}

void require_all_pass(const std::vector<GradCheckReport>& reports) {
  REQUIRE_FALSE(reports.empty());
  for (const auto& report : reports) {
    INFO(report.to_string(kGradCheckThreshold));
    CHECK(report.passed(kGradCheckThreshold));
  }
}

}  // namespace

TEST_CASE("numerical_gradient of a quadratic is exact to rounding and restores the input", "[ch02][gradcheck][hand][2.1]") {
  // L(v) = sum of v_i^2 * (i + 1): dL/dv_i = 2 (i + 1) v_i. Central differences are exact
  // for a quadratic except for rounding.
  xt::xtensor<double, 1> v = {0.5, -1.25, 3.0};
  const xt::xtensor<double, 1> original = v;
  const auto loss = [&] {
    double total = 0.0;
    for (std::size_t i = 0; i < v.size(); ++i) total += v(i) * v(i) * static_cast<double>(i + 1);
    return total;
  };
  const xt::xtensor<double, 1> gradient = numerical_gradient(loss, v, 1e-6);
  CHECK(gradient(0) == Approx(1.0).epsilon(1e-8));
  CHECK(gradient(1) == Approx(-5.0).epsilon(1e-8));
  CHECK(gradient(2) == Approx(18.0).epsilon(1e-8));
  CHECK((v == original));  // every entry restored exactly
}

TEST_CASE("linear passes the gradient check", "[ch02][gradcheck][linear][2.2]") { require_all_pass(check_ops("linear")); }
TEST_CASE("relu passes the gradient check", "[ch02][gradcheck][relu][2.3]") { require_all_pass(check_ops("relu")); }
TEST_CASE("cross-entropy passes the gradient check", "[ch02][gradcheck][cross_entropy][2.4]") { require_all_pass(check_ops("cross-entropy")); }
TEST_CASE("the direct convolution passes the gradient check", "[ch02][gradcheck][conv2d][2.5]") { require_all_pass(check_ops("conv2d direct")); }
TEST_CASE("the im2col convolution passes the gradient check with 1x1, 3x3 and 7x7 kernels", "[ch02][gradcheck][conv2d][2.6][2.7]") { require_all_pass(check_ops("conv2d im2col")); }
TEST_CASE("max-pool passes the gradient check", "[ch02][gradcheck][max_pool][2.8]") { require_all_pass(check_ops("max-pool")); }
TEST_CASE("global average pooling passes the gradient check", "[ch02][gradcheck][avg_pool][2.9]") { require_all_pass(check_ops("global average pool")); }

// ---- The checker recognises the classic mistakes -------------------------------------
//
// Each case below is a deliberately broken backward pass; the checker must fail it and
// name the likely cause.

namespace {

std::string diagnosis_of(GradCheckCase& check, const std::string& variable) {
  const GradCheckReport report = check_gradients(check);
  INFO(report.to_string(kGradCheckThreshold));
  CHECK_FALSE(report.passed(kGradCheckThreshold));
  for (const auto& entry : report.entries) {
    if (entry.variable == variable) return entry.diagnosis;
  }
  return "";
}

// A convolution case x (1, 1, H, W), weight (1, 1, 3, 3), whose dx comes from `dx_of`.
GradCheckCase conv_with_dx(std::size_t size, std::size_t stride, std::size_t padding,
                           std::function<xt::xtensor<double, 4>(const xt::xtensor<double, 4>& dy,
                                                                const Conv2dCache<double>&)> dx_of) {
  Generator generator(30);
  GradCheckCase check;
  check.op = "broken convolution";
  check.variables = {make_variable("x", random_normal<double, 4>({1, 1, size, size}, generator)),
                     make_variable("weight", random_normal<double, 4>({1, 1, 3, 3}, generator), true)};
  check.variables[0].window_counts = window_counts(check.variables[0].shape, 3, 3, stride, padding);
  check.forward = [=](const std::vector<GradCheckVariable>& v) {
    return flattened(conv2d_direct_forward(shaped<4>(v[0]), shaped<4>(v[1]), std::nullopt, stride, padding).y);
  };
  check.backward = [=](const std::vector<GradCheckVariable>& v, const xt::xtensor<double, 1>& dy,
                       std::vector<xt::xtensor<double, 1>>& grads) {
    const auto forward = conv2d_direct_forward(shaped<4>(v[0]), shaped<4>(v[1]), std::nullopt, stride, padding);
    const xt::xtensor<double, 4> dy_shaped = xt::reshape_view(dy, forward.y.shape());
    grads[0] += flattened(dx_of(dy_shaped, forward.cache));
    grads[1] += flattened(conv2d_direct_backward(dy_shaped, forward.cache).dweight);
  };
  return check;
}

// dx of a one-channel convolution by the direct loops, with a pluggable bug.
xt::xtensor<double, 4> direct_dx(const xt::xtensor<double, 4>& dy, const Conv2dCache<double>& cache,
                                 bool clamp_instead_of_skip, bool assign_instead_of_add) {
  const WindowShape& s = cache.shape;
  xt::xtensor<double, 4> dx = xt::zeros<double>(s.input_shape());
  for (std::size_t p = 0; p < s.P; ++p)
    for (std::size_t q = 0; q < s.Q; ++q)
      for (std::size_t r = 0; r < s.R; ++r)
        for (std::size_t c = 0; c < s.S; ++c) {
          long h = static_cast<long>(p * s.stride + r) - static_cast<long>(s.padding);
          long w = static_cast<long>(q * s.stride + c) - static_cast<long>(s.padding);
          if (clamp_instead_of_skip) {  // the bug: padding positions land on the border
            h = std::clamp(h, 0L, static_cast<long>(s.H) - 1);
            w = std::clamp(w, 0L, static_cast<long>(s.W) - 1);
          } else if (h < 0 || w < 0 || h >= static_cast<long>(s.H) || w >= static_cast<long>(s.W)) {
            continue;
          }
          const double term = dy(0, 0, p, q) * cache.weight(0, 0, r, c);
          double& target = dx(0, 0, static_cast<std::size_t>(h), static_cast<std::size_t>(w));
          target = assign_instead_of_add ? term : target + term;  // the bug: = instead of +=
        }
  return dx;
}

}  // namespace

TEST_CASE("the checker points at the padding when only border pixels are wrong", "[ch02][gradcheck][checker][2.1][2.5]") {
  auto check = conv_with_dx(8, 1, 1, [](const auto& dy, const auto& cache) { return direct_dx(dy, cache, true, false); });
  CHECK_THAT(diagnosis_of(check, "x"), Catch::Contains("border") && Catch::Contains("padding"));
}

TEST_CASE("the checker points at col2im when only overlapping windows are wrong", "[ch02][gradcheck][checker][2.1][2.5]") {
  // A 3x3 window with stride 2 on 7x7: rows and columns 2 and 4 are read by two windows,
  // the others by one.
  auto check = conv_with_dx(7, 2, 0, [](const auto& dy, const auto& cache) { return direct_dx(dy, cache, false, true); });
  CHECK_THAT(diagnosis_of(check, "x"), Catch::Contains("several windows") && Catch::Contains("+="));
}

TEST_CASE("the checker notices a parameter gradient that is overwritten instead of accumulated", "[ch02][gradcheck][checker][2.1][2.2]") {
  GradCheckCase check;
  for (GradCheckCase& candidate : chapter2_gradient_checks()) {
    if (candidate.op == "linear") check = candidate;
  }
  REQUIRE(check.variables.size() == 3);
  const auto correct = check.backward;
  check.backward = [correct](const std::vector<GradCheckVariable>& v, const xt::xtensor<double, 1>& dy,
                             std::vector<xt::xtensor<double, 1>>& grads) {
    std::vector<xt::xtensor<double, 1>> fresh;
    for (const auto& g : grads) fresh.push_back(xt::zeros<double>(g.shape()));
    correct(v, dy, fresh);
    grads[0] += fresh[0];
    grads[1] = fresh[1];  // the bug: = instead of +=
    grads[2] += fresh[2];
  };
  CHECK_THAT(diagnosis_of(check, "weight"), Catch::Contains("overwrote"));
}

TEST_CASE("the checker reports a constant factor, a sign error and a missing gradient", "[ch02][gradcheck][checker][2.1][2.4]") {
  for (const auto& [factor, expected] : {std::pair<double, std::string>{4.0, "4 times"}, {-1.0, "sign error"}, {0.0, "all zeros"}}) {
    GradCheckCase check;
    for (GradCheckCase& candidate : chapter2_gradient_checks()) {
      if (candidate.op == "cross-entropy") check = candidate;
    }
    const auto correct = check.backward;
    check.backward = [correct, factor = factor](const std::vector<GradCheckVariable>& v, const xt::xtensor<double, 1>& dy,
                                                std::vector<xt::xtensor<double, 1>>& grads) {
      std::vector<xt::xtensor<double, 1>> fresh{xt::zeros<double>(grads[0].shape())};
      correct(v, dy, fresh);
      grads[0] += factor * fresh[0];  // e.g. the 1/N of the mean forgotten (N = 4)
    };
    CHECK_THAT(diagnosis_of(check, "logits"), Catch::Contains(expected));
  }
}
