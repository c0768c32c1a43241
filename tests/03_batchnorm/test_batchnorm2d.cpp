// Tasks 3.1 and 3.2: the batch-norm op, forward (train and eval, running statistics) and
// backward.
#include <cmath>

#include <catch2/catch.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include "resnet/error.hpp"
#include "resnet/gradcheck.hpp"
#include "resnet/ops/batchnorm2d.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::load_golden;
namespace tolerance = resnet::testing::tolerance;

namespace {

// A GradCheckCase for the op: x, gamma and beta are the variables.
GradCheckCase batchnorm_check(BatchNormMode mode) {
  Generator generator(31);
  xt::xtensor<double, 1> running_mean = random_normal<double, 1>({3}, generator);
  xt::xtensor<double, 1> running_var = random_uniform<double, 1>({3}, generator, 0.5, 2.0);
  GradCheckCase check;
  check.op = mode == BatchNormMode::train ? "batchnorm2d, train" : "batchnorm2d, eval";
  check.variables = {make_variable("x", random_normal<double, 4>({2, 3, 4, 5}, generator, 1.0, 2.0)),
                     make_variable("gamma", random_normal<double, 1>({3}, generator), true),
                     make_variable("beta", random_normal<double, 1>({3}, generator), true)};
  check.variables[0].normalized_per_channel = mode == BatchNormMode::train;  // names a missing mean or variance term
  const auto run = [=](const std::vector<GradCheckVariable>& v) {
    return batchnorm2d_forward(shaped<4>(v[0]), shaped<1>(v[1]), shaped<1>(v[2]), running_mean, running_var, mode);
  };
  check.forward = [=](const std::vector<GradCheckVariable>& v) { return flattened(run(v).y); };
  check.backward = [=](const std::vector<GradCheckVariable>& v, const xt::xtensor<double, 1>& dy,
                       std::vector<xt::xtensor<double, 1>>& grads) {
    const auto out = run(v);
    const xt::xtensor<double, 4> dy_shaped = xt::reshape_view(dy, out.y.shape());
    const auto result = batchnorm2d_backward(dy_shaped, out.cache);
    grads[0] += flattened(result.dx);
    grads[1] += flattened(result.dgamma);
    grads[2] += flattened(result.dbeta);
  };
  return check;
}

}  // namespace

TEST_CASE("batch norm of one channel by hand, with the running statistics after one step",
          "[ch03][batchnorm][hand][3.1]") {
  // Values 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3.
  const xt::xtensor<double, 4> x = {{{{1, 2}, {3, 4}}}};
  const xt::xtensor<double, 1> gamma = {2}, beta = {10}, mean0 = {0}, var0 = {1};
  const auto out = batchnorm2d_forward(x, gamma, beta, mean0, var0, BatchNormMode::train);
  const double s = std::sqrt(1.25 + 1e-5);
  const xt::xtensor<double, 4> expected = {
      {{{10 + 2 * -1.5 / s, 10 + 2 * -0.5 / s}, {10 + 2 * 0.5 / s, 10 + 2 * 1.5 / s}}}};
  CHECK_THAT(out.y, AllClose(expected, tolerance::float64));
  // running = 0.9 running + 0.1 batch, with the unbiased variance for running_var.
  CHECK_THAT(out.running_mean, AllClose(xt::xtensor<double, 1>{0.25}, tolerance::float64));
  CHECK_THAT(out.running_var, AllClose(xt::xtensor<double, 1>{0.9 + 0.1 * 5.0 / 3.0}, tolerance::float64));
  // Eval mode uses the running statistics and changes nothing.
  const auto eval = batchnorm2d_forward(x, gamma, beta, out.running_mean, out.running_var, BatchNormMode::eval);
  const double eval_s = std::sqrt(0.9 + 0.1 * 5.0 / 3.0 + 1e-5);
  CHECK(eval.y(0, 0, 0, 0) == Approx(10 + 2 * (1 - 0.25) / eval_s).epsilon(tolerance::float64.rtol));
  CHECK_THAT(eval.running_mean, AllClose(out.running_mean, tolerance::exact));
}

