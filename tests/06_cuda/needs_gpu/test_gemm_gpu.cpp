// Every rung of the GEMM ladder on a GPU against chapter 1's matrix product, with the
// checks the emulated tests use (../gemm_checks.hpp). Skipped without a CUDA device.
#include <algorithm>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "../gemm_checks.hpp"
#include "resnet/cuda/memory.hpp"
#include "support/skip.hpp"

using namespace resnet;
using namespace resnet::testing;
using cuda::GemmKernel;
constexpr cuda::Launch kGpu = cuda::Launch::gpu;

namespace {

// Every size the GPU tests use: the awkward ones and those made of whole float4s.
std::vector<GemmSize> all_sizes() {
  std::vector<GemmSize> sizes = kAwkwardGemmSizes;
  sizes.insert(sizes.end(), kFloat4GemmSizes.begin(), kFloat4GemmSizes.end());
  return sizes;
}

// Integers in [-8, 8] are exact in TF32 (4 significant bits), and so are their products
// (at most 64); with K <= 64 every partial sum is an integer of at most 4096, exact
// whatever order and precision the tensor cores add in.
const std::vector<GemmSize> kTf32IntegerSizes = {{1, 1, 1},      {33, 17, 63}, {64, 64, 64},  {70, 3, 29},
                                                 {257, 259, 40}, {130, 4, 12}, {260, 256, 36}};

}  // namespace

TEST_CASE("FP32 rungs on the GPU match matmul exactly on integers", "[ch06][gemm][gpu]") {
  require_cuda_device();
  for (const GemmKernel kernel : {GemmKernel::naive, GemmKernel::coalesced, GemmKernel::smem_tiled,
                                  GemmKernel::register_2d, GemmKernel::vectorized}) {
    check_gemm_on_integers(kernel, kGpu, all_sizes());
  }
}

TEST_CASE("FP32 rungs on the GPU match matmul on random values", "[ch06][gemm][gpu]") {
  require_cuda_device();
  for (const GemmKernel kernel : {GemmKernel::naive, GemmKernel::coalesced, GemmKernel::smem_tiled,
                                  GemmKernel::register_2d, GemmKernel::vectorized}) {
    check_gemm_on_random_values(kernel, kGpu, all_sizes());
  }
}

TEST_CASE("the TF32 tensor-core rung matches matmul exactly on small integers", "[ch06][gemm][gpu]") {
  require_cuda_device();
  check_gemm_on_integers(GemmKernel::tf32_wmma, kGpu, kTf32IntegerSizes);
}

TEST_CASE("the TF32 tensor-core rung stays within TF32 rounding of matmul on random values", "[ch06][gemm][gpu]") {
  require_cuda_device();
  check_gemm_within_tf32_bound(GemmKernel::tf32_wmma, kGpu, all_sizes());
}

TEST_CASE("every rung on the GPU writes zeros when K is 0", "[ch06][gemm][gpu]") {
  require_cuda_device();
  const std::size_t M = 3, N = 130;
  for (const GemmKernel kernel : cuda::all_gemm_kernels()) {
    INFO("rung " << cuda::gemm_kernel_name(kernel));
    KernelArrays<float> arrays(kGpu);
    float* c = arrays.output(M * N);
    cuda::gemm(kernel, nullptr, nullptr, c, M, N, 0, kGpu);
    const xt::xtensor<float, 2> got = arrays.result(c, std::array<std::size_t, 2>{M, N});
    INFO(
        "C was filled with NaN before the call: with K = 0 every entry is a sum of no terms and must be written "
        "as 0, not left as it was");
    CHECK(std::all_of(got.begin(), got.end(), [](float value) { return value == 0.0f; }));
  }
}

TEST_CASE("rungs on the GPU are right for matrices that start off a 16-byte boundary", "[ch06][gemm][gpu]") {
  // K and N are multiples of 4, but A, B and C start one float into their allocations, so
  // rung 05 must take its scalar path (a float4 access there would fault).
  require_cuda_device();
  const std::size_t M = 70, N = 132, K = 20;
  Generator generator(604);
  const auto a = integer_matrix(M, K, generator, 8);
  const auto b = integer_matrix(K, N, generator, 8);
  const xt::xtensor<float, 2> expected = matmul_naive(a, b);
  for (const GemmKernel kernel : cuda::all_gemm_kernels()) {
    INFO("rung " << cuda::gemm_kernel_name(kernel));
    cuda::DeviceBuffer<float> a_device(M * K + 1), b_device(K * N + 1), c_device(M * N + 1);
    cuda::copy_host_to_device(a_device.data() + 1, a.data(), M * K * sizeof(float));
    cuda::copy_host_to_device(b_device.data() + 1, b.data(), K * N * sizeof(float));
    const std::vector<float> poison(M * N, std::numeric_limits<float>::quiet_NaN());
    cuda::copy_host_to_device(c_device.data() + 1, poison.data(), M * N * sizeof(float));
    cuda::gemm(kernel, a_device.data() + 1, b_device.data() + 1, c_device.data() + 1, M, N, K, kGpu);
    xt::xtensor<float, 2> got({M, N});
    cuda::copy_device_to_host(got.data(), c_device.data() + 1, M * N * sizeof(float));
    CHECK_THAT(got, AllClose(expected, tolerance::exact));  // K = 20 and |values| <= 8: exact in TF32 too
  }
}
