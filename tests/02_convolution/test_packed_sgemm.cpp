// resnet::cpu::sgemm, our packed SIMD GEMM, against a double-precision product, on every
// micro-kernel this CPU can run. Not a chapter exercise: it lives with chapter 2 because
// chapter 2 introduces gemm(), whose contract sgemm() keeps.
//
// The tolerance is the worst-case rounding bound of a float32 dot product, per element:
// computing c = alpha sum_p a_ip b_pj + beta c_old in float32 takes at most K - 1
// roundings in the sum (FMAs round once per step), one per extra block of K that is added
// to C (at most K of them), and three for alpha, beta and the final add. With unit roundoff
// u = 2^-24 (= FLT_EPSILON / 2), each rounding changes a partial sum by at most u times
// its magnitude, which is at most the sum of the magnitudes of its terms, so
//   |c - exact| <= (2K + 3) u (|alpha| sum_p |a_ip b_pj| + |beta c_old|)
//              <= (K + 2) FLT_EPSILON (|alpha| sum_p |a_ip b_pj| + |beta c_old|).
// The inputs are float32 values and the reference uses exactly those values in float64,
// so nothing else differs. Typical errors are far below this bound (they grow like
// sqrt(K), not K); a kernel that drops, repeats or misplaces a term misses it by orders of
// magnitude, since each term is of order 1 / K of the magnitude.
#include <array>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "resnet/error.hpp"
#include "resnet/cpu/packed_sgemm.hpp"
#include "resnet/random.hpp"

using namespace resnet;
using namespace resnet::cpu;

