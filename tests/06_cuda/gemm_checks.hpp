// The checks of the GEMM ladder (resnet/cuda/gemm.hpp) against chapter 1's matrix
// product, written once and run twice: under host emulation by test_ch06 (rungs 01-05,
// every machine) and on the GPU by test_ch06_gpu (every rung; skipped without a GPU).
//
// Two kinds of data:
//   - small integers: every product and partial sum is an integer far below 2^24, so
//     exact in float32 whatever the order of the additions: results must be equal;
//   - random values in [-1, 1]: compared with the float64 product of the same inputs,
//     within the float32 matmul tolerance (tests/support/tolerances.hpp), or, for the
//     TF32 rung, within a bound on TF32's rounding of the inputs.
// Outputs start as NaN (KernelArrays::output), so an entry a kernel forgot to write fails.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xtensor.hpp>

#include "kernel_arrays.hpp"
#include "resnet/cuda/gemm.hpp"
#include "resnet/ops/matmul.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"

namespace resnet::testing {

/// The sizes of one product: A (M, K), B (K, N), C (M, N).
struct GemmSize {
  std::size_t M, N, K;
};

/// Sizes that fill no tile: a single entry, odd sizes on every side, one exact 64-block,
/// a C only 3 columns wide, and one spanning several 128 x 128 tiles (rungs 04-06) in
/// both directions.
inline const std::vector<GemmSize> kAwkwardGemmSizes = {
    {1, 1, 1}, {33, 17, 65}, {64, 64, 64}, {70, 3, 129}, {257, 259, 131}};

/// Sizes whose rows are whole float4s (K and N multiples of 4: rung 05's vector loads and
/// stores), with edges that still cut tiles.
inline const std::vector<GemmSize> kFloat4GemmSizes = {{130, 4, 12}, {128, 132, 20}, {260, 256, 36}};

/// "(M, N, K)" for messages.
inline std::string describe(const GemmSize& size) {
  return "(M, N, K) = (" + std::to_string(size.M) + ", " + std::to_string(size.N) + ", " + std::to_string(size.K) + ")";
}

/// A (rows, columns) matrix of integers in [-bound, bound], as floats.
inline xt::xtensor<float, 2> integer_matrix(std::size_t rows, std::size_t columns, Generator& generator, int bound) {
  xt::xtensor<float, 2> m({rows, columns});
  for (float& value : m) value = static_cast<float>(static_cast<int>(generator.below(2 * bound + 1)) - bound);
  return m;
}

/// C = A B by one rung, run `where`; A and B are copied to the device for Launch::gpu.
inline xt::xtensor<float, 2> run_gemm(cuda::GemmKernel kernel, const xt::xtensor<float, 2>& a,
                                      const xt::xtensor<float, 2>& b, cuda::Launch where) {
  const std::size_t M = a.shape()[0], K = a.shape()[1], N = b.shape()[1];
  KernelArrays<float> arrays(where);
  const float* a_in = arrays.input(a);
  const float* b_in = arrays.input(b);
  float* c = arrays.output(M * N);  // NaN until written
  cuda::gemm(kernel, a_in, b_in, c, M, N, K, where);
  return arrays.result(c, std::array<std::size_t, 2>{M, N});
}

/// Integer-valued A and B with entries in [-bound, bound]: the rung must give the CPU's
/// product exactly. bound 8 and K <= 131 keep every partial sum below 8 * 8 * 131 = 8384.
inline void check_gemm_on_integers(cuda::GemmKernel kernel, cuda::Launch where, const std::vector<GemmSize>& sizes,
                                   int bound = 8) {
  Generator generator(601);
  for (const GemmSize& size : sizes) {
    INFO("rung " << cuda::gemm_kernel_name(kernel) << ", " << describe(size));
    const auto a = integer_matrix(size.M, size.K, generator, bound);
    const auto b = integer_matrix(size.K, size.N, generator, bound);
    CHECK_THAT(run_gemm(kernel, a, b, where), AllClose(matmul_naive(a, b), tolerance::exact));
  }
}

/// Random A and B in [-1, 1]: within the float32 matmul tolerance of the float64 product.
inline void check_gemm_on_random_values(cuda::GemmKernel kernel, cuda::Launch where,
                                        const std::vector<GemmSize>& sizes) {
  Generator generator(602);
  for (const GemmSize& size : sizes) {
    INFO("rung " << cuda::gemm_kernel_name(kernel) << ", " << describe(size));
    const auto a = random_uniform<float, 2>({size.M, size.K}, generator, -1.0, 1.0);
    const auto b = random_uniform<float, 2>({size.K, size.N}, generator, -1.0, 1.0);
    const xt::xtensor<double, 2> a64 = a, b64 = b;
    CHECK_THAT(run_gemm(kernel, a, b, where), AllClose(matmul_blas(a64, b64), tolerance::matmul_float32));
  }
}

/// Random A and B in [-1, 1] through TF32 tensor cores. Each input is rounded to TF32 (10
/// mantissa bits, round to nearest: relative error u = 2^-11), so a product is off by at
/// most (2u + u^2) |a b|, and K float32 additions add at most K 2^-24 of sum |a b|:
///     |C - A B| <= (2u + u^2 + K 2^-24) sum over k of |a_ik b_kj|      (entry by entry)
/// The check allows twice that, for the tensor cores' own order and rounding of the sums.
/// A wrong entry would be off by about |C| (~ sqrt(K) / 3), far beyond it.
inline void check_gemm_within_tf32_bound(cuda::GemmKernel kernel, cuda::Launch where,
                                         const std::vector<GemmSize>& sizes) {
  Generator generator(603);
  const double u = std::ldexp(1.0, -11);
  for (const GemmSize& size : sizes) {
    INFO("rung " << cuda::gemm_kernel_name(kernel) << ", " << describe(size));
    const auto a = random_uniform<float, 2>({size.M, size.K}, generator, -1.0, 1.0);
    const auto b = random_uniform<float, 2>({size.K, size.N}, generator, -1.0, 1.0);
    const xt::xtensor<double, 2> a64 = a, b64 = b;
    const xt::xtensor<double, 2> expected = matmul_blas(a64, b64);
    const xt::xtensor<double, 2> magnitudes =
        matmul_blas(xt::xtensor<double, 2>(xt::abs(a64)), xt::xtensor<double, 2>(xt::abs(b64)));
    const double relative = 2.0 * (2.0 * u + u * u + static_cast<double>(size.K) * std::ldexp(1.0, -24));
    const xt::xtensor<float, 2> got = run_gemm(kernel, a, b, where);
    std::size_t outside = 0, worst = 0;
    double worst_ratio = 0.0;
    for (std::size_t e = 0; e < got.size(); ++e) {
      const double error = std::abs(static_cast<double>(got.flat(e)) - expected.flat(e));
      const double ratio = error / (relative * magnitudes.flat(e));
      if (!(ratio <= 1.0)) ++outside;  // also counts NaN
      if (!(ratio <= worst_ratio)) {
        worst_ratio = ratio;
        worst = e;
      }
    }
    INFO("worst entry " << worst << ": got " << got.flat(worst) << ", expected " << expected.flat(worst)
                        << ", allowed error " << relative * magnitudes.flat(worst));
    CHECK(outside == 0);
  }
}

}  // namespace resnet::testing
