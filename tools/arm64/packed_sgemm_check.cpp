// The portable path of cpu::sgemm on ARM64: built for aarch64 and run under qemu-aarch64 by
// tools/arm64/check_packed_sgemm.sh, against a double-precision reference with the same
// worst-case bound as tests/02_convolution/test_packed_sgemm.cpp: (K + 2) eps sum of magnitudes.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "resnet/cpu/packed_sgemm.hpp"

using resnet::Transpose;

int main() {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  const size_t shapes[][3] = {{1, 1, 1}, {7, 5, 3}, {17, 33, 65}, {300, 260, 520}, {64, 9, 577}, {13, 100, 8}};
  int failures = 0, checks = 0;
  for (auto& s : shapes) {
    const size_t M = s[0], N = s[1], K = s[2];
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (float beta : {0.0f, 1.0f}) {
          std::vector<float> a(M * K), b(K * N), c(M * N), c0(M * N);
          for (auto& v : a) v = u(rng);
          for (auto& v : b) v = u(rng);
          for (auto& v : c0) v = u(rng);
          c = c0;
          if (beta == 0)
            for (auto& v : c) v = NAN;
          const size_t lda = ta ? M : K, ldb = tb ? K : N;
          resnet::cpu::sgemm(ta ? Transpose::yes : Transpose::no, tb ? Transpose::yes : Transpose::no, M, N, K, 1.5f,
                             a.data(), lda, b.data(), ldb, beta, c.data(), N);
          for (size_t i = 0; i < M; ++i)
            for (size_t j = 0; j < N; ++j) {
              double sum = 0, mag = 0;
              for (size_t k = 0; k < K; ++k) {
                const double x = ta ? a[k * M + i] : a[i * K + k], y = tb ? b[j * K + k] : b[k * N + j];
                sum += x * y;
                mag += std::fabs(x * y);
              }
              const double expected = 1.5 * sum + beta * c0[i * N + j];
              const double bound = (K + 2) * 1.2e-7 * (1.5 * mag + std::fabs(beta * c0[i * N + j])) + 1e-30;
              ++checks;
              if (!(std::fabs(c[i * N + j] - expected) <= bound)) ++failures;
            }
        }
  }
  std::printf("path %s: %d of %d entries outside the bound\n",
              resnet::cpu::simd_path_name(resnet::cpu::default_simd_path()), failures, checks);
  return failures != 0;
}