namespace {

// One product to check: shapes, transpositions, scalars, and how much longer than a row
// each leading dimension is.
struct Case {
  std::size_t M, N, K;
  Transpose transpose_a = Transpose::no;
  Transpose transpose_b = Transpose::no;
  float alpha = 1.0f;
  float beta = 0.0f;
  std::size_t pad = 0;  // lda, ldb, ldc exceed their row lengths by this much
};

std::string describe(const Case& test, const SgemmOptions& options) {
  std::ostringstream text;
  text << simd_path_name(options.path) << " kernel, M N K = " << test.M << " " << test.N << " " << test.K << ", A "
       << (test.transpose_a == Transpose::yes ? "transposed" : "as stored") << ", B "
       << (test.transpose_b == Transpose::yes ? "transposed" : "as stored") << ", alpha " << test.alpha << ", beta "
       << test.beta << ", leading dimensions +" << test.pad << ", blocks (mc kc nc) " << options.mc << " " << options.kc
       << " " << options.nc << ", threads " << options.threads;
  return text.str();
}

// A stored matrix of `rows` x `columns` with rows `leading` floats apart, and the accessor
// of op(X)(i, j) for the transposition it is used with.
struct Stored {
  std::vector<float> values;
  std::size_t leading;
  Transpose transpose;
  float at(std::size_t i, std::size_t j) const {
    return transpose == Transpose::no ? values[i * leading + j] : values[j * leading + i];
  }
};

// op(X) is rows x columns; X is stored transposed when `transpose` says so. The padding
// past each row holds NaN: reading it would poison the result.
Stored random_stored(std::size_t rows, std::size_t columns, Transpose transpose, std::size_t pad,
                     Generator& generator) {
  const std::size_t stored_rows = transpose == Transpose::no ? rows : columns;
  const std::size_t stored_columns = transpose == Transpose::no ? columns : rows;
  Stored stored{std::vector<float>(stored_rows * (stored_columns + pad), std::numeric_limits<float>::quiet_NaN()),
                stored_columns + pad, transpose};
  for (std::size_t r = 0; r < stored_rows; ++r) {
    for (std::size_t s = 0; s < stored_columns; ++s) {
      stored.values[r * stored.leading + s] = static_cast<float>(2.0 * generator.uniform() - 1.0);
    }
  }
  return stored;
}

// C before the call: random where beta reads it, NaN where beta = 0 must ignore it, and
// a sentinel in the padding past each row, which sgemm must leave alone.
constexpr float kPaddingSentinel = -12345.0f;

std::vector<float> initial_c(const Case& test, Generator& generator) {
  const std::size_t ldc = test.N + test.pad;
  std::vector<float> c(test.M * ldc, kPaddingSentinel);
  for (std::size_t i = 0; i < test.M; ++i) {
    for (std::size_t j = 0; j < test.N; ++j) {
      c[i * ldc + j] = test.beta == 0.0f ? std::numeric_limits<float>::quiet_NaN()
                                         : static_cast<float>(2.0 * generator.uniform() - 1.0);
    }
  }
  return c;
}

// "" when every element of C is within its rounding bound (see the top of the file) of
// the float64 product and the padding is untouched; otherwise what went wrong, where.
std::string compare_with_reference(const Case& test, const Stored& a, const Stored& b,
                                   const std::vector<float>& c_before, const std::vector<float>& c_after) {
  const std::size_t ldc = test.N + test.pad;
  std::ostringstream report;
  for (std::size_t i = 0; i < test.M; ++i) {
    for (std::size_t j = 0; j < ldc; ++j) {
      const float actual = c_after[i * ldc + j];
      if (j >= test.N) {
        if (actual != kPaddingSentinel) report << "C(" << i << ", " << j << ") past the row end was overwritten; ";
        continue;
      }
      double sum = 0.0;
      double magnitude = 0.0;
      for (std::size_t p = 0; p < test.K; ++p) {
        const double term = static_cast<double>(a.at(i, p)) * static_cast<double>(b.at(p, j));
        sum += term;
        magnitude += std::abs(term);
      }
      const double old_c = test.beta == 0.0f ? 0.0 : static_cast<double>(c_before[i * ldc + j]);
      const double expected = test.alpha * sum + test.beta * old_c;
      const double bound = (static_cast<double>(test.K) + 2.0) * FLT_EPSILON *
                           (std::abs(test.alpha) * magnitude + std::abs(test.beta * old_c));
      const double error = std::abs(static_cast<double>(actual) - expected);
      if (!(error <= bound)) {  // also catches NaN
        report << "C(" << i << ", " << j << ") = " << actual << ", expected " << expected << " (error " << error
               << ", bound " << bound << "); ";
      }
    }
    if (report.tellp() > 2000) break;
  }
  return report.str();
}

// Runs one case with `options` and returns compare_with_reference()'s verdict.
std::string check_case(const SgemmOptions& options, const Case& test, std::uint64_t seed) {
  Generator generator(seed);
  const Stored a = random_stored(test.M, test.K, test.transpose_a, test.pad, generator);
  const Stored b = random_stored(test.K, test.N, test.transpose_b, test.pad, generator);
  const std::vector<float> c_before = initial_c(test, generator);
  std::vector<float> c = c_before;
  sgemm_with(options, test.transpose_a, test.transpose_b, test.M, test.N, test.K, test.alpha, a.values.data(),
             a.leading, b.values.data(), b.leading, test.beta, c.data(), test.N + test.pad);
  return compare_with_reference(test, a, b, c_before, c);
}

SgemmOptions options_for(SimdPath path) {
  SgemmOptions options;
  options.path = path;
  return options;
}

constexpr Transpose kBoth[] = {Transpose::no, Transpose::yes};

}  // namespace

TEST_CASE("sgemm matches a float64 product on odd shapes, every transposition, every path", "[ch02][sgemm][property]") {
  const std::vector<std::array<std::size_t, 3>> shapes = {{1, 1, 1},   {7, 5, 3},   {17, 33, 65}, {6, 16, 256},
                                                          {13, 1, 40}, {1, 29, 17}, {64, 48, 9}};
  for (SimdPath path : available_simd_paths()) {
    for (const auto& [M, N, K] : shapes) {
      for (Transpose transpose_a : kBoth) {
        for (Transpose transpose_b : kBoth) {
          const Case test{M, N, K, transpose_a, transpose_b, 1.0f, 0.0f, 0};
          INFO(describe(test, options_for(path)));
          CHECK(check_case(options_for(path), test, 1000 + M * 7 + N * 3 + K) == "");
        }
      }
    }
  }
}

