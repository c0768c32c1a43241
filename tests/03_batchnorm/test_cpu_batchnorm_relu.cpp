// resnet::cpu::batchnorm_relu_forward / _backward, the library's fused batch norm + residual
// add + ReLU, against the formulas written out here in double. The double version is itself
// checked by central differences, so the chain is: formulas -> their gradients (numerically)
// -> the fused float kernel (to float rounding). Not a chapter exercise: the library's
// kernels run in the student's build too, and nothing here calls the student's code.
#include <cmath>
#include <functional>
#include <string>

#include <catch2/catch.hpp>
#include <xtensor/xview.hpp>

#include "resnet/cpu/batchnorm_relu.hpp"
#include "resnet/error.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"
#include "support/tolerances.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::Tolerance;

namespace {

using Tensor4 = xt::xtensor<double, 4>;
using Tensor1 = xt::xtensor<double, 1>;

// The formulas in double, for training mode: mean and biased variance per channel, then
// y = relu(gamma x_hat + beta + r).
struct Formulas {
  Tensor4 x, r;
  Tensor1 gamma, beta;
  bool with_residual;
  double eps = 1e-5;

  Tensor4 forward(Tensor4* z_out = nullptr, Tensor4* x_hat_out = nullptr, Tensor1* inverse_std_out = nullptr) const {
    const std::size_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
    Tensor4 y = xt::zeros<double>(x.shape()), z = y, x_hat = y;
    Tensor1 inverse_std = xt::zeros<double>({C});
    for (std::size_t c = 0; c < C; ++c) {
      double mean = 0.0, variance = 0.0;
      for (std::size_t n = 0; n < N; ++n)
        for (std::size_t h = 0; h < H; ++h)
          for (std::size_t w = 0; w < W; ++w) mean += x(n, c, h, w);
      mean /= static_cast<double>(N * H * W);
      for (std::size_t n = 0; n < N; ++n)
        for (std::size_t h = 0; h < H; ++h)
          for (std::size_t w = 0; w < W; ++w) variance += (x(n, c, h, w) - mean) * (x(n, c, h, w) - mean);
      variance /= static_cast<double>(N * H * W);
      inverse_std(c) = 1.0 / std::sqrt(variance + eps);
      for (std::size_t n = 0; n < N; ++n)
        for (std::size_t h = 0; h < H; ++h)
          for (std::size_t w = 0; w < W; ++w) {
            x_hat(n, c, h, w) = (x(n, c, h, w) - mean) * inverse_std(c);
            z(n, c, h, w) = gamma(c) * x_hat(n, c, h, w) + beta(c) + (with_residual ? r(n, c, h, w) : 0.0);
            y(n, c, h, w) = std::max(0.0, z(n, c, h, w));
          }
    }
    if (z_out) *z_out = z;
    if (x_hat_out) *x_hat_out = x_hat;
    if (inverse_std_out) *inverse_std_out = inverse_std;
    return y;
  }

  // The gradients of sum(dy * y) by the header's formulas.
  void backward(const Tensor4& dy, Tensor4& dx, Tensor4& dr, Tensor1& dgamma, Tensor1& dbeta) const {
    Tensor4 z, x_hat;
    Tensor1 inverse_std;
    forward(&z, &x_hat, &inverse_std);
    const std::size_t C = x.shape()[1];
    const double M = static_cast<double>(x.size() / C);
    dr = xt::where(z > 0.0, dy, 0.0);
    dgamma = xt::zeros<double>({C});
    dbeta = xt::zeros<double>({C});
    dx = xt::zeros<double>(x.shape());
    for (std::size_t i = 0; i < x.size(); ++i) {
      const std::size_t c = i / (x.shape()[2] * x.shape()[3]) % C;
      dbeta(c) += dr.data()[i];
      dgamma(c) += dr.data()[i] * x_hat.data()[i];
    }
    for (std::size_t i = 0; i < x.size(); ++i) {
      const std::size_t c = i / (x.shape()[2] * x.shape()[3]) % C;
      dx.data()[i] = gamma(c) * inverse_std(c) * (dr.data()[i] - dbeta(c) / M - x_hat.data()[i] * dgamma(c) / M);
    }
  }
};

// Central differences of L(v) = sum(dy * y) for every entry of `values`.
template <class Values>
Values central_differences(Values& values, const std::function<double()>& loss) {
  Values gradient = xt::zeros<double>(values.shape());
  const double h = 1e-6;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double saved = values.data()[i];
    values.data()[i] = saved + h;
    const double up = loss();
    values.data()[i] = saved - h;
    const double down = loss();
    values.data()[i] = saved;
    gradient.data()[i] = (up - down) / (2 * h);
  }
  return gradient;
}

