// Chapter 6: the GEMM ladder's front door. gemm() checks its arguments and hands them to
// one rung, gemm_0N_*.cu (rungs 01 and 03, the tasks, in solutions/06_cuda/; the others
// here); each rung's file says what it changes and why.
#include "resnet/cuda/gemm.hpp"

#include <stdexcept>
#include <string>

#include "resnet/error.hpp"

namespace resnet::cuda {

std::vector<GemmKernel> all_gemm_kernels() {
  return {GemmKernel::naive,       GemmKernel::coalesced,  GemmKernel::smem_tiled,
          GemmKernel::register_2d, GemmKernel::vectorized, GemmKernel::tf32_wmma};
}

std::string gemm_kernel_name(GemmKernel kernel) {
  switch (kernel) {
    case GemmKernel::naive: return "01_naive";
    case GemmKernel::coalesced: return "02_coalesced";
    case GemmKernel::smem_tiled: return "03_smem_tiled";
    case GemmKernel::register_2d: return "04_register_2d";
    case GemmKernel::vectorized: return "05_vectorized";
    case GemmKernel::tf32_wmma: return "06_tf32_wmma";
  }
  throw std::invalid_argument("gemm: unknown GemmKernel " + std::to_string(static_cast<int>(kernel)));
}

bool gemm_runs_on_host(GemmKernel kernel) { return kernel != GemmKernel::tf32_wmma; }

namespace detail {

void gpu_only_rung(const char* rung) {
  throw DeviceError(std::string(rung) +
                    " needs a GPU: its warps compute on tensor cores (WMMA fragments), which the block "
                    "emulator does not model; rungs 01-05 run under host emulation");
}

void rung_without_cuda(const char* rung, Launch where) {
  if (where == Launch::host_emulation) gpu_only_rung(rung);
  no_cuda_in_this_build(rung);
}

}  // namespace detail

namespace {

// The largest M or N: the grids of rungs 01-03 have one block per 32 rows (or columns)
// along y, and CUDA allows at most 65535 blocks along y.
constexpr std::size_t kLargestRowsOrColumns = 65535 * 32;
// The largest K: rungs 04-06 index within a row with 32-bit ints.
constexpr std::size_t kLargestInner = std::size_t{1} << 30;

std::string shape_text(std::size_t rows, std::size_t columns) {
  return "(" + std::to_string(rows) + ", " + std::to_string(columns) + ")";
}

// Throws std::invalid_argument naming the rung when a non-empty matrix has a null pointer
// or a size is beyond what the launches allow.
void check_arguments(GemmKernel kernel, const float* a, const float* b, const float* c, std::size_t M, std::size_t N,
                     std::size_t K) {
  const std::string name = "gemm " + gemm_kernel_name(kernel);
  auto require_data = [&](const float* pointer, const char* matrix, std::size_t rows, std::size_t columns) {
    if (pointer == nullptr && rows > 0 && columns > 0) {
      throw std::invalid_argument(name + ": " + matrix + " is a null pointer but has shape " +
                                  shape_text(rows, columns));
    }
  };
  require_data(a, "a", M, K);
  require_data(b, "b", K, N);
  require_data(c, "c", M, N);
  if (M > kLargestRowsOrColumns || N > kLargestRowsOrColumns || K > kLargestInner) {
    throw std::invalid_argument(name + ": (M, N, K) = (" + std::to_string(M) + ", " + std::to_string(N) + ", " +
                                std::to_string(K) + ") is too large for one launch (M, N at most " +
                                std::to_string(kLargestRowsOrColumns) + ", K at most " + std::to_string(kLargestInner) +
                                ")");
  }
}

}  // namespace

void gemm(GemmKernel kernel, const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
          Launch where) {
  check_arguments(kernel, a, b, c, M, N, K);
  if (M == 0 || N == 0) return;  // C is empty; K = 0 is not: every rung writes C = 0
  switch (kernel) {
    case GemmKernel::naive: return detail::gemm_naive(a, b, c, M, N, K, where);
    case GemmKernel::coalesced: return detail::gemm_coalesced(a, b, c, M, N, K, where);
    case GemmKernel::smem_tiled: return detail::gemm_smem_tiled(a, b, c, M, N, K, where);
    case GemmKernel::register_2d: return detail::gemm_register_2d(a, b, c, M, N, K, where);
    case GemmKernel::vectorized: return detail::gemm_vectorized(a, b, c, M, N, K, where);
    case GemmKernel::tf32_wmma: return detail::gemm_tf32_wmma(a, b, c, M, N, K, where);
  }
}

}  // namespace resnet::cuda