TEST_CASE("sgemm scales by alpha, accumulates with beta and ignores C's NaN when beta is 0",
          "[ch02][sgemm][property]") {
  const std::vector<std::pair<float, float>> scalars = {
      {1.0f, 0.0f}, {1.0f, 1.0f}, {-0.5f, 2.0f}, {3.0f, 0.0f}, {0.25f, -1.0f}};
  for (SimdPath path : available_simd_paths()) {
    for (const auto& [alpha, beta] : scalars) {
      for (Transpose transpose_a : kBoth) {
        const Case test{23, 37, 300, transpose_a, Transpose::yes, alpha, beta, 0};  // K = 300: two K blocks
        INFO(describe(test, options_for(path)));
        CHECK(check_case(options_for(path), test, 7) == "");
      }
    }
  }
}

TEST_CASE("sgemm reads and writes through leading dimensions longer than the rows", "[ch02][sgemm][property]") {
  for (SimdPath path : available_simd_paths()) {
    for (Transpose transpose_a : kBoth) {
      for (Transpose transpose_b : kBoth) {
        const Case test{19, 21, 23, transpose_a, transpose_b, 1.5f, 0.5f, 5};
        INFO(describe(test, options_for(path)));
        CHECK(check_case(options_for(path), test, 11) == "");
      }
    }
  }
}

TEST_CASE("sgemm is right when every block loop runs several times and ends in a partial block",
          "[ch02][sgemm][property]") {
  // 300 x 260 x 520: with the default blocks M spans 2-3 MC blocks and K 2-4 KC blocks;
  // the small blocks also split N (NC = 4 NR) and end every loop with a remainder.
  for (SimdPath path : available_simd_paths()) {
    const BlockSizes defaults = block_sizes(path);
    SgemmOptions small_blocks = options_for(path);
    small_blocks.mc = 3 * defaults.mr;
    small_blocks.kc = 50;
    small_blocks.nc = 4 * defaults.nr;
    for (const SgemmOptions& options : {options_for(path), small_blocks}) {
      for (Transpose transpose_a : kBoth) {
        for (Transpose transpose_b : kBoth) {
          const Case test{300, 260, 520, transpose_a, transpose_b, 1.0f, 1.0f, 3};
          INFO(describe(test, options));
          CHECK(check_case(options, test, 21) == "");
        }
      }
    }
  }
}

TEST_CASE("sgemm is right whether it packs A (many B panels) or reads A in place (few)", "[ch02][sgemm][property]") {
  // sgemm.cpp reads A where it is stored when a block of B has at most 16 micro-panels,
  // except the last, partial, A panel, which it packs: N = 2 NR + 3 takes that way,
  // N = 20 NR + 3 the packed one. M = 4 MR + 1 ends in a partial A panel.
  for (SimdPath path : available_simd_paths()) {
    const BlockSizes blocks = block_sizes(path);
    for (std::size_t N : {2 * blocks.nr + 3, 20 * blocks.nr + 3}) {
      for (Transpose transpose_a : kBoth) {
        const Case test{4 * blocks.mr + 1, N, 70, transpose_a, Transpose::no, 1.0f, 0.0f, 2};
        INFO(describe(test, options_for(path)));
        CHECK(check_case(options_for(path), test, 41) == "");
      }
    }
  }
}

TEST_CASE("sgemm gives the same answer on several threads", "[ch02][sgemm][property]") {
  for (SimdPath path : available_simd_paths()) {
    for (int threads : {1, 2, 3}) {
      SgemmOptions options = options_for(path);
      options.threads = threads;
      options.mc = 2 * block_sizes(path).mr;  // several A blocks, so the team repacks A between barriers
      options.kc = 64;
      const Case test{97, 131, 150, Transpose::no, Transpose::no, 1.0f, 0.0f, 0};
      INFO(describe(test, options));
      CHECK(check_case(options, test, 31) == "");
    }
  }
}