TEST_CASE("batch norm's output has mean beta and standard deviation gamma per channel in training",
          "[ch03][batchnorm][property][3.1]") {
  Generator generator(32);
  const auto x = random_normal<double, 4>({8, 4, 6, 6}, generator, 5.0, 3.0);
  const xt::xtensor<double, 1> gamma = {1.0, 2.0, 0.5, 3.0}, beta = {0.0, -1.0, 4.0, 2.0};
  const xt::xtensor<double, 1> zeros = xt::zeros<double>({4}), ones = xt::ones<double>({4});
  const auto y = batchnorm2d_forward(x, gamma, beta, zeros, ones, BatchNormMode::train).y;
  for (std::size_t c = 0; c < 4; ++c) {
    const xt::xtensor<double, 3> channel = xt::view(y, xt::all(), c);
    const double mean = xt::mean(channel)();
    const double stddev = std::sqrt(xt::mean(xt::square(channel - mean))());
    INFO("channel " << c
                    << ": in training mode the output is gamma * (x - batch mean) / sqrt(batch variance + eps) "
                       "+ beta, so over N, H and W its mean must be beta = "
                    << beta(c) << " (got " << mean << ", allowed 1e-12 off) and its standard deviation gamma = "
                    << gamma(c) << " (got " << stddev << ", relative 1e-5: eps moves it by about 6e-7); "
                    << "the statistics are per channel, over axes 0, 2 and 3, with the biased variance");
    CHECK(mean == Approx(beta(c)).margin(1e-12));
    CHECK(stddev == Approx(gamma(c)).epsilon(1e-5));  // sqrt(var / (var + eps)): eps / (2 var) ~ 6e-7
  }
}

TEMPLATE_TEST_CASE("batch norm's forward pass and running statistics match PyTorch over three steps, and eval mode",
                   "[ch03][batchnorm][golden][3.1]", float, double) {
  const auto gamma = load_golden<TestType, 1>("ch03/bn/gamma.npy");
  const auto beta = load_golden<TestType, 1>("ch03/bn/beta.npy");
  xt::xtensor<TestType, 1> running_mean = xt::zeros<TestType>({3}), running_var = xt::ones<TestType>({3});
  BatchNorm2dOutput<TestType> out;
  for (int step = 0; step < 3; ++step) {
    INFO("training step " << step);
    const auto x = load_golden<TestType, 4>("ch03/bn/x_step" + std::to_string(step) + ".npy");
    out = batchnorm2d_forward(x, gamma, beta, running_mean, running_var, BatchNormMode::train);
    running_mean = out.running_mean;
    running_var = out.running_var;
    CHECK_THAT(running_mean,
               AllClose(load_golden<double, 1>("ch03/bn/running_mean_step" + std::to_string(step) + ".npy"),
                        tolerance::for_scalar<TestType>(tolerance::batchnorm_float32)));
    CHECK_THAT(running_var, AllClose(load_golden<double, 1>("ch03/bn/running_var_step" + std::to_string(step) + ".npy"),
                                     tolerance::for_scalar<TestType>(tolerance::batchnorm_float32)));
  }
  CHECK_THAT(out.y, AllClose(load_golden<double, 4>("ch03/bn/y_train.npy"),
                             tolerance::for_scalar<TestType>(tolerance::batchnorm_float32)));
  const auto eval = batchnorm2d_forward(load_golden<TestType, 4>("ch03/bn/x_eval.npy"), gamma, beta, running_mean,
                                        running_var, BatchNormMode::eval);
  CHECK_THAT(eval.y, AllClose(load_golden<double, 4>("ch03/bn/y_eval.npy"),
                              tolerance::for_scalar<TestType>(tolerance::batchnorm_float32)));
}

