// Packing for sgemm(): copying a block of A or B into the order the micro-kernel reads it.
//
// A micro-panel (mr rows of op(A), kc columns) is stored column by column: kc groups of
// mr floats. A B micro-panel (kc rows of op(B), nr columns) is stored row by row: kc
// groups of nr floats. Step p of the micro-kernel then reads group p of each, mr + nr
// consecutive floats, whatever the transposition or leading dimension of the original.
// Rows (of A) or columns (of B) past the matrix's edge are zeros, so the kernel always
// computes whole tiles and the driver keeps only the part inside C.
//
// Each loop reads the source along its rows (unit stride) and writes the panel with
// stride mr or nr where the two orders disagree: the panel is small (at most 16-32 KiB)
// and stays in L1, so strided writes into it are cheap, while strided reads of a large
// matrix would miss the cache.
//
// The copies are plain loops, not std::copy: a group is 4 to 32 floats, which the compiler
// moves with a few vector instructions, while std::copy becomes a call to memmove whose
// fixed cost exceeds the copy (perf showed memmove at 20% of a Winograd convolution whose
// B panels were packed this way).
#include <algorithm>

#include "resnet/cpu/packed_sgemm.hpp"

namespace resnet::cpu {

namespace {

// How many rows ahead pack_b_panel() prefetches: enough to cover a miss to L3 or memory
// (about 40-100 ns) at the few nanoseconds each row's copy takes.
constexpr std::size_t kPrefetchRows = 8;

}  // namespace

void pack_a_panel(Transpose transpose_a, const float* a, std::size_t lda, std::size_t i0, std::size_t m, std::size_t k0,
                  std::size_t kc, std::size_t mr, float* panel) {
  if (transpose_a == Transpose::no) {
    // A is (M, K): row i0 + i of op(A) is a row of A; it becomes entry i of every group.
    for (std::size_t i = 0; i < m; ++i) {
      const float* a_row = a + (i0 + i) * lda + k0;
      for (std::size_t p = 0; p < kc; ++p) panel[p * mr + i] = a_row[p];
    }
    for (std::size_t p = 0; p < kc; ++p) std::fill(panel + p * mr + m, panel + (p + 1) * mr, 0.0f);
  } else {
    // A is stored (K, M): column k0 + p of op(A) is a row of the stored A, contiguous.
    for (std::size_t p = 0; p < kc; ++p) {
      const float* a_row = a + (k0 + p) * lda + i0;
      float* group = panel + p * mr;
      for (std::size_t i = 0; i < m; ++i) group[i] = a_row[i];
      for (std::size_t i = m; i < mr; ++i) group[i] = 0.0f;
    }
  }
}

void pack_b_panel(Transpose transpose_b, const float* b, std::size_t ldb, std::size_t k0, std::size_t kc,
                  std::size_t j0, std::size_t n, std::size_t nr, float* panel) {
  if (transpose_b == Transpose::no) {
    // B is (K, N): row k0 + p of op(B) is a row of B, contiguous.
    for (std::size_t p = 0; p < kc; ++p) {
      const float* b_row = b + (k0 + p) * ldb + j0;
      // Rows of a wide B are far apart (ldb floats, often several KiB: a different page
      // each), which the hardware prefetchers do not follow; ask for a row a few ahead.
      if (p + kPrefetchRows < kc) __builtin_prefetch(b_row + kPrefetchRows * ldb);
      float* group = panel + p * nr;
      for (std::size_t j = 0; j < n; ++j) group[j] = b_row[j];
      for (std::size_t j = n; j < nr; ++j) group[j] = 0.0f;
    }
  } else {
    // B is stored (N, K): column j0 + j of op(B) is a row of the stored B; it becomes
    // entry j of every group.
    for (std::size_t j = 0; j < n; ++j) {
      const float* b_row = b + (j0 + j) * ldb + k0;
      for (std::size_t p = 0; p < kc; ++p) panel[p * nr + j] = b_row[p];
    }
    for (std::size_t p = 0; p < kc; ++p) std::fill(panel + p * nr + n, panel + (p + 1) * nr, 0.0f);
  }
}

}  // namespace resnet::cpu