TEST_CASE("sgemm takes its B panels from a caller's packer", "[ch02][sgemm][property]") {
  // B(p, j) = f(p, j) is never stored: the packer computes each panel on request, as a
  // convolution will pack its input windows. The result must equal the stored-B product.
  const std::size_t M = 29, N = 45, K = 70;
  auto entry_of_b = [](std::size_t p, std::size_t j) {
    return static_cast<float>((p * 7 + j * 3) % 11) / 11.0f - 0.5f;
  };
  std::vector<float> b(K * N);
  for (std::size_t p = 0; p < K; ++p) {
    for (std::size_t j = 0; j < N; ++j) b[p * N + j] = entry_of_b(p, j);
  }
  Generator generator(5);
  std::vector<float> a(M * K);
  for (float& value : a) value = static_cast<float>(2.0 * generator.uniform() - 1.0);

  for (SimdPath path : available_simd_paths()) {
    INFO(simd_path_name(path) << " kernel");
    SgemmOptions options = options_for(path);
    options.kc = 32;  // three K blocks: the packer is asked for row offsets 0, 32, 64
    const BPanelPacker pack_from_formula = [&](std::size_t k0, std::size_t kc, std::size_t j0, std::size_t n,
                                               std::size_t nr, float* panel) {
      for (std::size_t p = 0; p < kc; ++p) {
        for (std::size_t j = 0; j < nr; ++j) panel[p * nr + j] = j < n ? entry_of_b(k0 + p, j0 + j) : 0.0f;
      }
    };
    std::vector<float> from_packer(M * N, std::numeric_limits<float>::quiet_NaN());
    std::vector<float> from_stored(M * N, std::numeric_limits<float>::quiet_NaN());
    sgemm_packed_b(options, Transpose::no, M, N, K, 1.0f, a.data(), K, pack_from_formula, 0.0f, from_packer.data(), N);
    sgemm_with(options, Transpose::no, Transpose::no, M, N, K, 1.0f, a.data(), K, b.data(), N, 0.0f, from_stored.data(),
               N);
    CHECK(from_packer == from_stored);  // the same panels in the same order: bit for bit
  }
}

TEST_CASE("sgemm with alpha = 0 or K = 0 only scales C and reads neither A nor B", "[ch02][sgemm][property]") {
  for (SimdPath path : available_simd_paths()) {
    INFO(simd_path_name(path) << " kernel");
    std::vector<float> c = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
    sgemm_with(options_for(path), Transpose::no, Transpose::no, 2, 3, 4, 0.0f, nullptr, 4, nullptr, 3, 2.0f, c.data(),
               3);
    CHECK(c == std::vector<float>{2.0f, 4.0f, 6.0f, 8.0f, 10.0f, 12.0f});
    std::vector<float> garbage(6, std::numeric_limits<float>::quiet_NaN());
    sgemm_with(options_for(path), Transpose::no, Transpose::no, 2, 3, 0, 1.0f, nullptr, 1, nullptr, 3, 0.0f,
               garbage.data(), 3);
    CHECK(garbage == std::vector<float>(6, 0.0f));
  }
}

TEST_CASE("sgemm rejects a leading dimension shorter than the row it steps over", "[ch02][sgemm][errors]") {
  std::vector<float> a(12), b(12), c(9);
  CHECK_THROWS_AS(sgemm(Transpose::no, Transpose::no, 3, 3, 4, 1.0f, a.data(), 3, b.data(), 3, 0.0f, c.data(), 3),
                  ShapeError);  // lda = 3 < K = 4
  CHECK_THROWS_AS(sgemm(Transpose::no, Transpose::yes, 3, 3, 4, 1.0f, a.data(), 4, b.data(), 3, 0.0f, c.data(), 3),
                  ShapeError);  // B stored (N, K): ldb = 3 < K = 4
  CHECK_THROWS_AS(sgemm(Transpose::no, Transpose::no, 3, 3, 4, 1.0f, a.data(), 4, b.data(), 3, 0.0f, c.data(), 2),
                  ShapeError);  // ldc = 2 < N = 3
}

TEST_CASE("sgemm's default path is one this CPU can run, and a missing one is refused, not crashed on",
          "[ch02][sgemm][dispatch]") {
  CHECK(simd_path_available(default_simd_path()));
  CHECK(simd_path_available(SimdPath::portable));
  std::vector<float> a(4, 1.0f), b(4, 1.0f), c(4);
  for (SimdPath path : {SimdPath::avx2, SimdPath::avx512}) {
    if (simd_path_available(path)) continue;
    // The tests above could not check this kernel's numbers on this machine: say so.
    WARN("not tested here: the " << simd_path_name(path) << " kernel (this CPU cannot run it)");
    CHECK_THROWS_AS(sgemm_with(options_for(path), Transpose::no, Transpose::no, 2, 2, 2, 1.0f, a.data(), 2, b.data(), 2,
                               0.0f, c.data(), 2),
                    std::runtime_error);
  }
}
