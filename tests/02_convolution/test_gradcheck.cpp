// The gradient checker (task 2.1) and the double-precision gradient check of every op of
// chapter 2: relative error below 1e-6 against central differences.
#include <algorithm>
#include <cmath>
#include <functional>
#include <iomanip>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xview.hpp>

#include "resnet/gradcheck.hpp"
#include "resnet/chapter2_gradient_checks.hpp"
#include "resnet/ops/conv2d_direct.hpp"
#include "resnet/ops/gemm.hpp"
#include "resnet/random.hpp"
#include "support/tolerances.hpp"

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

TEST_CASE("numerical_gradient of a quadratic is exact to rounding and restores the input",
          "[ch02][gradcheck][hand][2.1]") {
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
  INFO(
      "L = v0^2 + 2 v1^2 + 3 v2^2 at v = (0.5, -1.25, 3): the gradient is (2 v0, 4 v1, 6 v2) = (1, -5, 18), and "
      "central differences (L(v + h e_i) - L(v - h e_i)) / 2h give it exactly for a quadratic, but for rounding");
  CHECK(gradient(0) == Approx(1.0).epsilon(resnet::testing::tolerance::central_difference_of_quadratic.rtol));
  CHECK(gradient(1) == Approx(-5.0).epsilon(resnet::testing::tolerance::central_difference_of_quadratic.rtol));
  CHECK(gradient(2) == Approx(18.0).epsilon(resnet::testing::tolerance::central_difference_of_quadratic.rtol));
  INFO("after the call every entry of v must be exactly what it was, (0.5, -1.25, 3); it is ("
       << std::setprecision(17) << v(0) << ", " << v(1) << ", " << v(2) << ")");
  CHECK((v == original));  // every entry restored exactly
}

TEST_CASE("numerical_gradient finds each partial derivative of a function with cross terms",
          "[ch02][gradcheck][hand][2.1]") {
  // L(v) = v0 v1 + 2 v1 v2 + v2^2 - 3 v0 (v3 unused): dL/dv0 = v1 - 3, dL/dv1 = v0 + 2 v2,
  // dL/dv2 = 2 v1 + 2 v2, dL/dv3 = 0. A quadratic again, so central differences are exact
  // but for rounding; the cross terms make every partial derivative depend on other entries.
  xt::xtensor<double, 1> v = {0.5, -1.25, 3.0, 7.0};
  const auto loss = [&] { return v(0) * v(1) + 2.0 * v(1) * v(2) + v(2) * v(2) - 3.0 * v(0); };
  const xt::xtensor<double, 1> gradient = numerical_gradient(loss, v, 1e-5);
  INFO(
      "L(v) = v0 v1 + 2 v1 v2 + v2^2 - 3 v0 at v = (0.5, -1.25, 3, 7): the gradient is (v1 - 3, v0 + 2 v2, "
      "2 v1 + 2 v2, 0) = (-4.25, 6.5, 3.5, 0). Entry i of the result must come from moving entry i alone, by +h "
      "and by -h, with the others as they are: moving every entry at once, or another entry than i, or storing "
      "the estimate at another index gives other numbers here");
  REQUIRE(gradient.shape() == v.shape());
  CHECK(gradient(0) == Approx(-4.25).epsilon(resnet::testing::tolerance::central_difference_of_quadratic.rtol));
  CHECK(gradient(1) == Approx(6.5).epsilon(resnet::testing::tolerance::central_difference_of_quadratic.rtol));
  CHECK(gradient(2) == Approx(3.5).epsilon(resnet::testing::tolerance::central_difference_of_quadratic.rtol));
  INFO(
      "L does not depend on v3, so L(v + h e3) and L(v - h e3) are the same number and the estimate is exactly 0; "
      "here it is "
      << gradient(3));
  CHECK(gradient(3) == 0.0);
}

