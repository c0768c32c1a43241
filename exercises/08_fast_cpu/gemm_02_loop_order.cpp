// EXERCISE FILE, generated from solutions/08_fast_cpu/gemm_02_loop_order.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
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
  // BEGIN EXERCISE 8.1: replace the next line with your code (./course hint 8.1)
  todo("8.1", "gemm_02_loop_order: C (M, N) = A (M, K) B (K, N), row-major, with the innermost loop walking along rows of B and C");
  // END EXERCISE 8.1
}

}  // namespace resnet::cpu::ladder
