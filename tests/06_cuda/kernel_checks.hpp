// The checks of chapter 6's kernels against the CPU ops of chapters 1-3, written once and
// run twice: under host emulation by test_ch06 (every machine) and on the GPU by
// test_ch06_gpu (skipped without one). Each kernel gets random data (the same rounding
// as the CPU op, or a bound derived from the summation order) and integer-valued data
// (every sum exact, so the results must be equal).
#pragma once

#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include "kernel_arrays.hpp"
#include "resnet/cuda/kernels.hpp"
#include "resnet/ops/cross_entropy.hpp"
#include "resnet/ops/global_avg_pool2d.hpp"
#include "resnet/ops/im2col.hpp"
#include "resnet/ops/max_pool2d.hpp"
#include "resnet/optim/optimizer.hpp"
#include "resnet/ops/reduce.hpp"
#include "resnet/ops/relu.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"

namespace resnet::testing {

/// Small integers as floating-point values: sums of a few thousand of them are exact.
template <class T, std::size_t N>
xt::xtensor<T, N> random_integers(const std::array<std::size_t, N>& shape, Generator& generator, int low, int high) {
  xt::xtensor<T, N> values = random_uniform<T, N>(shape, generator, low, high + 1);
  return xt::floor(values);
}

template <class T>
void check_relu(cuda::Launch where) {
  Generator generator(61);
  xt::xtensor<T, 4> x = random_normal<T, 4>({2, 3, 5, 7}, generator);
  x(0, 0, 0, 0) = T(0);                                 // the kink: forward 0, backward 0
  x(0, 0, 0, 1) = std::numeric_limits<T>::quiet_NaN();  // a NaN passes through, as on the CPU
  const xt::xtensor<T, 4> dy = random_normal<T, 4>(x.shape(), generator);
  const auto cpu = relu_forward(x);
  const auto cpu_dx = relu_backward(dy, cpu.cache).dx;

  KernelArrays<T> arrays(where);
  const T* x_in = arrays.input(x);
  const T* dy_in = arrays.input(dy);
  T* y = arrays.output(x.size());
  T* dx = arrays.output(x.size());
  cuda::relu_forward(x_in, y, x.size(), where);
  cuda::relu_backward(x_in, dy_in, dx, x.size(), where);
  xt::xtensor<T, 4> got_y = arrays.result(y, x.shape()), expected_y = cpu.y;
  const xt::xtensor<T, 4> got_dx = arrays.result(dx, x.shape());
  CHECK(std::isnan(got_y(0, 0, 0, 1)));  // NaN in, NaN out
  CHECK(got_dx(0, 0, 0, 1) == dy(0, 0, 0, 1));
  got_y(0, 0, 0, 1) = expected_y(0, 0, 0, 1) = T(0);  // AllClose refuses NaN anywhere
  // Selecting values involves no arithmetic: the results are the CPU's, bit for bit.
  CHECK_THAT(got_y, AllClose(expected_y, tolerance::exact));
  CHECK_THAT(got_dx, AllClose(cpu_dx, tolerance::exact));
}

template <class T>
void check_add_and_scale(cuda::Launch where) {
  Generator generator(62);
  const xt::xtensor<T, 1> a = random_normal<T, 1>({1000}, generator), b = random_normal<T, 1>({1000}, generator);
  KernelArrays<T> arrays(where);
  T* sum = arrays.output(a.size());
  cuda::add(arrays.input(a), arrays.input(b), sum, a.size(), where);
  cuda::scale(sum, T(0.5), a.size(), where);
  // One rounded addition and an exact halving, as xtensor does them.
  const xt::xtensor<T, 1> expected = (a + b) * T(0.5);
  CHECK_THAT(arrays.result(sum, a.shape()), AllClose(expected, tolerance::exact));
}

// x (N, C, H, W) -> its per-channel sums in float64, (C).
template <class T>
xt::xtensor<double, 1> channel_sums_in_double(const xt::xtensor<T, 4>& x) {
  const xt::xtensor<double, 4> wide = xt::cast<double>(x);
  return sum_along(sum_along(sum_along(wide, 3), 2), 0);
}

template <class T>
void check_channel_sums(cuda::Launch where) {
  Generator generator(63);
  const std::size_t N = 3, C = 5, H = 9, W = 11;  // m = 297 values per channel: not a multiple of 256
  KernelArrays<T> arrays(where);

  // Integer values: every partial sum is an integer below 2^24, so exact in float too.
  const xt::xtensor<T, 4> integers = random_integers<T, 4>({N, C, H, W}, generator, -8, 8);
  T* sums = arrays.output(C);
  cuda::channel_sums(arrays.input(integers), sums, N, C, H * W, where);
  CHECK_THAT(arrays.result(sums, std::array<std::size_t, 1>{C}),
             AllClose(xt::xtensor<T, 1>(xt::cast<T>(channel_sums_in_double(integers))), tolerance::exact));

  // Random values: the tree adds in another order than the CPU. Each value goes through at
  // most m / 256 + 1 sequential additions and log2(256) = 8 tree levels, each rounding by
  // at most eps relative, so |error| <= (m / 256 + 9) * eps * sum |x| (a worst case).
  const xt::xtensor<T, 4> x = random_normal<T, 4>({N, C, H, W}, generator);
  T* random_sums = arrays.output(C);
  cuda::channel_sums(arrays.input(x), random_sums, N, C, H * W, where);
  const xt::xtensor<T, 1> got = arrays.result(random_sums, std::array<std::size_t, 1>{C});
  const xt::xtensor<double, 1> expected = channel_sums_in_double(x);
  const xt::xtensor<double, 1> magnitudes = channel_sums_in_double(xt::xtensor<T, 4>(xt::abs(x)));
  const double levels = static_cast<double>(N * H * W) / cuda::kReductionThreads + 9;
  for (std::size_t c = 0; c < C; ++c) {
    const double bound = levels * std::numeric_limits<T>::epsilon() * magnitudes(c);
    INFO("channel " << c << ": got " << got(c) << ", expected " << expected(c) << ", bound " << bound);
    CHECK(std::abs(static_cast<double>(got(c)) - expected(c)) <= bound);
  }
}

template <class T>
void check_channel_mean_variance(cuda::Launch where) {
  Generator generator(64);
  const std::size_t N = 4, C = 3, H = 8, W = 8;
  const xt::xtensor<T, 4> x = random_normal<T, 4>({N, C, H, W}, generator, 0.5, 2.0);
  KernelArrays<T> arrays(where);
  T* mean = arrays.output(C);
  T* variance = arrays.output(C);
  cuda::channel_mean_variance(arrays.input(x), mean, variance, N, C, H * W, where);
  // The CPU op: (N, C, H, W) -> (C, N H W), then along axis 1.
  const xt::xtensor<T, 2> per_channel = xt::reshape_view(xt::transpose(x, {1, 0, 2, 3}), {C, N * H * W});
  const xt::xtensor<T, 1> cpu_mean = mean_along(per_channel, 1);
  const xt::xtensor<T, 1> cpu_variance = variance_along(per_channel, 1, Variance::biased);
  // float64: the same two passes, roundings in another order. float32: the kernel adds in
  // float32 (256 values per thread chain and tree, see check_channel_sums) while the CPU
  // adds in double, so allow the bound of a 256-value float32 sum relative to its size.
  const Tolerance tolerance = std::is_same_v<T, double>
                                  ? tolerance::float64
                                  : Tolerance{10 * 6e-8, 10 * 6e-8, "float32 tree sums of 256 values, 10 roundings"};
  CHECK_THAT(arrays.result(mean, std::array<std::size_t, 1>{C}), AllClose(cpu_mean, tolerance));
  CHECK_THAT(arrays.result(variance, std::array<std::size_t, 1>{C}), AllClose(cpu_variance, tolerance));
}

template <class T>
void check_im2col(cuda::Launch where) {
  Generator generator(65);
  // 3x3 with padding (the common case), strided, 1x1 projection, 7x7 stem-like, and a
  // window as large as the padded input.
  const struct {
    std::array<std::size_t, 4> x, weight;
    std::size_t stride, padding;
  } cases[] = {{{2, 3, 7, 6}, {4, 3, 3, 3}, 1, 1},
               {{2, 3, 7, 6}, {4, 3, 3, 3}, 2, 1},
               {{2, 4, 5, 5}, {8, 4, 1, 1}, 2, 0},
               {{1, 3, 16, 16}, {8, 3, 7, 7}, 2, 3},
               {{1, 2, 3, 3}, {1, 2, 5, 5}, 1, 1}};
  for (const auto& c : cases) {
    const WindowShape shape = conv2d_shape("im2col test", c.x, c.weight, c.stride, c.padding);
    INFO("x " << c.x[1] << "x" << c.x[2] << "x" << c.x[3] << ", kernel " << c.weight[2] << ", stride " << c.stride
              << ", padding " << c.padding);
    const xt::xtensor<T, 4> x = random_normal<T, 4>(c.x, generator);
    const xt::xtensor<T, 2> expected = im2col(x, shape);
    KernelArrays<T> arrays(where);
    T* columns = arrays.output(expected.size());
    cuda::im2col(arrays.input(x), columns, shape, where);
    CHECK_THAT(arrays.result(columns, expected.shape()), AllClose(expected, tolerance::exact));  // copies only
  }
}

}  // namespace resnet::testing