TEST_CASE("numerical_gradient puts every value back bit for bit, even where v + h - h is not v",
          "[ch02][gradcheck][property][2.1]") {
  // With h = 1e-5 (the checker's step) rounding makes (0.5 + h) - h, (-0.5 - h) + h and
  // ((0.1 + h) - 2h) + h all differ from the value they started from in the last bit: only
  // writing back the saved value restores these exactly.
  const double step = 1e-5;
  xt::xtensor<double, 1> v = {0.5, -0.5, 0.1, 4.0, -1.25};
  const xt::xtensor<double, 1> original = v;
  {
    INFO(
        "the premise of this test: for these values, adding and subtracting h = 1e-5 does not give the value back "
        "in double precision");
    REQUIRE((0.5 + step) - step != 0.5);
    REQUIRE((-0.5 - step) + step != -0.5);
    REQUIRE(((0.1 + step) - 2.0 * step) + step != 0.1);
  }
  const auto loss = [&] {
    double total = 0.0;
    for (std::size_t i = 0; i < v.size(); ++i) total += v(i) * v(i) * static_cast<double>(i + 1);
    return total;
  };
  numerical_gradient(loss, v, step);
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO("entry "
         << i << " was " << std::setprecision(17) << original(i) << " and is " << v(i)
         << " after the call: keep the value in a local before changing the entry and write that saved value back; "
            "undoing the steps with + h and - h leaves the last bit wrong, and a variable that drifts makes every "
            "later estimate slightly wrong");
    CHECK(v(i) == original(i));
  }
}

TEST_CASE("numerical_gradient's error on a cubic is h^2, as the central difference promises",
          "[ch02][gradcheck][property][2.1]") {
  // L(v) = v^3 at v = 1: (L(1 + h) - L(1 - h)) / 2h = (6h + 2h^3) / 2h = 3 + h^2 exactly, so
  // the error is h^2 (the guide's h^2 L''' / 6 with L''' = 6). The one-sided (L(1 + h) - L(1)) / h
  // = 3 + 3h + h^2 has error 3h, and dividing by h instead of 2h doubles the estimate.
  xt::xtensor<double, 1> v = {1.0};
  const auto loss = [&] { return v(0) * v(0) * v(0); };
  for (const double step : {1e-1, 1e-2, 1e-3}) {
    const double error = numerical_gradient(loss, v, step)(0) - 3.0;
    INFO("h = " << step << ": the estimate of d(v^3)/dv = 3 at v = 1 is off by " << error
                << ", should be h^2 = " << step * step << " (central difference: error O(h^2)); about +-3h = +-"
                << 3.0 * step << " means a one-sided difference, about 3 a division by h instead of 2h");
    CHECK(error == Approx(step * step).epsilon(1e-3));
  }
}

TEST_CASE("numerical_gradient calls the loss twice per entry, with only that entry moved by +h or -h",
          "[ch02][gradcheck][property][2.1]") {
  // The loss records, at every call, which entries differ from the original and by how much.
  const double step = 1e-3;
  xt::xtensor<double, 1> v = {0.75, -2.0, 1.5};
  const xt::xtensor<double, 1> original = v;
  struct Call {
    std::size_t moved = 0;  // how many entries differ from the original
    std::size_t index = 0;  // the last one that does
    double offset = 0.0;    // by how much
  };
  std::vector<Call> calls;
  const auto loss = [&] {
    Call call;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v(i) != original(i)) {
        ++call.moved;
        call.index = i;
        call.offset = v(i) - original(i);
      }
    }
    calls.push_back(call);
    return v(0) + 2.0 * v(1) + 3.0 * v(2);
  };
  numerical_gradient(loss, v, step);
  INFO("loss() was called "
       << calls.size()
       << " times for 3 entries; the central difference needs exactly 2 calls "
          "per entry, L(v + h e_i) and L(v - h e_i): 1 per entry, or one more at v itself, means a one-sided "
          "difference, and extra calls are wasted work (the checker runs this for every value of every tensor)");
  REQUIRE(calls.size() == 2 * v.size());
  std::vector<int> up(v.size(), 0), down(v.size(), 0);
  for (std::size_t k = 0; k < calls.size(); ++k) {
    INFO("call " << k << " of loss() saw " << calls[k].moved << " entries moved from their values (entry "
                 << calls[k].index << " by " << calls[k].offset
                 << "): each call must see exactly one entry moved, by +h or "
                    "-h with h = "
                 << step << ", and every other entry as it was (restored after its own turn)");
    REQUIRE(calls[k].moved == 1);
    REQUIRE(std::abs(calls[k].offset) == Approx(step).epsilon(1e-9));
    ++(calls[k].offset > 0 ? up : down)[calls[k].index];
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO("entry " << i << " was moved up " << up[i] << " and down " << down[i]
                  << " times: each entry must be moved "
                     "once by +h and once by -h");
    CHECK(up[i] == 1);
    CHECK(down[i] == 1);
  }
}

