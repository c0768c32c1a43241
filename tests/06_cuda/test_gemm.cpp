// The GEMM ladder under host emulation (tasks 6.3 and 6.4): rungs 01-05 on the CPU, the
// same thread bodies the GPU runs, against chapter 1's matrix product; and the errors of
// the rungs and arguments that cannot run. needs_gpu/test_gemm_gpu.cpp checks every rung
// on a GPU with the same checks (gemm_checks.hpp).
#include <algorithm>
#include <limits>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "gemm_checks.hpp"
#include "resnet/cuda/memory.hpp"
#include "resnet/error.hpp"

using namespace resnet;
using namespace resnet::testing;
using cuda::GemmKernel;
constexpr cuda::Launch kEmulated = cuda::Launch::host_emulation;

TEST_CASE("the ladder lists six rungs in order with their file names", "[ch06][gemm]") {
  const std::vector<GemmKernel> rungs = cuda::all_gemm_kernels();
  REQUIRE(rungs.size() == 6);
  const char* names[] = {"01_naive",       "02_coalesced",  "03_smem_tiled",
                         "04_register_2d", "05_vectorized", "06_tf32_wmma"};
  for (std::size_t i = 0; i < rungs.size(); ++i) {
    CHECK(static_cast<std::size_t>(rungs[i]) == i + 1);
    CHECK(cuda::gemm_kernel_name(rungs[i]) == names[i]);
    CHECK(cuda::gemm_runs_on_host(rungs[i]) == (i < 5));
  }
}

TEST_CASE("emulated naive gemm matches matmul exactly on integers", "[ch06][gemm][6.3]") {
  check_gemm_on_integers(GemmKernel::naive, kEmulated, kAwkwardGemmSizes);
}

TEST_CASE("emulated naive gemm matches matmul on random values", "[ch06][gemm][6.3]") {
  check_gemm_on_random_values(GemmKernel::naive, kEmulated, kAwkwardGemmSizes);
}

TEST_CASE("emulated shared-memory tiled gemm matches matmul exactly on integers", "[ch06][gemm][6.4]") {
  check_gemm_on_integers(GemmKernel::smem_tiled, kEmulated, kAwkwardGemmSizes);
}

TEST_CASE("emulated shared-memory tiled gemm matches matmul on random values", "[ch06][gemm][6.4]") {
  check_gemm_on_random_values(GemmKernel::smem_tiled, kEmulated, kAwkwardGemmSizes);
}

// The given rungs, 02, 04 and 05 (not a task: no tag). The awkward sizes cut rung 04's and
// 05's 128 x 128 tiles, 8 x 8 patches and 8-wide steps along K, and take rung 05's scalar
// path; rows of whole float4s (K and N multiples of 4, in arrays 16-byte aligned as malloc
// gives them) take its float4 path.
const GemmKernel kGivenRungs[] = {GemmKernel::coalesced, GemmKernel::register_2d, GemmKernel::vectorized};

TEST_CASE("emulated rungs 02, 04 and 05 match matmul exactly on integers", "[ch06][gemm]") {
  for (const GemmKernel kernel : kGivenRungs) {
    INFO("rung " << cuda::gemm_kernel_name(kernel));
    check_gemm_on_integers(kernel, kEmulated, kAwkwardGemmSizes);
    check_gemm_on_integers(kernel, kEmulated, kFloat4GemmSizes);
  }
}

TEST_CASE("emulated rungs 02, 04 and 05 match matmul on random values", "[ch06][gemm]") {
  for (const GemmKernel kernel : kGivenRungs) {
    INFO("rung " << cuda::gemm_kernel_name(kernel));
    check_gemm_on_random_values(kernel, kEmulated, kAwkwardGemmSizes);
    check_gemm_on_random_values(kernel, kEmulated, kFloat4GemmSizes);
  }
}

TEST_CASE("emulated rungs write zeros when K is 0 and nothing when C is empty", "[ch06][gemm][6.3]") {
  for (const GemmKernel kernel : {GemmKernel::naive, GemmKernel::coalesced, GemmKernel::smem_tiled,
                                  GemmKernel::register_2d, GemmKernel::vectorized}) {
    INFO("rung " << cuda::gemm_kernel_name(kernel));
    // K = 0: C = A B is a sum of no terms, 0 everywhere. A and B hold no values.
    std::vector<float> c(3 * 5, std::numeric_limits<float>::quiet_NaN());
    cuda::gemm(kernel, nullptr, nullptr, c.data(), 3, 5, 0, kEmulated);
    INFO(
        "C was filled with NaN before the call: with K = 0 every entry is a sum of no terms and must be written "
        "as 0, not left as it was");
    CHECK(std::all_of(c.begin(), c.end(), [](float value) { return value == 0.0f; }));
    // M = 0: A and C have no entries, so they need no pointer, and nothing is written.
    const std::vector<float> b(4 * 5, 1.0f);
    CHECK_NOTHROW(cuda::gemm(kernel, nullptr, b.data(), nullptr, 0, 5, 4, kEmulated));
  }
}

