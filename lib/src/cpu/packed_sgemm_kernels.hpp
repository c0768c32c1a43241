// The micro-kernels of sgemm() and what the driver (sgemm.cpp) needs to know about them.
//
// A micro-kernel multiplies one packed MR x kc micro-panel of A (or MR rows of A read
// where they are stored, see sgemm.cpp) by one packed kc x NR micro-panel of B and writes
// the MR x NR tile  C <- alpha * (A B) + beta * C.
// Packed layouts (written by packed_sgemm_packing.cpp or by a caller's own B packer):
//   A micro-panel: kc groups of MR floats, group p = column p of the MR rows
//   B micro-panel: kc groups of NR floats, group p = row p of the NR columns
// so step p of the kernel reads MR + NR consecutive floats: the rank-1 update
// C_tile += A[:, p] B[p, :] with no strided access at all.
//
// Each SIMD kernel lives in a .cpp of its own, compiled with that instruction set's flags
// (see lib/CMakeLists.txt). This header is shared with those files, so it holds only
// declarations and a plain struct: an inline function or template defined here would be
// compiled once per file with different flags, and the linker would keep any one of the
// copies (an ODR violation that can run AVX-512 code on a CPU without it).
#pragma once

#include <cstddef>

namespace resnet::cpu {
enum class SimdPath;  // resnet/cpu/packed_sgemm.hpp
}

namespace resnet::cpu::detail {

/// C tile (MR x NR, row stride ldc) <- alpha * (A x packed B micro-panel) + beta * C, where
/// A(i, p) = a[i * a_row_step + p * a_column_step]: (1, MR) for a packed A micro-panel,
/// (lda, 1) or (1, lda) for MR full rows of A read where they are stored (see sgemm.cpp).
/// With beta == 0, C is only written, never read (it may hold NaN).
using MicroKernelFunction = void (*)(std::size_t kc, const float* a, std::size_t a_row_step, std::size_t a_column_step,
                                     const float* b_panel, float* c, std::size_t ldc, float alpha, float beta);

/// Packs one B micro-panel from a B stored transposed (N x K, rows ldb apart): rows
/// k0 .. k0 + kc - 1 and columns j0 .. j0 + n - 1 of op(B), as pack_b_panel() does, but
/// with SIMD transposes. A path without one (nullptr) uses pack_b_panel().
using TransposedBPacker = void (*)(const float* b, std::size_t ldb, std::size_t k0, std::size_t kc, std::size_t j0,
                                   std::size_t n, float* panel);

/// A micro-kernel with its register tile (mr x nr) and the cache blocks chosen for it.
struct MicroKernel {
  MicroKernelFunction compute;
  TransposedBPacker pack_b_transposed;  // nullptr: the portable pack_b_panel()
  std::size_t mr;                       // rows of the C tile held in registers
  std::size_t nr;                       // columns of the C tile held in registers
  std::size_t mc;                       // rows of A packed at a time (a multiple of mr): the block that stays in L2
  std::size_t kc;                       // depth of a packed block: a B micro-panel (kc x nr) stays in L1
  std::size_t nc;                       // columns of B packed at a time (a multiple of nr): the block that stays in L3
};

/// The kernel of `path`; std::runtime_error if this build has none for it (AVX2 and
/// AVX-512 outside x86-64). Does not check that the CPU can run it: see packed_sgemm_dispatch.cpp.
const MicroKernel& micro_kernel(SimdPath path);

/// Generic 4-float vectors (8 x 12 on ARM64, 4 x 8 elsewhere), in packed_sgemm_portable.cpp.
const MicroKernel& portable_kernel();

#if defined(__x86_64__)
/// AVX2 + FMA (6 x 16), in packed_sgemm_avx2.cpp.
const MicroKernel& avx2_kernel();
/// AVX-512F (12 x 32), in packed_sgemm_avx512.cpp.
const MicroKernel& avx512_kernel();
#endif

}  // namespace resnet::cpu::detail