TEST_CASE("linear passes the gradient check", "[ch02][gradcheck][linear][2.2]") {
  require_all_pass(check_ops("linear"));
}
TEST_CASE("relu passes the gradient check", "[ch02][gradcheck][relu][2.3]") { require_all_pass(check_ops("relu")); }
TEST_CASE("cross-entropy passes the gradient check", "[ch02][gradcheck][cross_entropy][2.4]") {
  require_all_pass(check_ops("cross-entropy"));
}
TEST_CASE("the direct convolution passes the gradient check", "[ch02][gradcheck][conv2d][2.5]") {
  require_all_pass(check_ops("conv2d direct"));
}
TEST_CASE("the im2col convolution passes the gradient check with 1x1, 3x3 and 7x7 kernels",
          "[ch02][gradcheck][conv2d][2.7]") {
  require_all_pass(check_ops("conv2d im2col"));
}
TEST_CASE("max-pool passes the gradient check", "[ch02][gradcheck][max_pool][2.8]") {
  require_all_pass(check_ops("max-pool"));
}
TEST_CASE("global average pooling passes the gradient check", "[ch02][gradcheck][avg_pool][2.9]") {
  require_all_pass(check_ops("global average pool"));
}

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

// A convolution case x (2, 3, H, W), weight (4, 3, 3, 3), whose dx comes from `dx_of`
// (the weight gradient is the reference one).
GradCheckCase conv_with_dx(
    std::size_t size, std::size_t stride, std::size_t padding,
    std::function<xt::xtensor<double, 4>(const xt::xtensor<double, 4>& dy, const Conv2dCache<double>&)> dx_of) {
  Generator generator(30);
  GradCheckCase check;
  check.op = "broken convolution";
  check.variables = {make_variable("x", random_normal<double, 4>({2, 3, size, size}, generator)),
                     make_variable("weight", random_normal<double, 4>({4, 3, 3, 3}, generator), true)};
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

// dx of a convolution by the direct loops, with one of two bugs: padding positions clamped
// onto the border instead of skipped, or the kernel flipped.
xt::xtensor<double, 4> broken_direct_dx(const xt::xtensor<double, 4>& dy, const Conv2dCache<double>& cache,
                                        bool clamp_instead_of_skip, bool flip_kernel) {
  const WindowShape& shape = cache.shape;
  xt::xtensor<double, 4> dx = xt::zeros<double>(shape.input_shape());
  for (std::size_t n = 0; n < shape.N; ++n)
    for (std::size_t k = 0; k < shape.K; ++k)
      for (std::size_t c = 0; c < shape.C; ++c)
        for (std::size_t p = 0; p < shape.P; ++p)
          for (std::size_t q = 0; q < shape.Q; ++q)
            for (std::size_t r = 0; r < shape.R; ++r)
              for (std::size_t s = 0; s < shape.S; ++s) {
                long h = static_cast<long>(p * shape.stride + r) - static_cast<long>(shape.padding);
                long w = static_cast<long>(q * shape.stride + s) - static_cast<long>(shape.padding);
                if (clamp_instead_of_skip) {
                  h = std::clamp(h, 0L, static_cast<long>(shape.H) - 1);
                  w = std::clamp(w, 0L, static_cast<long>(shape.W) - 1);
                } else if (h < 0 || w < 0 || h >= static_cast<long>(shape.H) || w >= static_cast<long>(shape.W)) {
                  continue;
                }
                const double weight =
                    flip_kernel ? cache.weight(k, c, shape.R - 1 - r, shape.S - 1 - s) : cache.weight(k, c, r, s);
                dx(n, c, static_cast<std::size_t>(h), static_cast<std::size_t>(w)) += dy(n, k, p, q) * weight;
              }
  return dx;
}

// dx through im2col's route, with a col2im that assigns (=) instead of adding (+=).
xt::xtensor<double, 4> dx_with_assigning_col2im(const xt::xtensor<double, 4>& dy, const Conv2dCache<double>& cache) {
  const WindowShape& shape = cache.shape;
  const std::size_t K = shape.K, CRS = shape.C * shape.R * shape.S, PQ = shape.P * shape.Q;
  // dcols (C*R*S, N*P*Q) = W^T dY, image by image.
  xt::xtensor<double, 2> dcolumns = xt::zeros<double>({CRS, shape.N * PQ});
  for (std::size_t n = 0; n < shape.N; ++n) {
    xt::xtensor<double, 2> dcolumns_n = xt::zeros<double>({CRS, PQ});
    gemm(Transpose::yes, Transpose::no, CRS, PQ, K, 1.0, cache.weight.data(), dy.data() + n * K * PQ, 0.0,
         dcolumns_n.data());
    xt::view(dcolumns, xt::all(), xt::range(n * PQ, (n + 1) * PQ)) = dcolumns_n;
  }
  xt::xtensor<double, 4> dx = xt::zeros<double>(shape.input_shape());
  for (std::size_t c = 0; c < shape.C; ++c)
    for (std::size_t r = 0; r < shape.R; ++r)
      for (std::size_t s = 0; s < shape.S; ++s)
        for (std::size_t n = 0; n < shape.N; ++n)
          for (std::size_t p = 0; p < shape.P; ++p)
            for (std::size_t q = 0; q < shape.Q; ++q) {
              const long h = static_cast<long>(p * shape.stride + r) - static_cast<long>(shape.padding);
              const long w = static_cast<long>(q * shape.stride + s) - static_cast<long>(shape.padding);
              if (h < 0 || w < 0 || h >= static_cast<long>(shape.H) || w >= static_cast<long>(shape.W)) continue;
              // The bug: = keeps only the last window's contribution.
              dx(n, c, static_cast<std::size_t>(h), static_cast<std::size_t>(w)) =
                  dcolumns((c * shape.R + r) * shape.S + s, (n * shape.P + p) * shape.Q + q);
            }
  return dx;
}

}  // namespace

