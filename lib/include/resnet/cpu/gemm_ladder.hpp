/// @file
/// @brief The CPU GEMM ladder of chapter 8: one matrix product, C = A B, written six ways,
///        each a step closer to the machine's peak (solutions/08_fast_cpu/gemm_0N_*.cpp;
///        rung 01 is given, the others are tasks 8.1-8.6).
///
/// Every rung computes C (M, N) = A (M, K) B (K, N) on row-major float matrices and
/// overwrites C. The last step, SIMD instructions chosen at run time, is the library's own
/// resnet::cpu::sgemm(), which the ladder's benchmark times beside the rungs and OpenBLAS.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace resnet::cpu::ladder {

/// @ingroup ch08
/// @brief Rows of the register tile of rungs 04-06: the height of an A micro-panel (the
///        guide's task 8.5 works out why 4 x 8).
constexpr std::size_t kTileRows = 4;

/// @ingroup ch08
/// @brief Columns of the register tile of rungs 04-06: the width of a B micro-panel.
constexpr std::size_t kTileCols = 8;

/// @ingroup ch08
/// @brief The cache blocks of rungs 03-06. A block of A (mc x kc) is meant to stay in the
///        L2 cache, a block of B (kc x nc) in L3, and a kc x kTileCols micro-panel of B in L1.
///
/// The defaults suit a core with 32 KiB of L1 data cache and 512 KiB of L2 (Zen 3, and
/// most laptops within a factor of two). Tests pass small blocks to make the loops cross
/// many block edges on small matrices.
struct CacheBlocks {
  std::size_t mc = 128;   ///< rows of A per block, a multiple of kTileRows in rungs 04-06
  std::size_t kc = 256;   ///< depth of the blocks: columns of A, rows of B
  std::size_t nc = 2048;  ///< columns of B per block, a multiple of kTileCols in rungs 04-06
};

/// @ingroup ch08
/// @brief Throws resnet::ShapeError naming `rung` when a block size is 0, or, with
///        `whole_tiles`, when mc is not a multiple of kTileRows or nc of kTileCols.
/// @param blocks the block sizes to check
/// @param rung the caller's name, for the message, e.g. "gemm_04_packed"
/// @param whole_tiles whether the blocks must hold whole register tiles (rungs 04-06)
void check_cache_blocks(const CacheBlocks& blocks, const char* rung, bool whole_tiles);

/// @ingroup ch08
/// @brief Rung 01, given: the textbook triple loop, i over rows of C, j over its columns,
///        k innermost: \f$ c_{ij} = \sum_k a_{ik} b_{kj} \f$.
///
/// The inner loop walks down a column of B, one float per cache line of 64 bytes.
/// @param a A, (M, K), row-major
/// @param b B, (K, N), row-major
/// @param c C, (M, N), row-major: overwritten
/// @param M rows of A and C
/// @param N columns of B and C
/// @param K columns of A, rows of B
void gemm_01_naive(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K);

/// @ingroup ch08
/// @brief Rung 02, task 8.1: the same sum with the loops in the order i, k, j, so that the
///        inner loop walks along rows of B and C.
/// @param a A, (M, K), row-major
/// @param b B, (K, N), row-major
/// @param c C, (M, N), row-major: overwritten
/// @param M rows of A and C
/// @param N columns of B and C
/// @param K columns of A, rows of B
void gemm_02_loop_order(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K);

/// @ingroup ch08
/// @brief Rung 03, task 8.2: rung 02's loops inside blocks of A, B and C chosen to stay in
///        the caches while they are reused.
/// @param a A, (M, K), row-major
/// @param b B, (K, N), row-major
/// @param c C, (M, N), row-major: overwritten
/// @param M rows of A and C
/// @param N columns of B and C
/// @param K columns of A, rows of B
/// @param blocks the block sizes (each at least 1)
void gemm_03_cache_blocked(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                           const CacheBlocks& blocks = {});

/// @ingroup ch08
/// @brief Task 8.3: copies a block of A (rows x depth) into micro-panels of kTileRows rows.
///
/// Panel t holds rows t kTileRows ... t kTileRows + kTileRows - 1 of the block, stored
/// column after column: for each p < depth, the panel's kTileRows values of column p,
/// one after the other. Panel t starts at packed + t kTileRows depth. Rows past the
/// block's end (in the last panel) are zeros.
/// @param a the block's first entry, inside a row-major matrix
/// @param lda distance between rows of that matrix, in floats
/// @param rows rows of the block
/// @param depth columns of the block
/// @param packed ceil(rows / kTileRows) kTileRows depth floats, written
void pack_a_block(const float* a, std::size_t lda, std::size_t rows, std::size_t depth, float* packed);

/// @ingroup ch08
/// @brief Task 8.3: copies a block of B (depth x cols) into micro-panels of kTileCols columns.
///
/// Panel t holds columns t kTileCols ... t kTileCols + kTileCols - 1 of the block, stored
/// row after row: for each p < depth, the panel's kTileCols values of row p. Panel t
/// starts at packed + t kTileCols depth. Columns past the block's end are zeros.
/// @param b the block's first entry, inside a row-major matrix
/// @param ldb distance between rows of that matrix, in floats
/// @param depth rows of the block
/// @param cols columns of the block
/// @param packed depth ceil(cols / kTileCols) kTileCols floats, written
void pack_b_block(const float* b, std::size_t ldb, std::size_t depth, std::size_t cols, float* packed);