TEMPLATE_TEST_CASE("batch norm's gradients match PyTorch in train and eval mode", "[ch03][batchnorm][golden][3.2]",
                   float, double) {
  const auto gamma = load_golden<TestType, 1>("ch03/bn/gamma.npy");
  const auto beta = load_golden<TestType, 1>("ch03/bn/beta.npy");
  xt::xtensor<TestType, 1> running_mean = xt::zeros<TestType>({3}), running_var = xt::ones<TestType>({3});
  BatchNorm2dOutput<TestType> out;
  for (int step = 0; step < 3; ++step) {
    out = batchnorm2d_forward(load_golden<TestType, 4>("ch03/bn/x_step" + std::to_string(step) + ".npy"), gamma, beta,
                              running_mean, running_var, BatchNormMode::train);
    running_mean = out.running_mean;
    running_var = out.running_var;
  }
  const auto dy = load_golden<TestType, 4>("ch03/bn/dy.npy");
  const auto train = batchnorm2d_backward(dy, out.cache);
  CHECK_THAT(train.dx, AllClose(load_golden<double, 4>("ch03/bn/dx_train.npy"),
                                tolerance::for_scalar<TestType>(tolerance::batchnorm_float32)));
  CHECK_THAT(train.dgamma, AllClose(load_golden<double, 1>("ch03/bn/dgamma_train.npy"),
                                    tolerance::for_scalar<TestType>(tolerance::batchnorm_float32)));
  CHECK_THAT(train.dbeta, AllClose(load_golden<double, 1>("ch03/bn/dbeta_train.npy"),
                                   tolerance::for_scalar<TestType>(tolerance::batchnorm_float32)));
  const auto eval_out = batchnorm2d_forward(load_golden<TestType, 4>("ch03/bn/x_eval.npy"), gamma, beta, running_mean,
                                            running_var, BatchNormMode::eval);
  const xt::xtensor<TestType, 4> dy_eval = xt::view(dy, xt::range(0, 2));
  const auto eval = batchnorm2d_backward(dy_eval, eval_out.cache);
  CHECK_THAT(eval.dx, AllClose(load_golden<double, 4>("ch03/bn/dx_eval.npy"),
                               tolerance::for_scalar<TestType>(tolerance::batchnorm_float32)));
  CHECK_THAT(eval.dgamma, AllClose(load_golden<double, 1>("ch03/bn/dgamma_eval.npy"),
                                   tolerance::for_scalar<TestType>(tolerance::batchnorm_float32)));
  CHECK_THAT(eval.dbeta, AllClose(load_golden<double, 1>("ch03/bn/dbeta_eval.npy"),
                                  tolerance::for_scalar<TestType>(tolerance::batchnorm_float32)));
}

TEST_CASE("batch norm passes the gradient check in train and eval mode", "[ch03][batchnorm][gradcheck][3.2]") {
  for (const BatchNormMode mode : {BatchNormMode::train, BatchNormMode::eval}) {
    GradCheckCase check = batchnorm_check(mode);
    const GradCheckReport report = check_gradients(check);
    INFO(report.to_string(kGradCheckThreshold));
    CHECK(report.passed(kGradCheckThreshold));
  }
}