TEST_CASE("the checker points at the padding when only border pixels are wrong", "[ch02][gradcheck][checker][2.5]") {
  auto check =
      conv_with_dx(8, 1, 1, [](const auto& dy, const auto& cache) { return broken_direct_dx(dy, cache, true, false); });
  CHECK_THAT(diagnosis_of(check, "x"), Catch::Contains("border") && Catch::Contains("padding"));
}

TEST_CASE("the checker points at col2im when only overlapping windows are wrong", "[ch02][gradcheck][checker][2.5]") {
  // A 3x3 window with stride 2 on 7x7: rows and columns 2 and 4 are read by two windows,
  // the others by one. Four filters over three channels, as in a real layer.
  auto check =
      conv_with_dx(7, 2, 0, [](const auto& dy, const auto& cache) { return dx_with_assigning_col2im(dy, cache); });
  CHECK_THAT(diagnosis_of(check, "x"), Catch::Contains("several windows") && Catch::Contains("+="));
}

TEST_CASE("the checker does not blame col2im or the padding for a flipped kernel", "[ch02][gradcheck][checker][2.5]") {
  // Same geometry as the col2im case above: here single-window positions are wrong too.
  auto check =
      conv_with_dx(7, 2, 0, [](const auto& dy, const auto& cache) { return broken_direct_dx(dy, cache, false, true); });
  const std::string diagnosis = diagnosis_of(check, "x");
  CHECK_THAT(diagnosis, !Catch::Contains("col2im") && !Catch::Contains("padding"));
}

TEST_CASE("the checker notices a parameter gradient that is overwritten instead of accumulated",
          "[ch02][gradcheck][checker][2.2]") {
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

TEST_CASE("the checker reports a constant factor, a sign error and a missing gradient",
          "[ch02][gradcheck][checker][2.4]") {
  for (const auto& [factor, expected] :
       {std::pair<double, std::string>{4.0, "4 times"}, {-1.0, "sign error"}, {0.0, "all zeros"}}) {
    GradCheckCase check;
    for (GradCheckCase& candidate : chapter2_gradient_checks()) {
      if (candidate.op == "cross-entropy") check = candidate;
    }
    const auto correct = check.backward;
    check.backward = [correct, factor = factor](const std::vector<GradCheckVariable>& v,
                                                const xt::xtensor<double, 1>& dy,
                                                std::vector<xt::xtensor<double, 1>>& grads) {
      std::vector<xt::xtensor<double, 1>> fresh{xt::zeros<double>(grads[0].shape())};
      correct(v, dy, fresh);
      grads[0] += factor * fresh[0];  // e.g. the 1/N of the mean forgotten (N = 4)
    };
    CHECK_THAT(diagnosis_of(check, "logits"), Catch::Contains(expected));
  }
}

TEST_CASE("the checker fails a gradient that contains NaN and says so", "[ch02][gradcheck][checker][2.2]") {
  GradCheckCase check;
  for (GradCheckCase& candidate : chapter2_gradient_checks()) {
    if (candidate.op == "linear") check = candidate;
  }
  const auto correct = check.backward;
  check.backward = [correct](const std::vector<GradCheckVariable>& v, const xt::xtensor<double, 1>& dy,
                             std::vector<xt::xtensor<double, 1>>& grads) {
    correct(v, dy, grads);
    grads[2](1) = std::numeric_limits<double>::quiet_NaN();  // e.g. an uninitialised buffer
  };
  CHECK_THAT(diagnosis_of(check, "bias"), Catch::Contains("NaN"));
}