TEST_CASE("rung 06 refuses host emulation with a clear error", "[ch06][gemm][error]") {
  const std::vector<float> a(4, 1.0f), b(4, 1.0f);
  std::vector<float> c(4);
  const GemmKernel kernel = GemmKernel::tf32_wmma;
  CHECK_FALSE(cuda::gemm_runs_on_host(kernel));
  CHECK_THROWS_AS(cuda::gemm(kernel, a.data(), b.data(), c.data(), 2, 2, 2, kEmulated), DeviceError);
  CHECK_THROWS_WITH(cuda::gemm(kernel, a.data(), b.data(), c.data(), 2, 2, 2, kEmulated),
                    Catch::Contains("06_tf32_wmma") && Catch::Contains("needs a GPU"));
}

TEST_CASE("gemm rejects null pointers to non-empty matrices and sizes too large to launch", "[ch06][gemm][error]") {
  const std::vector<float> a(12, 1.0f), b(20, 1.0f);
  std::vector<float> c(15);
  for (const GemmKernel kernel : cuda::all_gemm_kernels()) {
    INFO("rung " << cuda::gemm_kernel_name(kernel));
    CHECK_THROWS_AS(cuda::gemm(kernel, nullptr, b.data(), c.data(), 3, 5, 4, kEmulated), std::invalid_argument);
    CHECK_THROWS_WITH(cuda::gemm(kernel, nullptr, b.data(), c.data(), 3, 5, 4, kEmulated),
                      Catch::Contains("a is a null pointer") && Catch::Contains("(3, 4)"));
    CHECK_THROWS_WITH(cuda::gemm(kernel, a.data(), nullptr, c.data(), 3, 5, 4, kEmulated),
                      Catch::Contains("b is a null pointer") && Catch::Contains("(4, 5)"));
    CHECK_THROWS_WITH(cuda::gemm(kernel, a.data(), b.data(), nullptr, 3, 5, 4, kEmulated),
                      Catch::Contains("c is a null pointer") && Catch::Contains("(3, 5)"));
    const std::size_t huge = std::size_t{1} << 40;  // never allocated: the check comes first
    CHECK_THROWS_WITH(cuda::gemm(kernel, a.data(), b.data(), c.data(), huge, 5, 4, kEmulated),
                      Catch::Contains("too large"));
  }
  CHECK_THROWS_AS(cuda::gemm(static_cast<GemmKernel>(7), a.data(), b.data(), c.data(), 3, 5, 4, kEmulated),
                  std::invalid_argument);
}

TEST_CASE("every rung runs on a usable GPU and is a clear error without one", "[ch06][gemm][error]") {
  const std::vector<float> a = {1.0f, 2.0f, 3.0f, 4.0f}, b = {5.0f, 6.0f, 7.0f, 8.0f};
  std::vector<float> c(4);
  for (const GemmKernel kernel : cuda::all_gemm_kernels()) {
    INFO("rung " << cuda::gemm_kernel_name(kernel));
    if (!cuda::is_available()) {
      INFO("no usable GPU (no CUDA in the build, or no device): every rung on the GPU must throw DeviceError");
      CHECK_THROWS_AS(cuda::gemm(kernel, a.data(), b.data(), c.data(), 2, 2, 2, cuda::Launch::gpu), DeviceError);
      continue;
    }
    INFO("a usable GPU: [[1, 2], [3, 4]] x [[5, 6], [7, 8]] = [[19, 22], [43, 50]], exact in every rung");
    cuda::DeviceBuffer<float> da(4), db(4), dc(4);
    cuda::copy_host_to_device(da.data(), a.data(), 4 * sizeof(float));
    cuda::copy_host_to_device(db.data(), b.data(), 4 * sizeof(float));
    cuda::gemm(kernel, da.data(), db.data(), dc.data(), 2, 2, 2, cuda::Launch::gpu);
    cuda::copy_device_to_host(c.data(), dc.data(), 4 * sizeof(float));
    CHECK(c == std::vector<float>{19.0f, 22.0f, 43.0f, 50.0f});
  }
}