template <std::size_t N>
xt::xtensor<float, N> as_float(const xt::xtensor<double, N>& values) {
  return xt::cast<float>(values);
}

// Values that float32 holds exactly, in double: both sides of a comparison start equal.
template <std::size_t N>
xt::xtensor<double, N> rounded_to_float(const xt::xtensor<double, N>& values) {
  return xt::cast<double>(as_float(values));
}

}  // namespace

TEST_CASE("the double-precision formulas of batch norm + add + ReLU pass a central-difference check",
          "[ch03][cpu_batchnorm_relu][gradcheck]") {
  // Values are drawn away from the ReLU's kink at z = 0 by the random data; a difference
  // step of 1e-6 crosses it for none of them here (checked by the agreement itself).
  Generator generator(31);
  for (const bool with_residual : {false, true}) {
    INFO((with_residual ? "with" : "without") << " a residual");
    Formulas f{random_normal<double, 4>({2, 3, 3, 4}, generator), random_normal<double, 4>({2, 3, 3, 4}, generator),
               random_normal<double, 1>({3}, generator), random_normal<double, 1>({3}, generator), with_residual};
    const Tensor4 dy = random_normal<double, 4>({2, 3, 3, 4}, generator);
    const auto loss = [&] { return xt::sum(dy * f.forward())(); };
    Tensor4 dx, dr;
    Tensor1 dgamma, dbeta;
    f.backward(dy, dx, dr, dgamma, dbeta);
    const Tolerance numerical{1e-6, 1e-7, "central differences with h = 1e-6 in double"};
    CHECK_THAT(central_differences(f.x, loss), AllClose(dx, numerical));
    CHECK_THAT(central_differences(f.gamma, loss), AllClose(dgamma, numerical));
    CHECK_THAT(central_differences(f.beta, loss), AllClose(dbeta, numerical));
    if (with_residual) CHECK_THAT(central_differences(f.r, loss), AllClose(dr, numerical));
  }
}