TEST_CASE("batch norm's training gradient sums to zero over each channel", "[ch03][batchnorm][property][3.2]") {
  // Shifting every input of a channel by the same amount changes nothing in training mode
  // (the mean absorbs it), so dx must sum to 0 over each channel; with an all-ones upstream
  // gradient dx is 0 everywhere, which is why the gradient check uses a random one.
  Generator generator(33);
  const auto x = random_normal<double, 4>({4, 2, 3, 3}, generator);
  const xt::xtensor<double, 1> gamma = {1.5, -0.5}, beta = {0.0, 1.0}, zeros = xt::zeros<double>({2}),
                               ones = xt::ones<double>({2});
  const auto out = batchnorm2d_forward(x, gamma, beta, zeros, ones, BatchNormMode::train);
  const auto dx = batchnorm2d_backward(random_normal<double, 4>({4, 2, 3, 3}, generator), out.cache).dx;
  const xt::xtensor<double, 1> sums = xt::sum(dx, {0, 2, 3});
  {
    INFO(
        "in training mode dx must sum to zero over each channel: adding the same amount to every value of a "
        "channel changes nothing after normalisation, so the gradient has no component along (1, 1, ..., 1); a "
        "non-zero sum means the mean term is missing or wrong. Sum over channel 0: "
        << sums(0)
        << ", over "
           "channel 1: "
        << sums(1) << "; each should be below 1e-12 in magnitude");
    CHECK(std::abs(sums(0)) < 1e-12);
    CHECK(std::abs(sums(1)) < 1e-12);
  }
  const xt::xtensor<double, 4> ones_dy = xt::ones<double>({4, 2, 3, 3});
  const double largest = xt::amax(xt::abs(batchnorm2d_backward(ones_dy, out.cache).dx))();
  INFO(
      "with dy = 1 everywhere the loss is sum of y = gamma * (sum of x_hat) + M * beta = M * beta, since the x_hat "
      "of a channel always sum to 0: it does not depend on x, so dx must be 0 everywhere (largest |dx| here: "
      << largest << ", should be below 1e-12). A value here most likely means the mean term is missing or wrong");
  CHECK(largest < 1e-12);
}

TEST_CASE("batch norm's training gradient has no component along x_hat", "[ch03][batchnorm][property][3.2]") {
  // Scaling every input of a channel about its mean changes x_hat only through epsilon, so
  // sum over the channel of dx * x_hat is 0 up to a factor of about epsilon / variance.
  Generator generator(34);
  const auto x = random_normal<double, 4>({4, 2, 3, 3}, generator, 0.0, 2.0);
  const xt::xtensor<double, 1> gamma = {1.5, -0.5}, beta = {0.0, 1.0}, zeros = xt::zeros<double>({2}),
                               ones = xt::ones<double>({2});
  const auto out = batchnorm2d_forward(x, gamma, beta, zeros, ones, BatchNormMode::train);
  const auto dy = random_normal<double, 4>({4, 2, 3, 3}, generator);
  const auto dx = batchnorm2d_backward(dy, out.cache).dx;
  const xt::xtensor<double, 1> along = xt::sum(dx * out.cache.x_hat, {0, 2, 3});
  const xt::xtensor<double, 1> scale = xt::sum(xt::abs(dy * out.cache.x_hat), {0, 2, 3});
  for (std::size_t c = 0; c < 2; ++c) {
    INFO(
        "in training mode, stretching a channel about its mean changes nothing after normalisation (up to "
        "epsilon), so dx has no component along x_hat: sum of dx * x_hat over channel "
        << c << " is " << along(c) << ", it should be below 1e-4 of " << scale(c)
        << " (the size of sum |dy * x_hat|). A larger value means "
           "the variance term is missing or wrong");
    CHECK(std::abs(along(c)) < 1e-4 * scale(c));
  }
}

TEST_CASE("batch norm rejects statistics of the wrong size and a single value per channel",
          "[ch03][batchnorm][error]") {
  const xt::xtensor<float, 4> x = xt::ones<float>({2, 3, 2, 2});
  const xt::xtensor<float, 1> three = xt::ones<float>({3}), four = xt::ones<float>({4});
  CHECK_THROWS_WITH(batchnorm2d_forward(x, four, three, three, three, BatchNormMode::train),
                    Catch::Contains("x has 3 channels") && Catch::Contains("gamma has shape (4)"));
  const xt::xtensor<float, 4> single = xt::ones<float>({1, 3, 1, 1});
  CHECK_THROWS_WITH(batchnorm2d_forward(single, three, three, three, three, BatchNormMode::train),
                    Catch::Contains("more than 1 value per channel"));
}
