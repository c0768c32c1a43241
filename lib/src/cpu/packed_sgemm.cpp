// sgemm(): the blocked loops around the micro-kernels, the packing of blocks, threads.
// The picture of the loops is in resnet/cpu/packed_sgemm.hpp; the kernels and their block
// sizes in packed_sgemm_avx2.cpp, packed_sgemm_avx512.cpp, packed_sgemm_portable.cpp.
#include "resnet/cpu/packed_sgemm.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include <omp.h>

#include "resnet/error.hpp"
#include "resnet/threads.hpp"
#include "packed_sgemm_kernels.hpp"

namespace resnet::cpu {

namespace {

using detail::MicroKernel;

// Below this many multiply-adds (M N K) a product runs on one thread when the caller did
// not ask for a thread count. 2^20 multiply-adds take ~20-40 us on one core at 25-80
// GFLOP/s; waking a team, packing B twice and joining cost a few microseconds, so below
// that size a second thread saves less than it costs.
constexpr double kParallelMinimumWork = 1 << 20;

// Up to this many B micro-panels per block, the kernel reads A where it is stored instead
// of from a packed copy. Packing an A micro-panel is one pass over its MR x kc floats (a
// load and a scattered store each); it pays back through the unit-stride reads of every
// tile that uses it, one per B micro-panel. When N is small (the deep ResNet layers,
// whose feature maps have 16-256 pixels) the copy costs more than it saves, and the
// kernel reads the MR rows of A in place: MR sequential streams, or for a transposed A,
// MR consecutive floats of each stored row. Measured on the AVX2 path, one thread, Zen 3:
// 512 x 16 x 4608 went from 30 to 77 GFLOP/s, 256 x 64 x 2304 from 61 to 85,
// 128 x 256 x 1152 from 75 to 85; squares of 1024 and 2048 were no faster with 64.
constexpr std::size_t kMaxColumnPanelsToReadAInPlace = 16;

// Packed panels are aligned to a cache line, so no vector load of the kernel is split
// across two lines.
constexpr std::size_t kPanelAlignment = 64;

// The largest register tile of any kernel (AVX-512: 12 x 32), for edge tiles.
constexpr std::size_t kMaxTileFloats = 12 * 32;

std::size_t ceil_div(std::size_t value, std::size_t divisor) { return (value + divisor - 1) / divisor; }
std::size_t round_up(std::size_t value, std::size_t multiple) { return ceil_div(value, multiple) * multiple; }

// Aligned scratch memory for packed blocks, grown on demand and kept (see team_buffers()).
class PackingBuffer {
 public:
  float* floats(std::size_t count) {
    if (count > capacity_) {
      storage_.reset();
      storage_.reset(static_cast<float*>(::operator new (count * sizeof(float), std::align_val_t{kPanelAlignment})));
      capacity_ = count;
    }
    return storage_.get();
  }