/// @ingroup ch08
/// @brief A micro-kernel: adds the product of one A micro-panel and one B micro-panel,
///        a kTileRows x kTileCols tile, to C, writing only its first `rows` x `cols` entries.
///
/// Its arguments, in order: `depth`, the panels' depth (kc of the block, or less at K's
/// end); `a_panel`, kTileRows depth floats as pack_a_block() writes a panel; `b_panel`,
/// depth kTileCols floats as pack_b_block() writes one; `c`, the tile's first entry in C;
/// `ldc`, the distance between rows of C; `rows` and `cols`, the part of the tile inside C
/// (at most kTileRows and kTileCols).
using MicroKernel = void (*)(std::size_t depth, const float* a_panel, const float* b_panel, float* c, std::size_t ldc,
                             std::size_t rows, std::size_t cols);

/// @ingroup ch08
/// @brief Rung 04's micro-kernel, given: the tile's sum read from C and written back to C
///        at every step of the depth loop.
/// @param depth the panels' depth
/// @param a_panel kTileRows depth floats
/// @param b_panel depth kTileCols floats
/// @param c the tile's first entry in C
/// @param ldc distance between rows of C
/// @param rows rows of the tile inside C
/// @param cols columns of the tile inside C
void micro_kernel_in_memory(std::size_t depth, const float* a_panel, const float* b_panel, float* c, std::size_t ldc,
                            std::size_t rows, std::size_t cols);

/// @ingroup ch08
/// @brief Task 8.5: rung 05's micro-kernel: the tile's kTileRows x kTileCols sums kept in
///        local variables (registers) for the whole depth loop, added to C once.
/// @param depth the panels' depth
/// @param a_panel kTileRows depth floats
/// @param b_panel depth kTileCols floats
/// @param c the tile's first entry in C
/// @param ldc distance between rows of C
/// @param rows rows of the tile inside C
/// @param cols columns of the tile inside C
void micro_kernel_register_tile(std::size_t depth, const float* a_panel, const float* b_panel, float* c,
                                std::size_t ldc, std::size_t rows, std::size_t cols);

/// @ingroup ch08
/// @brief Task 8.4: C += A B with packed blocks: the five loops around a micro-kernel
///        (GotoBLAS's structure; the guide's diagram shows it).
///
/// For each block of B (kc x nc) packed once, each block of A (mc x kc) packed once,
/// every pair of micro-panels goes through `kernel`.
/// @param a A, (M, K), rows lda floats apart
/// @param lda distance between rows of A, at least K
/// @param b B, (K, N), rows ldb floats apart
/// @param ldb distance between rows of B, at least N
/// @param c C, (M, N), rows ldc floats apart: the product is added to it
/// @param ldc distance between rows of C, at least N
/// @param M rows of A and C
/// @param N columns of B and C
/// @param K columns of A, rows of B
/// @param blocks the block sizes: mc a multiple of kTileRows, nc of kTileCols
/// @param kernel the micro-kernel
void packed_gemm(const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                 std::size_t M, std::size_t N, std::size_t K, const CacheBlocks& blocks, MicroKernel kernel);

/// @ingroup ch08
/// @brief Rung 04, given: C = A B by packed_gemm() with micro_kernel_in_memory().
/// @param a A, (M, K), row-major
/// @param b B, (K, N), row-major
/// @param c C, (M, N), row-major: overwritten
/// @param M rows of A and C
/// @param N columns of B and C
/// @param K columns of A, rows of B
/// @param blocks the block sizes: mc a multiple of kTileRows, nc of kTileCols
void gemm_04_packed(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                    const CacheBlocks& blocks = {});

/// @ingroup ch08
/// @brief Rung 05, given: C = A B by packed_gemm() with micro_kernel_register_tile().
/// @param a A, (M, K), row-major
/// @param b B, (K, N), row-major
/// @param c C, (M, N), row-major: overwritten
/// @param M rows of A and C
/// @param N columns of B and C
/// @param K columns of A, rows of B
/// @param blocks the block sizes: mc a multiple of kTileRows, nc of kTileCols
void gemm_05_register_tile(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                           const CacheBlocks& blocks = {});

/// @ingroup ch08
/// @brief Rung 06, task 8.6: rung 05 on several threads, each computing its own band of C.
/// @param a A, (M, K), row-major
/// @param b B, (K, N), row-major
/// @param c C, (M, N), row-major: overwritten
/// @param M rows of A and C
/// @param N columns of B and C
/// @param K columns of A, rows of B
/// @param threads how many threads, 1 to 1024 (else resnet::ShapeError)
/// @param blocks the block sizes: mc a multiple of kTileRows, nc of kTileCols
void gemm_06_threads(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K, int threads,
                     const CacheBlocks& blocks = {});

/// @ingroup ch08
/// @brief One rung, for the demo and the benchmark: its file-style name, its task and a
///        call with the default blocks (and, for rung 06, `threads` threads).
struct Rung {
  std::string name;  ///< "01_naive" ... "06_threads", as in the rung's file name
  std::string task;  ///< the tasks it needs: "given" (rung 01), "8.1", "8.2", "8.3, 8.4", "8.5", "8.6"
  std::function<void(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K)>
      multiply;  ///< C = A B
};

/// @ingroup ch08
/// @brief Every rung in ladder order; rung 06 uses `threads` threads.
/// @param threads threads for rung 06 (at least 1)
std::vector<Rung> ladder_rungs(int threads);

}  // namespace resnet::cpu::ladder
