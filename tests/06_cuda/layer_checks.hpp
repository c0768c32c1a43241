// The checks of chapter 6's batch norm and convolution against chapter 2's and chapter 3's
// CPU ops, run under host emulation by test_ch06 and on the GPU by test_ch06_gpu.
#pragma once

#include <cmath>
#include <optional>
#include <type_traits>

#include <catch2/catch.hpp>

#include "kernel_arrays.hpp"
#include "kernel_checks.hpp"
#include "resnet/cuda/conv2d.hpp"
#include "resnet/cuda/kernels.hpp"
#include "resnet/ops/batchnorm2d.hpp"
#include "resnet/ops/conv2d.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"

namespace resnet::testing {

template <class T>
void check_batchnorm2d(cuda::Launch where) {
  Generator generator(71);
  const std::size_t N = 4, C = 3, H = 6, W = 5;  // M = 120 values per channel
  for (const BatchNormMode mode : {BatchNormMode::train, BatchNormMode::eval}) {
    const bool training = mode == BatchNormMode::train;
    INFO((training ? "train mode" : "eval mode"));
    const xt::xtensor<T, 4> x = random_normal<T, 4>({N, C, H, W}, generator, 0.5, 2.0);
    const xt::xtensor<T, 1> gamma = random_normal<T, 1>({C}, generator, 1.0, 0.3);
    const xt::xtensor<T, 1> beta = random_normal<T, 1>({C}, generator);
    const xt::xtensor<T, 1> running_mean = random_normal<T, 1>({C}, generator, 0.0, 0.5);
    const xt::xtensor<T, 1> running_var = random_uniform<T, 1>({C}, generator, 0.5, 2.0);
    const xt::xtensor<T, 4> dy = random_normal<T, 4>({N, C, H, W}, generator);
    const auto cpu = batchnorm2d_forward(x, gamma, beta, running_mean, running_var, mode);
    const auto cpu_grads = batchnorm2d_backward(dy, cpu.cache);

    KernelArrays<T> arrays(where);
    cuda::BatchNormArrays<T> a;
    a.x = arrays.input(x);
    a.gamma = arrays.input(gamma);
    a.beta = arrays.input(beta);
    a.running_mean = arrays.input(running_mean);
    a.running_var = arrays.input(running_var);
    a.y = arrays.output(x.size());
    a.x_hat = arrays.output(x.size());
    a.inverse_std = arrays.output(C);
    a.mean = arrays.output(C);
    a.variance = arrays.output(C);
    cuda::batchnorm2d_forward(a, N, C, H * W, training, 1e-5, 0.1, where);
    T* dx = arrays.output(x.size());
    T* dgamma = arrays.output(C);
    T* dbeta = arrays.output(C);
    cuda::batchnorm2d_backward(arrays.input(dy), a.x_hat, a.gamma, a.inverse_std, dx, dgamma, dbeta, N, C, H * W,
                               training, where);

    // float64: the same formulas, sums in another order. float32: the CPU sums in double
    // and rounds once, the kernels sum in float32 through a 256-thread tree (at most 10
    // roundings of sums of |values| of order 1, see check_channel_sums), and x_hat, y and
    // dx carry those errors times values of order 1-5: 2e-5 is 30 roundings' worth at
    // that size, far below any real mistake (a wrong term moves values by 1e-2 or more).
    const Tolerance tolerance = std::is_same_v<T, double>
                                    ? Tolerance{1e-11, 1e-12, "float64 sums in another order"}
                                    : Tolerance{2e-5, 2e-5, "float32 tree sums against float64 sums"};
    const std::array<std::size_t, 1> channels{C};
    CHECK_THAT(arrays.result(a.y, x.shape()), AllClose(cpu.y, tolerance));
    CHECK_THAT(arrays.result(a.x_hat, x.shape()), AllClose(cpu.cache.x_hat, tolerance));
    CHECK_THAT(arrays.result(a.inverse_std, channels), AllClose(cpu.cache.inverse_std, tolerance));
    CHECK_THAT(arrays.result(a.running_mean, channels), AllClose(cpu.running_mean, tolerance));
    CHECK_THAT(arrays.result(a.running_var, channels), AllClose(cpu.running_var, tolerance));
    CHECK_THAT(arrays.result(dx, x.shape()), AllClose(cpu_grads.dx, tolerance));
    CHECK_THAT(arrays.result(dgamma, channels), AllClose(cpu_grads.dgamma, tolerance));
    CHECK_THAT(arrays.result(dbeta, channels), AllClose(cpu_grads.dbeta, tolerance));
  }
}

/// One convolution of the checks: input shape, weight shape, stride, padding, bias.
struct ConvCase {
  std::array<std::size_t, 4> x, weight;
  std::size_t stride, padding;
  bool bias;
};

/// A 3x3 convolution with padding, a strided one with a bias, a 1x1 projection (stride 2)
/// and a 7x7 stem-like one: the kinds ResNet-34 has.
inline const ConvCase kConvCases[] = {{{2, 3, 7, 6}, {4, 3, 3, 3}, 1, 1, false},
                                      {{2, 3, 7, 6}, {5, 3, 3, 3}, 2, 1, true},
                                      {{2, 4, 5, 5}, {8, 4, 1, 1}, 2, 0, false},
                                      {{1, 3, 16, 16}, {8, 3, 7, 7}, 2, 3, false}};

/// Runs conv2d forward and backward through the kernels; returns y, dx, dweight, dbias.
struct ConvResults {
  xt::xtensor<float, 4> y, dx, dweight;
  xt::xtensor<float, 1> dbias;
};

inline ConvResults run_conv_kernels(const xt::xtensor<float, 4>& x, const xt::xtensor<float, 4>& weight,
                                    const std::optional<xt::xtensor<float, 1>>& bias, const xt::xtensor<float, 4>& dy,
                                    const WindowShape& shape, cuda::GemmKernel kernel, cuda::Launch where) {
  KernelArrays<float> arrays(where);
  const float* device_weight = arrays.input(weight);
  const float* device_bias = bias ? arrays.input(*bias) : nullptr;
  float* y = arrays.output(shape.N * shape.K * shape.P * shape.Q);
  float* columns = arrays.output(shape.C * shape.R * shape.S * shape.N * shape.P * shape.Q);
  float* workspace = arrays.output(cuda::Conv2dWorkspace::values_needed(shape));
  cuda::im2col_gemm_forward(arrays.input(x), device_weight, device_bias, y, columns, workspace, shape, kernel, where);
  float* dx = arrays.output(x.size());
  float* dweight = arrays.output(weight.size());
  float* dbias = bias ? arrays.output(shape.K) : nullptr;
  cuda::im2col_gemm_backward(arrays.input(dy), device_weight, columns, dx, dweight, dbias, workspace, shape, kernel,
                             where);
  ConvResults results{arrays.result(y, shape.output_shape()), arrays.result(dx, x.shape()),
                      arrays.result(dweight, weight.shape()), xt::xtensor<float, 1>()};
  if (bias) results.dbias = arrays.result(dbias, std::array<std::size_t, 1>{shape.K});
  return results;
}

/// Integer data (every sum exact in float32, whatever the order): equal to the CPU op.
/// Random data: within the float32 convolution tolerance.
inline void check_conv2d(cuda::GemmKernel kernel, cuda::Launch where) {
  Generator generator(72);
  INFO("GEMM " << cuda::gemm_kernel_name(kernel));
  for (const ConvCase& c : kConvCases) {
    INFO("x " << c.x[1] << "x" << c.x[2] << "x" << c.x[3] << ", kernel " << c.weight[2] << ", stride " << c.stride
              << ", padding " << c.padding << (c.bias ? ", with bias" : ""));
    const WindowShape shape = conv2d_shape("conv kernel test", c.x, c.weight, c.stride, c.padding);
    for (const bool integers : {true, false}) {
      INFO((integers ? "integer data" : "random data"));
      auto values = [&](const std::array<std::size_t, 4>& s) {
        return integers ? random_integers<float, 4>(s, generator, -3, 3) : random_normal<float, 4>(s, generator);
      };
      const xt::xtensor<float, 4> x = values(c.x), weight = values(c.weight), dy = values(shape.output_shape());
      std::optional<xt::xtensor<float, 1>> bias;
      if (c.bias) bias = xt::xtensor<float, 1>(xt::view(values({1, 1, 1, c.weight[0]}), 0, 0, 0, xt::all()));
      const auto cpu = conv2d_forward(x, weight, bias, c.stride, c.padding);
      const auto cpu_grads = conv2d_backward(dy, cpu.cache);
      const ConvResults got = run_conv_kernels(x, weight, bias, dy, shape, kernel, where);
      auto tolerance = [&](const auto& expected) {
        return integers ? tolerance::exact : at_scale_of(tolerance::conv_float32, expected);
      };
      CHECK_THAT(got.y, AllClose(cpu.y, tolerance(cpu.y)));
      CHECK_THAT(got.dx, AllClose(cpu_grads.dx, tolerance(cpu_grads.dx)));
      CHECK_THAT(got.dweight, AllClose(cpu_grads.dweight, tolerance(cpu_grads.dweight)));
      if (c.bias) CHECK_THAT(got.dbias, AllClose(cpu_grads.dbias, tolerance(cpu_grads.dbias)));
    }
  }
}

}  // namespace resnet::testing