TEST_CASE("the fused batch norm + add + ReLU matches the formulas in training and evaluation mode",
          "[ch03][cpu_batchnorm_relu][property]") {
  Generator generator(32);
  // 5 channels (not a multiple of a SIMD width), 1x1 planes included, a batch of 1, and
  // planes of 323 values (more than one of the backward pass's blocks of 256, the last partial).
  for (const auto shape : {std::array<std::size_t, 4>{4, 5, 6, 7}, std::array<std::size_t, 4>{9, 3, 1, 1},
                           std::array<std::size_t, 4>{1, 2, 5, 5}, std::array<std::size_t, 4>{2, 3, 17, 19}}) {
    for (const bool with_residual : {false, true}) {
      INFO("x " << shape[0] << "x" << shape[1] << "x" << shape[2] << "x" << shape[3] << ", "
                << (with_residual ? "with" : "without") << " a residual");
      const std::size_t C = shape[1];
      Formulas f{rounded_to_float(random_normal<double, 4>(shape, generator)),
                 rounded_to_float(random_normal<double, 4>(shape, generator)),
                 rounded_to_float(random_normal<double, 1>({C}, generator)),
                 rounded_to_float(random_normal<double, 1>({C}, generator)), with_residual};
      const xt::xtensor<float, 4> x = as_float(f.x), r = as_float(f.r);
      const xt::xtensor<float, 1> gamma = as_float(f.gamma), beta = as_float(f.beta);
      const xt::xtensor<float, 1> running_mean = {0.5f, -0.25f, 0.0f, 1.0f, 2.0f};
      const xt::xtensor<float, 1> running_var = {2.0f, 0.5f, 1.0f, 3.0f, 0.25f};
      const xt::xtensor<float, 1> mean_c = xt::view(running_mean, xt::range(0, C));
      const xt::xtensor<float, 1> var_c = xt::view(running_var, xt::range(0, C));

      const auto out =
          cpu::batchnorm_relu_forward(x, gamma, beta, mean_c, var_c, {true, 1e-5f, 0.1f}, with_residual ? &r : nullptr);
      CHECK_THAT(out.y, AllClose(f.forward(), resnet::testing::tolerance::fused_float32));
      REQUIRE(out.cache.has_value());
      // The running statistics: 0.9 old + 0.1 batch (the unbiased variance).
      const std::size_t M = x.size() / C;
      const Tensor1 batch_mean = xt::mean(f.x, {0, 2, 3});
      const Tensor1 batch_var = xt::variance(f.x, {0, 2, 3}) * static_cast<double>(M) / static_cast<double>(M - 1);
      CHECK_THAT(out.running_mean, AllClose(Tensor1(0.9 * xt::cast<double>(mean_c) + 0.1 * batch_mean),
                                            resnet::testing::tolerance::fused_float32));
      CHECK_THAT(out.running_var, AllClose(Tensor1(0.9 * xt::cast<double>(var_c) + 0.1 * batch_var),
                                           resnet::testing::tolerance::fused_float32));

      const Tensor4 dy = rounded_to_float(random_normal<double, 4>(shape, generator));
      Tensor4 dx, dr;
      Tensor1 dgamma, dbeta;
      f.backward(dy, dx, dr, dgamma, dbeta);
      const auto grads = cpu::batchnorm_relu_backward(as_float(dy), *out.cache);
      CHECK_THAT(grads.dx, AllClose(dx, resnet::testing::tolerance::fused_float32));
      CHECK_THAT(grads.dgamma, AllClose(dgamma, resnet::testing::tolerance::fused_float32));
      CHECK_THAT(grads.dbeta, AllClose(dbeta, resnet::testing::tolerance::fused_float32));
      if (with_residual) {
        CHECK_THAT(grads.dresidual, AllClose(dr, resnet::testing::tolerance::fused_float32));
      } else {
        CHECK(grads.dresidual.size() == 0);
      }

      // Evaluation: the running statistics normalise, nothing is kept, nothing is updated.
      const auto eval = cpu::batchnorm_relu_forward(x, gamma, beta, mean_c, var_c, {false, 1e-5f, 0.1f},
                                                    with_residual ? &r : nullptr);
      CHECK_FALSE(eval.cache.has_value());
      CHECK_THAT(eval.running_mean, AllClose(mean_c, resnet::testing::tolerance::exact));
      Tensor4 expected = xt::zeros<double>(shape);
      for (std::size_t i = 0; i < x.size(); ++i) {
        const std::size_t c = i / (shape[2] * shape[3]) % C;
        const double z = f.gamma(c) * (f.x.data()[i] - mean_c(c)) / std::sqrt(var_c(c) + 1e-5) + f.beta(c) +
                         (with_residual ? f.r.data()[i] : 0.0);
        expected.data()[i] = std::max(0.0, z);
      }
      CHECK_THAT(eval.y, AllClose(expected, resnet::testing::tolerance::fused_float32));
    }
  }
}

TEST_CASE("the fused batch norm + ReLU rejects shapes that do not fit, naming them",
          "[ch03][cpu_batchnorm_relu][error]") {
  const xt::xtensor<float, 4> x = xt::ones<float>({2, 3, 4, 4});
  const xt::xtensor<float, 1> three = xt::ones<float>({3}), two = xt::ones<float>({2});
  const cpu::BatchNormReluSettings training;
  CHECK_THROWS_WITH(cpu::batchnorm_relu_forward(x, two, three, three, three, training, nullptr),
                    Catch::Contains("gamma has shape (2), expected (3)"));
  const xt::xtensor<float, 4> wrong_residual = xt::ones<float>({2, 3, 4, 5});
  CHECK_THROWS_WITH(cpu::batchnorm_relu_forward(x, three, three, three, three, training, &wrong_residual),
                    Catch::Contains("residual has shape (2, 3, 4, 5)"));
  const xt::xtensor<float, 4> single = xt::ones<float>({1, 3, 1, 1});
  CHECK_THROWS_WITH(cpu::batchnorm_relu_forward(single, three, three, three, three, training, nullptr),
                    Catch::Contains("more than 1 value per channel"));
  const auto out = cpu::batchnorm_relu_forward(x, three, three, three, three, training, nullptr);
  CHECK_THROWS_AS(cpu::batchnorm_relu_backward(xt::xtensor<float, 4>(xt::ones<float>({2, 3, 4, 3})), *out.cache),
                  ShapeError);
}