namespace resnet::testing {

template <class T>
void check_col2im(cuda::Launch where) {
  Generator generator(66);
  const WindowShape shapes[] = {conv2d_shape("col2im test", {2, 3, 7, 6}, {4, 3, 3, 3}, 1, 1),
                                conv2d_shape("col2im test", {2, 3, 7, 6}, {4, 3, 3, 3}, 2, 1),
                                conv2d_shape("col2im test", {1, 3, 16, 16}, {8, 3, 7, 7}, 2, 3),
                                conv2d_shape("col2im test", {2, 4, 5, 5}, {8, 4, 1, 1}, 2, 0)};
  for (const WindowShape& shape : shapes) {
    INFO("kernel " << shape.R << ", stride " << shape.stride << ", padding " << shape.padding);
    const xt::xtensor<T, 2> columns =
        random_normal<T, 2>({shape.C * shape.R * shape.S, shape.N * shape.P * shape.Q}, generator);
    const xt::xtensor<T, 4> expected = col2im(columns, shape);
    KernelArrays<T> arrays(where);
    T* x = arrays.output(expected.size());
    cuda::col2im(arrays.input(columns), x, shape, where);
    // Each input position adds its column entries in the CPU's order: the same sums.
    CHECK_THAT(arrays.result(x, expected.shape()), AllClose(expected, tolerance::exact));
  }
}

template <class T>
void check_global_avg_pool2d(cuda::Launch where) {
  Generator generator(67);
  const std::size_t N = 3, C = 5, H = 4, W = 4;
  // Integer values over 16 positions: every sum and mean is exact.
  const xt::xtensor<T, 4> x = random_integers<T, 4>({N, C, H, W}, generator, -20, 20);
  const auto cpu = global_avg_pool2d_forward(x);
  const xt::xtensor<T, 2> dy = random_normal<T, 2>({N, C}, generator);
  const xt::xtensor<T, 4> cpu_dx = global_avg_pool2d_backward(dy, cpu.cache).dx;
  KernelArrays<T> arrays(where);
  T* y = arrays.output(N * C);
  T* dx = arrays.output(x.size());
  cuda::global_avg_pool2d_forward(arrays.input(x), y, N * C, H * W, where);
  cuda::global_avg_pool2d_backward(arrays.input(dy), dx, N * C, H * W, where);
  CHECK_THAT(arrays.result(y, cpu.y.shape()), AllClose(cpu.y, tolerance::exact));
  CHECK_THAT(arrays.result(dx, x.shape()), AllClose(cpu_dx, tolerance::exact));  // dy times 1/16, both sides
}

template <class T>
void check_max_pool2d(cuda::Launch where) {
  Generator generator(68);
  // ResNet's stem pool (3, stride 2, padding 1: windows overlap, so an input can be the
  // maximum of several windows), and 2x2 without overlap. Integer values make ties.
  const struct { std::size_t kernel, stride, padding; } cases[] = {{3, 2, 1}, {2, 2, 0}};
  for (const auto& c : cases) {
    INFO("kernel " << c.kernel << ", stride " << c.stride << ", padding " << c.padding);
    const xt::xtensor<T, 4> x = random_integers<T, 4>({2, 3, 9, 8}, generator, -3, 3);
    const auto cpu = max_pool2d_forward(x, c.kernel, c.stride, c.padding);
    const xt::xtensor<T, 4> dy = random_normal<T, 4>(cpu.y.shape(), generator);
    const xt::xtensor<T, 4> cpu_dx = max_pool2d_backward(dy, cpu.cache).dx;
    const WindowShape& shape = cpu.cache.shape;
    KernelArrays<T> arrays(where);
    KernelArrays<std::size_t> indices(where);
    T* y = arrays.output(cpu.y.size());
    std::size_t* argmax = indices.input(xt::xtensor<std::size_t, 1>(std::array<std::size_t, 1>{cpu.y.size()}, 0));
    T* dx = arrays.output(x.size());
    cuda::max_pool2d_forward(arrays.input(x), y, argmax, shape, where);
    cuda::max_pool2d_backward(arrays.input(dy), argmax, dx, shape, where);
    CHECK_THAT(arrays.result(y, cpu.y.shape()), AllClose(cpu.y, tolerance::exact));
    const bool same_maxima = indices.result(argmax, cpu.cache.argmax.shape()) == cpu.cache.argmax;
    CHECK(same_maxima);  // ties go to the same input
    CHECK_THAT(arrays.result(dx, x.shape()), AllClose(cpu_dx, tolerance::exact));
  }
}

template <class T>
void check_cross_entropy(cuda::Launch where) {
  Generator generator(69);
  const std::size_t N = 37, K = 10;
  const xt::xtensor<T, 2> logits = random_normal<T, 2>({N, K}, generator, 0.0, 3.0);
  xt::xtensor<std::int64_t, 1> labels = xt::xtensor<std::int64_t, 1>::from_shape({N});
  for (std::size_t n = 0; n < N; ++n) labels(n) = static_cast<std::int64_t>((n * 7) % K);
  const auto cpu = cross_entropy_forward(logits, labels);
  const xt::xtensor<T, 2> cpu_dlogits = cross_entropy_backward(T(1), cpu.cache).dlogits;

  KernelArrays<T> arrays(where);
  KernelArrays<std::int64_t> label_arrays(where);
  const std::int64_t* device_labels = label_arrays.input(labels);
  T* probabilities = arrays.output(N * K);
  T* row_losses = arrays.output(N);
  T* dlogits = arrays.output(N * K);
  cuda::cross_entropy_forward(arrays.input(logits), device_labels, probabilities, row_losses, N, K, where);
  cuda::cross_entropy_backward(T(1), probabilities, device_labels, dlogits, N, K, where);
  const xt::xtensor<T, 1> losses = arrays.result(row_losses, std::array<std::size_t, 1>{N});
  const xt::xtensor<T, 1> loss{static_cast<T>(xt::sum(losses)() / static_cast<T>(N))};
  // exp and log are computed by the GPU's math library and by a different formula than
  // the CPU's log_softmax: a few roundings apart, as the softmax tolerance allows.
  const Tolerance tolerance = std::is_same_v<T, double> ? tolerance::float64 : tolerance::softmax_float32;
  CHECK_THAT(loss, AllClose(xt::xtensor<T, 1>{cpu.loss}, tolerance));
  CHECK_THAT(arrays.result(probabilities, cpu.cache.probabilities.shape()),
             AllClose(cpu.cache.probabilities, tolerance));
  CHECK_THAT(arrays.result(dlogits, cpu_dlogits.shape()), AllClose(cpu_dlogits, tolerance));
}

template <class T>
void check_adam_update(cuda::Launch where) {
  Generator generator(70);
  const std::size_t count = 1000;
  for (const bool decoupled : {false, true}) {
    INFO((decoupled ? "AdamW" : "Adam"));
    const AdamSettings settings{1e-3, 0.9, 0.999, 1e-8, 0.01, decoupled};
    xt::xtensor<T, 1> value = random_normal<T, 1>({count}, generator);
    xt::xtensor<T, 1> exp_avg = xt::zeros<T>({count}), exp_avg_sq = xt::zeros<T>({count});
    KernelArrays<T> arrays(where);
    T* device_value = arrays.input(value);
    T* device_exp_avg = arrays.input(exp_avg);
    T* device_exp_avg_sq = arrays.input(exp_avg_sq);
    for (std::int64_t step = 1; step <= 3; ++step) {
      const xt::xtensor<T, 1> grad = random_normal<T, 1>({count}, generator);
      adam_update(value.data(), grad.data(), exp_avg.data(), exp_avg_sq.data(), count, settings, step);
      const cuda::AdamStep adam{
          settings.learning_rate, settings.beta1, settings.beta2, settings.eps, settings.weight_decay, decoupled, step};
      cuda::adam_update(device_value, arrays.input(grad), device_exp_avg, device_exp_avg_sq, count, adam, where);
    }
    // Emulated: the same arithmetic in the same order, so equal. On the GPU, nvcc fuses
    // multiply-adds (one rounding instead of two), so allow the optimizer tolerance.
    const Tolerance tolerance = where == cuda::Launch::host_emulation ? tolerance::exact
                                : std::is_same_v<T, double>           ? tolerance::optimizer_float64
                                                                      : tolerance::optimizer_float32;
    CHECK_THAT(arrays.result(device_value, value.shape()), AllClose(value, tolerance));
    CHECK_THAT(arrays.result(device_exp_avg, value.shape()), AllClose(exp_avg, tolerance));
    CHECK_THAT(arrays.result(device_exp_avg_sq, value.shape()), AllClose(exp_avg_sq, tolerance));
  }
}

// The SGD kernel against resnet::sgd_update over three steps, for plain gradient descent,
// momentum with dampening, and Nesterov momentum, each with weight decay.
template <class T>
void check_sgd_update(cuda::Launch where) {
  Generator generator(71);
  const std::size_t count = 1000;
  const SgdSettings variants[] = {
      {0.1, 0.0, 0.0, 1e-3, false}, {0.1, 0.9, 0.5, 1e-3, false}, {0.1, 0.9, 0.0, 5e-4, true}};
  for (const SgdSettings& settings : variants) {
    INFO("momentum " << settings.momentum << ", dampening " << settings.dampening << ", Nesterov "
                     << settings.nesterov);
    xt::xtensor<T, 1> value = random_normal<T, 1>({count}, generator);
    xt::xtensor<T, 1> momentum_buffer = xt::zeros<T>({count});
    KernelArrays<T> arrays(where);
    T* device_value = arrays.input(value);
    T* device_buffer = arrays.input(momentum_buffer);
    for (int step = 0; step < 3; ++step) {
      const xt::xtensor<T, 1> grad = random_normal<T, 1>({count}, generator);
      sgd_update(value.data(), grad.data(), momentum_buffer.data(), count, settings, step == 0);
      const cuda::SgdStep sgd{settings.learning_rate, settings.momentum, settings.dampening,
                              settings.weight_decay,  settings.nesterov, step == 0};
      cuda::sgd_update(device_value, arrays.input(grad), device_buffer, count, sgd, where);
    }
    // As for Adam: equal under emulation, within the optimizer tolerance on the GPU (fused multiply-adds).
    const Tolerance tolerance = where == cuda::Launch::host_emulation ? tolerance::exact
                                : std::is_same_v<T, double>           ? tolerance::optimizer_float64
                                                                      : tolerance::optimizer_float32;
    CHECK_THAT(arrays.result(device_value, value.shape()), AllClose(value, tolerance));
    if (settings.momentum != 0) {  // without momentum the buffer is never used
      CHECK_THAT(arrays.result(device_buffer, value.shape()), AllClose(momentum_buffer, tolerance));
    }
  }
}

}  // namespace resnet::testing
