// EXERCISE FILE, generated from solutions/08_fast_cpu/gemm_01_naive.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 8, CPU GEMM ladder rung 01, given: the textbook triple loop (see
// chapters/08_fast_cpu/README.md).
//
// C = A B with A (M, K), B (K, N), C (M, N), row-major:
//     c[i, j] = sum over k of a[i, k] b[k, j].
// Every rung after this one computes exactly this sum; what changes is the order in which
// the machine fetches the numbers. Chapter 1 (task 1.5) asked why this loop order is slow;
// the guide's task 8.1 asks again, with this machine's caches in view. Measured in
// bench/results/cpu_gemm_ladder.md.
#include "resnet/cpu/gemm_ladder.hpp"

namespace resnet::cpu::ladder {

void gemm_01_naive(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K) {
  for (std::size_t i = 0; i < M; ++i) {
    for (std::size_t j = 0; j < N; ++j) {
      float sum = 0.0f;
      for (std::size_t k = 0; k < K; ++k) sum += a[i * K + k] * b[k * N + j];
      c[i * N + j] = sum;
    }
  }
}

}  // namespace resnet::cpu::ladder