 private:
  struct AlignedDelete {
    void operator()(float* memory) const { ::operator delete (memory, std::align_val_t{kPanelAlignment}); }
  };
  std::unique_ptr<float, AlignedDelete> storage_;
  std::size_t capacity_ = 0;
};

// The block sizes of one call: the kernel's (or the options'), shrunk to the matrix.
struct Blocking {
  std::size_t mc;
  std::size_t kc;
  std::size_t nc;
};

Blocking blocking_for(const MicroKernel& kernel, const SgemmOptions& options, std::size_t M, std::size_t N,
                      std::size_t K) {
  const std::size_t mc = round_up(options.mc > 0 ? options.mc : kernel.mc, kernel.mr);
  const std::size_t nc = round_up(options.nc > 0 ? options.nc : kernel.nc, kernel.nr);
  const std::size_t kc_limit = options.kc > 0 ? options.kc : kernel.kc;
  // K in equal blocks no deeper than the limit: K = 300 with KC = 256 gives 150 + 150
  // rather than 256 + 44, whose short block would pay the C update for little work.
  const std::size_t kc = ceil_div(K, ceil_div(K, kc_limit));
  return Blocking{std::min(mc, round_up(M, kernel.mr)), kc, std::min(nc, round_up(N, kernel.nr))};
}

// What one call computes: C = alpha op(A) B + beta C, B given by its panel packer.
struct Product {
  Transpose transpose_a;
  std::size_t M, N, K;
  float alpha;
  const float* a;
  std::size_t lda;
  const BPanelPacker& pack_b;
  float beta;
  float* c;
  std::size_t ldc;
};

// The rectangle of C one thread computes: rows row_begin .. row_end - 1, columns
// column_begin .. column_end - 1.
struct Part {
  std::size_t row_begin, row_end;
  std::size_t column_begin, column_end;
};

// Threads share the work as bands of C along its longer side, handed out one at a time
// from an atomic counter, with no barrier in between: each band packs its own blocks of
// A and B. About three bands per thread: when the OS parks a thread (a busy machine, a
// vCPU the hypervisor deschedules), the others take the bands it has not started instead
// of waiting for them, and a band is still long enough that repacking costs little.
// What gets packed more than once is the smaller operand: with M >= N, every band of
// rows packs all of B (K x N) again, one copy per 2 x (band height) flops: about 0.3% of
// the work for a 2048-square product on two threads (bands of 342 rows). (BLIS shares one
// packed B among threads instead, which saves memory and L3 on many-core machines but
// needs a barrier around every block, and each barrier waits for the slowest thread.)
struct Bands {
  bool of_rows;       // bands of rows (M >= N) or of columns
  std::size_t width;  // rows or columns per band, a multiple of MR or NR
  std::size_t count;
};

Bands bands_for(const Product& product, const MicroKernel& kernel, int threads) {
  const bool of_rows = product.M >= product.N;
  const std::size_t extent = of_rows ? product.M : product.N;
  const std::size_t tile = of_rows ? kernel.mr : kernel.nr;
  const std::size_t width = round_up(ceil_div(extent, 3 * static_cast<std::size_t>(threads)), tile);
  return Bands{of_rows, width, ceil_div(extent, width)};
}

Part band(const Product& product, const Bands& bands, std::size_t index) {
  const std::size_t begin = index * bands.width;
  if (bands.of_rows) return Part{begin, std::min(product.M, begin + bands.width), 0, product.N};
  return Part{0, product.M, begin, std::min(product.N, begin + bands.width)};
}

int threads_for(const SgemmOptions& options, const Product& product, const MicroKernel& kernel) {
  if (omp_in_parallel()) return 1;  // already inside a parallel loop: its threads are busy
  const double work = static_cast<double>(product.M) * static_cast<double>(product.N) * static_cast<double>(product.K);
  if (options.threads <= 0 && work < kParallelMinimumWork) return 1;
  const int requested = options.threads > 0 ? options.threads : thread_count();
  const std::size_t bands =
      product.M >= product.N ? ceil_div(product.M, kernel.mr) : ceil_div(product.N, kernel.nr);  // at most one per tile
  return static_cast<int>(std::clamp<std::size_t>(static_cast<std::size_t>(std::max(requested, 1)), 1, bands));
}

// Where the kernel reads an A micro-panel: A(i, p) = a[i * row_step + p * column_step].
struct APanel {
  const float* a;
  std::size_t row_step;
  std::size_t column_step;
};

// The A micro-panel of rows i0 .. i0 + m - 1 and columns k0 .. k0 + kc - 1: in place in A
// when `in_place` and the panel has all MR rows (the rows past an edge do not exist, so an
// edge panel is always packed, zero-padded), else in the packed block at `packed`.
APanel a_panel(const Product& product, const MicroKernel& kernel, bool in_place, std::size_t i0, std::size_t m,
               std::size_t k0, const float* packed) {
  if (!in_place || m < kernel.mr) return APanel{packed, 1, kernel.mr};
  if (product.transpose_a == Transpose::no) return APanel{product.a + i0 * product.lda + k0, product.lda, 1};
  return APanel{product.a + k0 * product.lda + i0, 1, product.lda};
}

// One MR x NR tile of C from one A and one B micro-panel. An edge tile (m < MR or n < NR)
// is computed whole into a local buffer, from the zero-padded panels, and only its m x n
// corner is written to C: so every kernel handles full tiles only.
void multiply_tile(const MicroKernel& kernel, std::size_t kc, const APanel& a, const float* b_panel, float* c,
                   std::size_t ldc, std::size_t m, std::size_t n, float alpha, float beta) {
  if (m == kernel.mr && n == kernel.nr) {
    kernel.compute(kc, a.a, a.row_step, a.column_step, b_panel, c, ldc, alpha, beta);
    return;
  }
  alignas(kPanelAlignment) float tile[kMaxTileFloats];
  kernel.compute(kc, a.a, a.row_step, a.column_step, b_panel, tile, kernel.nr, alpha, 0.0f);
  for (std::size_t i = 0; i < m; ++i) {
    const float* tile_row = tile + i * kernel.nr;
    float* c_row = c + i * ldc;
    for (std::size_t j = 0; j < n; ++j) c_row[j] = beta == 0.0f ? tile_row[j] : tile_row[j] + beta * c_row[j];
  }
}

// Packs B[k0 .. k0 + kc, j0 .. j0 + nc] into nc / NR micro-panels of kc x NR.
void pack_b_block(const Product& product, const MicroKernel& kernel, std::size_t k0, std::size_t kc, std::size_t j0,
                  std::size_t nc, float* b_packed) {
  for (std::size_t j = 0; j < nc; j += kernel.nr) {
    product.pack_b(k0, kc, j0 + j, std::min(kernel.nr, nc - j), kernel.nr, b_packed + j * kc);
  }
}

// Packs A[i0 .. i0 + mc, k0 .. k0 + kc] into mc / MR micro-panels of MR x kc; with
// `in_place`, only the edge panel (fewer than MR rows), the one that a_panel() cannot
// read from A itself.
void pack_a_block(const Product& product, const MicroKernel& kernel, bool in_place, std::size_t i0, std::size_t mc,
                  std::size_t k0, std::size_t kc, float* a_packed) {
  const std::size_t first_row = in_place ? mc / kernel.mr * kernel.mr : 0;
  for (std::size_t i = first_row; i < mc; i += kernel.mr) {
    pack_a_panel(product.transpose_a, product.a, product.lda, i0 + i, std::min(kernel.mr, mc - i), k0, kc, kernel.mr,
                 a_packed + i * kc);
  }
}

// C[i0 .. i0 + mc, j0 .. j0 + nc] = alpha A[i0 .., k0 ..](packed B block) + beta C.
// jr outer, ir inner: one B micro-panel stays in L1 while the kernel walks down the A
// micro-panels, which stay in L2.
void multiply_block(const Product& product, const MicroKernel& kernel, bool a_in_place, std::size_t i0, std::size_t mc,
                    std::size_t j0, std::size_t nc, std::size_t k0, std::size_t kc, float beta, const float* a_packed,
                    const float* b_packed) {
  for (std::size_t j = 0; j < nc; j += kernel.nr) {
    for (std::size_t i = 0; i < mc; i += kernel.mr) {
      const std::size_t m = std::min(kernel.mr, mc - i);
      const APanel a = a_panel(product, kernel, a_in_place, i0 + i, m, k0, a_packed + i * kc);
      multiply_tile(kernel, kc, a, b_packed + j * kc, product.c + (i0 + i) * product.ldc + j0 + j, product.ldc, m,
                    std::min(kernel.nr, nc - j), product.alpha, beta);
    }
  }
}

// Room for one thread's packed blocks of A (mc x kc) and B (kc x nc).
struct PackingBuffers {
  PackingBuffer a;
  PackingBuffer b;
};

// The three block loops (jc, pc, ic) around packing and the tile loops, over one part of C.
void multiply_part(const Product& product, const MicroKernel& kernel, const Blocking& blocks, const Part& part,
                   PackingBuffers& buffers) {
  float* a_packed = buffers.a.floats(blocks.mc * blocks.kc);
  float* b_packed = buffers.b.floats(blocks.kc * blocks.nc);
  for (std::size_t j0 = part.column_begin; j0 < part.column_end; j0 += blocks.nc) {
    const std::size_t nc = std::min(blocks.nc, part.column_end - j0);
    const bool a_in_place = ceil_div(nc, kernel.nr) <= kMaxColumnPanelsToReadAInPlace;
    for (std::size_t k0 = 0; k0 < product.K; k0 += blocks.kc) {
      const std::size_t kc = std::min(blocks.kc, product.K - k0);
      // The first block of K scales the old C by beta; the later ones add to the result.
      const float beta = k0 == 0 ? product.beta : 1.0f;
      pack_b_block(product, kernel, k0, kc, j0, nc, b_packed);
      for (std::size_t i0 = part.row_begin; i0 < part.row_end; i0 += blocks.mc) {
        const std::size_t mc = std::min(blocks.mc, part.row_end - i0);
        pack_a_block(product, kernel, a_in_place, i0, mc, k0, kc, a_packed);
        multiply_block(product, kernel, a_in_place, i0, mc, j0, nc, k0, kc, beta, a_packed, b_packed);
      }
    }
  }
}

// Packing buffers for a team of `threads`, owned by the calling thread and reused by its
// later calls: allocating (and page-faulting) megabytes per call would cost more than a
// small product. Allocated here, before the parallel region, so that running out of
// memory is an exception the caller sees rather than a crash inside the team.
std::vector<PackingBuffers>& team_buffers(int threads, const Blocking& blocks) {
  thread_local std::vector<PackingBuffers> buffers;
  if (buffers.size() < static_cast<std::size_t>(threads)) buffers.resize(static_cast<std::size_t>(threads));
  for (PackingBuffers& thread_buffers : buffers) {
    thread_buffers.a.floats(blocks.mc * blocks.kc);
    thread_buffers.b.floats(blocks.kc * blocks.nc);
  }
  return buffers;
}

// C <- beta C, what the product reduces to when alpha = 0 or K = 0 (C not read if beta = 0).
void scale(std::size_t M, std::size_t N, float beta, float* c, std::size_t ldc) {
  for (std::size_t i = 0; i < M; ++i) {
    float* c_row = c + i * ldc;
    for (std::size_t j = 0; j < N; ++j) c_row[j] = beta == 0.0f ? 0.0f : beta * c_row[j];
  }
}

void check_leading_dimension(const char* name, std::size_t leading_dimension, std::size_t row_length) {
  if (leading_dimension < row_length) {
    throw ShapeError(std::string("sgemm: ") + name + " = " + std::to_string(leading_dimension) +
                     " is shorter than a row of " + std::to_string(row_length));
  }
}

// The stored row length of op(X) (rows x columns) stored as it says.
std::size_t stored_row_length(Transpose transpose, std::size_t rows, std::size_t columns) {
  return transpose == Transpose::no ? columns : rows;
}

const MicroKernel& available_kernel(SimdPath path) {
  if (!simd_path_available(path)) {
    throw std::runtime_error(std::string("sgemm: this CPU cannot run the ") + simd_path_name(path) + " kernel");
  }
  return detail::micro_kernel(path);
}

}  // namespace

void sgemm_packed_b(const SgemmOptions& options, Transpose transpose_a, std::size_t M, std::size_t N, std::size_t K,
                    float alpha, const float* a, std::size_t lda, const BPanelPacker& pack_b, float beta, float* c,
                    std::size_t ldc) {
  const MicroKernel& kernel = available_kernel(options.path);
  if (M == 0 || N == 0) return;
  check_leading_dimension("ldc", ldc, N);
  if (K == 0 || alpha == 0.0f) {
    scale(M, N, beta, c, ldc);
    return;
  }
  check_leading_dimension("lda", lda, stored_row_length(transpose_a, M, K));
  const Product product{transpose_a, M, N, K, alpha, a, lda, pack_b, beta, c, ldc};
  const Blocking blocks = blocking_for(kernel, options, M, N, K);
  const int threads = threads_for(options, product, kernel);
  std::vector<PackingBuffers>& buffers = team_buffers(threads, blocks);
  if (threads == 1) {
    multiply_part(product, kernel, blocks, Part{0, M, 0, N}, buffers[0]);
    return;
  }
  const Bands bands = bands_for(product, kernel, threads);
  std::atomic<std::size_t> next_band{0};
#pragma omp parallel num_threads(threads)
  {
    PackingBuffers& own_buffers = buffers[static_cast<std::size_t>(omp_get_thread_num())];
    for (std::size_t index = next_band++; index < bands.count; index = next_band++) {
      multiply_part(product, kernel, blocks, band(product, bands, index), own_buffers);
    }
  }
}

void sgemm_with(const SgemmOptions& options, Transpose transpose_a, Transpose transpose_b, std::size_t M, std::size_t N,
                std::size_t K, float alpha, const float* a, std::size_t lda, const float* b, std::size_t ldb,
                float beta, float* c, std::size_t ldc) {
  if (M > 0 && N > 0 && K > 0 && alpha != 0.0f) {
    check_leading_dimension("ldb", ldb, stored_row_length(transpose_b, K, N));
  }
  const MicroKernel& kernel = available_kernel(options.path);
  const detail::TransposedBPacker simd_packer = transpose_b == Transpose::yes ? kernel.pack_b_transposed : nullptr;
  const BPanelPacker pack_stored_b = [&](std::size_t k0, std::size_t kc, std::size_t j0, std::size_t n, std::size_t nr,
                                         float* panel) {
    if (simd_packer != nullptr) {
      simd_packer(b, ldb, k0, kc, j0, n, panel);
    } else {
      pack_b_panel(transpose_b, b, ldb, k0, kc, j0, n, nr, panel);
    }
  };
  sgemm_packed_b(options, transpose_a, M, N, K, alpha, a, lda, pack_stored_b, beta, c, ldc);
}

void sgemm(Transpose transpose_a, Transpose transpose_b, std::size_t M, std::size_t N, std::size_t K, float alpha,
           const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  SgemmOptions options;
  options.path = default_simd_path();
  sgemm_with(options, transpose_a, transpose_b, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace resnet::cpu
