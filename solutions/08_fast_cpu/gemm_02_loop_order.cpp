// Chapter 8, CPU GEMM ladder rung 02, task 8.1: the loop order (see
// chapters/08_fast_cpu/README.md).
//
// The same sums as rung 01, c[i, j] = sum over k of a[i, k] b[k, j], computed in another
// order. What changed: the innermost loop now runs along rows of B and C, neighbouring
// floats, so every cache line fetched is used whole, and the compiler turns the loop into
// SIMD instructions (several j at once).
#include "resnet/cpu/gemm_ladder.hpp"
#include "resnet/exercise.hpp"

namespace resnet::cpu::ladder {

void gemm_02_loop_order(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K) {
  // BEGIN SOLUTION 8.1 gemm_02_loop_order: C (M, N) = A (M, K) B (K, N), row-major, with the innermost loop walking along rows of B and C
  for (std::size_t i = 0; i < M; ++i) {
    float* c_row = c + i * N;
    for (std::size_t j = 0; j < N; ++j) c_row[j] = 0.0f;
    for (std::size_t k = 0; k < K; ++k) {
      // Row i of C gains a[i, k] times row k of B.
      const float a_ik = a[i * K + k];
      const float* b_row = b + k * N;
      for (std::size_t j = 0; j < N; ++j) c_row[j] += a_ik * b_row[j];
    }
  }
  // END SOLUTION
}

}  // namespace resnet::cpu::ladder
