// Task 3.2: the gradient checker recognises batch norm's two classic backward mistakes. Each
// is planted in a copy of the backward pass (written here from the cache, not from the
// student's task 3.2), and the check must name it.
#include <catch2/catch.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xview.hpp>

#include "resnet/gradcheck.hpp"
#include "resnet/ops/batchnorm2d.hpp"
#include "resnet/random.hpp"

using namespace resnet;

namespace {

// Which terms of the training-mode dx = gamma / s * (dy - dbeta / M - x_hat * dgamma / M)
// the planted backward pass keeps.
struct Terms {
  bool mean = true;
  bool variance = true;
};

BatchNorm2dGrads<double> planted_backward(const xt::xtensor<double, 4>& dy, const BatchNorm2dCache<double>& cache,
                                          Terms terms) {
  const std::size_t N = dy.shape()[0], C = dy.shape()[1], H = dy.shape()[2], W = dy.shape()[3];
  const double M = static_cast<double>(N * H * W);
  BatchNorm2dGrads<double> grads{xt::xtensor<double, 4>(dy.shape()), xt::zeros<double>({C}), xt::zeros<double>({C})};
  for (std::size_t c = 0; c < C; ++c) {
    for (std::size_t n = 0; n < N; ++n) {
      for (std::size_t h = 0; h < H; ++h) {
        for (std::size_t w = 0; w < W; ++w) {
          grads.dbeta(c) += dy(n, c, h, w);
          grads.dgamma(c) += dy(n, c, h, w) * cache.x_hat(n, c, h, w);
        }
      }
    }
    const double scale = cache.gamma(c) * cache.inverse_std(c);
    for (std::size_t n = 0; n < N; ++n) {
      for (std::size_t h = 0; h < H; ++h) {
        for (std::size_t w = 0; w < W; ++w) {
          double value = dy(n, c, h, w);
          if (terms.mean) value -= grads.dbeta(c) / M;
          if (terms.variance) value -= cache.x_hat(n, c, h, w) * grads.dgamma(c) / M;
          grads.dx(n, c, h, w) = scale * value;
        }
      }
    }
  }
  return grads;
}

GradCheckReport check_planted(Terms terms) {
  Generator generator(52);
  const xt::xtensor<double, 1> running_mean = xt::zeros<double>({3}), running_var = xt::ones<double>({3});
  GradCheckCase check;
  check.op = "batchnorm2d, train (planted backward)";
  check.variables = {make_variable("x", random_normal<double, 4>({2, 3, 4, 5}, generator, 1.0, 2.0)),
                     make_variable("gamma", random_normal<double, 1>({3}, generator), true),
                     make_variable("beta", random_normal<double, 1>({3}, generator), true)};
  check.variables[0].normalized_per_channel = true;
  const auto run = [=](const std::vector<GradCheckVariable>& v) {
    return batchnorm2d_forward(shaped<4>(v[0]), shaped<1>(v[1]), shaped<1>(v[2]), running_mean, running_var,
                               BatchNormMode::train);
  };
  check.forward = [=](const std::vector<GradCheckVariable>& v) { return flattened(run(v).y); };
  check.backward = [=](const std::vector<GradCheckVariable>& v, const xt::xtensor<double, 1>& dy,
                       std::vector<xt::xtensor<double, 1>>& grads) {
    const auto out = run(v);
    const auto result = planted_backward(xt::reshape_view(dy, out.y.shape()), out.cache, terms);
    grads[0] += flattened(result.dx);
    grads[1] += flattened(result.dgamma);
    grads[2] += flattened(result.dbeta);
  };
  return check_gradients(check);
}

}  // namespace

TEST_CASE("the checker passes batch norm's backward with both terms", "[ch03][gradcheck][checker][3.2]") {
  const GradCheckReport report = check_planted({true, true});
  INFO(report.to_string(kGradCheckThreshold));
  CHECK(report.passed(kGradCheckThreshold));
}

TEST_CASE("the checker names batch norm's missing mean term: dx that does not sum to zero per channel",
          "[ch03][gradcheck][checker][3.2]") {
  const GradCheckReport report = check_planted({false, true});
  CHECK_FALSE(report.passed(kGradCheckThreshold));
  CHECK_THAT(report.to_string(kGradCheckThreshold),
             Catch::Contains("does not sum to zero over each channel") && Catch::Contains("the mean term"));
}

TEST_CASE("the checker names batch norm's missing variance term: an error along x_hat",
          "[ch03][gradcheck][checker][3.2]") {
  const GradCheckReport report = check_planted({true, false});
  CHECK_FALSE(report.passed(kGradCheckThreshold));
  CHECK_THAT(report.to_string(kGradCheckThreshold),
             Catch::Contains("lies along x_hat") && Catch::Contains("the variance term"));
}

TEST_CASE("the checker names the evaluation-mode formula used in training mode", "[ch03][gradcheck][checker][3.2]") {
  const GradCheckReport report = check_planted({false, false});
  CHECK_FALSE(report.passed(kGradCheckThreshold));
  CHECK_THAT(report.to_string(kGradCheckThreshold), Catch::Contains("both the mean term and the variance term"));
}
