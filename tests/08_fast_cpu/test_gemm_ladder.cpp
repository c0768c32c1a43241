// Chapter 8: the CPU GEMM ladder. Every rung against a double-precision product, exactly
// on small integers (every sum is then exact in float32, in any order) and within the
// float32 rounding bound on random data; the packing layouts entry by entry; the blocked
// rungs on small blocks, so that small matrices cross many block edges; rung 06 against
// rung 05 bit for bit, since each band adds its terms in the same order.
//
// The bound on random data: a float32 dot product of K terms rounds at most K - 1 times in
// the sum and once per product (rungs without FMA), each time by at most u = 2^-24 of a
// partial sum no larger than sum_p |a_ip b_pj|; so
//   |c - exact| <= (K + 2) FLT_EPSILON sum_p |a_ip b_pj|   (FLT_EPSILON = 2u),
// a bound typical errors stay far below, and that a dropped or repeated term misses.
#include <cfloat>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "resnet/cpu/gemm_ladder.hpp"
#include "resnet/error.hpp"
#include "resnet/random.hpp"

using namespace resnet;
using namespace resnet::cpu::ladder;

namespace {

using Multiply = std::function<void(const float*, const float*, float*, std::size_t, std::size_t, std::size_t)>;

struct Shape {
  std::size_t M, N, K;
};

// Shapes off every tile and SIMD width: single entries, thin rows and columns, primes; and
// empty ones (K = 0 must still leave C all zeros).
const std::vector<Shape> kShapes = {{1, 1, 1},    {1, 17, 3}, {13, 1, 9}, {3, 5, 7}, {17, 13, 29},
                                    {37, 70, 41}, {0, 5, 3},  {4, 0, 3},  {4, 5, 0}};

// Small blocks (for rungs 04-06: mc a multiple of kTileRows, nc of kTileCols), so that a
// 37 x 70 product crosses several blocks in every direction with partial last blocks.
const CacheBlocks kSmallBlocks{8, 5, 16};

std::vector<float> integer_matrix(std::size_t count, Generator& generator) {
  std::vector<float> values(count);
  for (float& value : values) value = static_cast<float>(static_cast<int>(generator.uniform() * 7.0) - 3);
  return values;
}

std::vector<float> random_matrix(std::size_t count, Generator& generator) {
  std::vector<float> values(count);
  for (float& value : values) value = static_cast<float>(2.0 * generator.uniform() - 1.0);
  return values;
}

// C = A B in double, and the rounding bound of each entry: (K + 2) FLT_EPSILON sum |a b|.
void reference_product(const std::vector<float>& a, const std::vector<float>& b, const Shape& s,
                       std::vector<double>& exact, std::vector<double>& bound) {
  exact.assign(s.M * s.N, 0.0);
  bound.assign(s.M * s.N, 0.0);
  for (std::size_t i = 0; i < s.M; ++i) {
    for (std::size_t j = 0; j < s.N; ++j) {
      double sum = 0.0, magnitude = 0.0;
      for (std::size_t k = 0; k < s.K; ++k) {
        const double term = static_cast<double>(a[i * s.K + k]) * static_cast<double>(b[k * s.N + j]);
        sum += term;
        magnitude += std::abs(term);
      }
      exact[i * s.N + j] = sum;
      bound[i * s.N + j] = static_cast<double>(s.K + 2) * FLT_EPSILON * magnitude;
    }
  }
}

// Runs `multiply` on C filled with NaN (every rung must overwrite C) and returns "" when
// every entry is within its bound (exact when `exact_data`), else a description of the worst.
std::string product_error(const Multiply& multiply, const Shape& s, bool exact_data) {
  Generator generator(s.M * 1000 + s.N * 10 + s.K);
  const std::vector<float> a = exact_data ? integer_matrix(s.M * s.K, generator) : random_matrix(s.M * s.K, generator);
  const std::vector<float> b = exact_data ? integer_matrix(s.K * s.N, generator) : random_matrix(s.K * s.N, generator);
  std::vector<double> exact, bound;
  reference_product(a, b, s, exact, bound);
  std::vector<float> c(s.M * s.N, std::numeric_limits<float>::quiet_NaN());
  multiply(a.data(), b.data(), c.data(), s.M, s.N, s.K);
  for (std::size_t index = 0; index < c.size(); ++index) {
    const double difference = std::abs(static_cast<double>(c[index]) - exact[index]);
    const double allowed = exact_data ? 0.0 : bound[index];
    if (!(difference <= allowed)) {  // NaN fails too
      std::ostringstream text;
      text << "(M, N, K) = (" << s.M << ", " << s.N << ", " << s.K << "): C[" << index / s.N << ", " << index % s.N
           << "] = " << c[index] << ", expected " << exact[index] << " (allowed difference " << allowed << ")";
      return text.str();
    }
  }
  return "";
}

void check_rung(const Multiply& multiply) {
  for (const Shape& shape : kShapes) {
    CHECK(product_error(multiply, shape, /*exact_data=*/true) == "");
    CHECK(product_error(multiply, shape, /*exact_data=*/false) == "");
  }
}

// Runs `kernel` on integer panels of `depth` into a C of kTileRows rows of `ldc` entries,
// all 2 before, with the tile cut to rows x cols by C's edges: the entries inside must gain
// exactly the panels' product, every other entry must stay 2.
void check_micro_kernel(MicroKernel kernel, std::size_t depth, std::size_t ldc, std::size_t rows, std::size_t cols) {
  Generator generator(depth * 100 + rows * 10 + cols);
  const std::vector<float> a_panel = integer_matrix(kTileRows * depth, generator);
  const std::vector<float> b_panel = integer_matrix(depth * kTileCols, generator);
  std::vector<float> c(kTileRows * ldc, 2.0f);
  kernel(depth, a_panel.data(), b_panel.data(), c.data(), ldc, rows, cols);
  for (std::size_t i = 0; i < kTileRows; ++i) {
    for (std::size_t j = 0; j < ldc; ++j) {
      float expected = 2.0f;
      if (i < rows && j < cols) {
        for (std::size_t p = 0; p < depth; ++p) expected += a_panel[p * kTileRows + i] * b_panel[p * kTileCols + j];
      }
      INFO("C[" << i << ", " << j << "]");
      CHECK(c[i * ldc + j] == expected);
    }
  }
}

}  // namespace

TEST_CASE("rung 01 (given) computes C = A B", "[ch08][gemm_ladder][hand]") { check_rung(gemm_01_naive); }

TEST_CASE("rung 02, the i-k-j loop order, computes C = A B and overwrites C", "[ch08][gemm_ladder][8.1]") {
  check_rung(gemm_02_loop_order);
}

TEST_CASE("rung 03, cache blocking, computes C = A B with default and with small blocks", "[ch08][gemm_ladder][8.2]") {
  check_rung([](const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K) {
    gemm_03_cache_blocked(a, b, c, M, N, K);
  });
  // Blocks of odd sizes: rung 03 does not need whole tiles.
  check_rung([](const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K) {
    gemm_03_cache_blocked(a, b, c, M, N, K, CacheBlocks{3, 7, 5});
  });
}

TEST_CASE("pack_a_block stores panels of kTileRows rows column by column, zero past the block",
          "[ch08][gemm_ladder][8.3]") {
  // A 6 x 5 matrix holding 10 i + p at (i, p); the block is rows 1..5 and columns 1..3.
  const std::size_t lda = 5, rows = 5, depth = 3;
  std::vector<float> a(6 * lda);
  for (std::size_t i = 0; i < 6; ++i) {
    for (std::size_t p = 0; p < lda; ++p) a[i * lda + p] = static_cast<float>(10 * i + p);
  }
  const std::size_t panels = (rows + kTileRows - 1) / kTileRows;
  std::vector<float> packed(panels * kTileRows * depth, -1.0f);
  pack_a_block(a.data() + 1 * lda + 1, lda, rows, depth, packed.data());
  for (std::size_t panel = 0; panel < panels; ++panel) {
    for (std::size_t p = 0; p < depth; ++p) {
      for (std::size_t i = 0; i < kTileRows; ++i) {
        const std::size_t row = panel * kTileRows + i;  // row of the block
        const float expected = row < rows ? static_cast<float>(10 * (row + 1) + (p + 1)) : 0.0f;
        INFO("panel " << panel << ", step " << p << ", row " << i);
        CHECK(packed[panel * kTileRows * depth + p * kTileRows + i] == expected);
      }
    }
  }
}

TEST_CASE("pack_b_block stores panels of kTileCols columns row by row, zero past the block",
          "[ch08][gemm_ladder][8.3]") {
  // A 4 x 13 matrix holding 100 p + j at (p, j); the block is rows 1..3 and columns 2..12.
  const std::size_t ldb = 13, depth = 3, cols = 11;
  std::vector<float> b(4 * ldb);
  for (std::size_t p = 0; p < 4; ++p) {
    for (std::size_t j = 0; j < ldb; ++j) b[p * ldb + j] = static_cast<float>(100 * p + j);
  }
  const std::size_t panels = (cols + kTileCols - 1) / kTileCols;
  std::vector<float> packed(panels * kTileCols * depth, -1.0f);
  pack_b_block(b.data() + 1 * ldb + 2, ldb, depth, cols, packed.data());
  for (std::size_t panel = 0; panel < panels; ++panel) {
    for (std::size_t p = 0; p < depth; ++p) {
      for (std::size_t j = 0; j < kTileCols; ++j) {
        const std::size_t col = panel * kTileCols + j;  // column of the block
        const float expected = col < cols ? static_cast<float>(100 * (p + 1) + (col + 2)) : 0.0f;
        INFO("panel " << panel << ", step " << p << ", column " << j);
        CHECK(packed[panel * kTileCols * depth + p * kTileCols + j] == expected);
      }
    }
  }
}

TEST_CASE("rung 04, packed blocks around a micro-kernel, computes C = A B with default and small blocks",
          "[ch08][gemm_ladder][8.4]") {
  check_rung([](const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K) {
    gemm_04_packed(a, b, c, M, N, K);
  });
  check_rung([](const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K) {
    gemm_04_packed(a, b, c, M, N, K, kSmallBlocks);
  });
}

TEST_CASE("packed_gemm adds A B to a block of a larger C and leaves the rest alone", "[ch08][gemm_ladder][8.4]") {
  // A (13 x 11) and B (11 x 19) inside wider matrices, C's block 13 x 19 inside a 15 x 22
  // matrix of 1s: with the small blocks (8, 5, 16) every block loop runs more than once, so
  // a block's start that used K or N instead of lda, ldb or ldc would be caught.
  const std::size_t M = 13, N = 19, K = 11, lda = 14, ldb = 21, ldc = 22, c_rows = M + 2;
  Generator generator(4);
  const std::vector<float> a = integer_matrix(M * lda, generator), b = integer_matrix(K * ldb, generator);
  std::vector<float> c(c_rows * ldc, 1.0f);
  packed_gemm(a.data(), lda, b.data(), ldb, c.data() + ldc + 2, ldc, M, N, K, kSmallBlocks, micro_kernel_in_memory);
  for (std::size_t row = 0; row < c_rows; ++row) {
    for (std::size_t col = 0; col < ldc; ++col) {
      float expected = 1.0f;
      if (row >= 1 && row < 1 + M && col >= 2 && col < 2 + N) {
        for (std::size_t k = 0; k < K; ++k) expected += a[(row - 1) * lda + k] * b[k * ldb + (col - 2)];
      }
      INFO("C[" << row << ", " << col << "]");
      CHECK(c[row * ldc + col] == expected);
    }
  }
}

TEST_CASE("micro_kernel_register_tile adds the panels' product to the tile's entries inside C only",
          "[ch08][gemm_ladder][8.5]") {
  check_micro_kernel(micro_kernel_register_tile, /*depth=*/4, /*ldc=*/10, /*rows=*/3, /*cols=*/5);
}

TEST_CASE("rung 05, the register tile, computes C = A B with default and small blocks", "[ch08][gemm_ladder][8.5]") {
  check_rung([](const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K) {
    gemm_05_register_tile(a, b, c, M, N, K);
  });
  check_rung([](const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K) {
    gemm_05_register_tile(a, b, c, M, N, K, kSmallBlocks);
  });
}

TEST_CASE("rung 06 equals rung 05 bit for bit on 1, 2, 3 and more threads than tile rows", "[ch08][gemm_ladder][8.6]") {
  for (int threads : {1, 2, 3, 16}) {
    for (const Shape& s : kShapes) {
      Generator generator(6);
      const std::vector<float> a = random_matrix(s.M * s.K, generator), b = random_matrix(s.K * s.N, generator);
      std::vector<float> single(s.M * s.N), threaded(s.M * s.N, std::numeric_limits<float>::quiet_NaN());
      gemm_05_register_tile(a.data(), b.data(), single.data(), s.M, s.N, s.K, kSmallBlocks);
      gemm_06_threads(a.data(), b.data(), threaded.data(), s.M, s.N, s.K, threads, kSmallBlocks);
      INFO(threads << " threads, (M, N, K) = (" << s.M << ", " << s.N << ", " << s.K << ")");
      CHECK(threaded == single);
    }
  }
}

TEST_CASE("the blocked rungs refuse block sizes they cannot use, naming the rung", "[ch08][gemm_ladder][error]") {
  std::vector<float> a(16, 1.0f), b(16, 1.0f), c(16);
  CHECK_THROWS_WITH(gemm_03_cache_blocked(a.data(), b.data(), c.data(), 4, 4, 4, CacheBlocks{0, 4, 4}),
                    Catch::Contains("gemm_03_cache_blocked") && Catch::Contains("at least 1"));
  CHECK_THROWS_WITH(gemm_04_packed(a.data(), b.data(), c.data(), 4, 4, 4, CacheBlocks{6, 4, 8}),
                    Catch::Contains("packed_gemm") && Catch::Contains("multiple of kTileRows"));
  CHECK_THROWS_AS(gemm_05_register_tile(a.data(), b.data(), c.data(), 4, 4, 4, CacheBlocks{4, 4, 12}), ShapeError);
  CHECK_THROWS_WITH(gemm_06_threads(a.data(), b.data(), c.data(), 4, 4, 4, 0), Catch::Contains("1 to 1024, got 0"));
  CHECK_THROWS_AS(gemm_06_threads(a.data(), b.data(), c.data(), 4, 4, 4, 100000), ShapeError);
}

TEST_CASE("micro_kernel_in_memory (given) adds the panels' product to the tile inside C", "[ch08][gemm_ladder][hand]") {
  check_micro_kernel(micro_kernel_in_memory, /*depth=*/3, /*ldc=*/9, /*rows=*/2, /*cols=*/7);
}

TEST_CASE("the ladder lists its six rungs in order", "[ch08][gemm_ladder][hand]") {
  const std::vector<Rung> rungs = ladder_rungs(2);
  REQUIRE(rungs.size() == 6);
  CHECK(rungs.front().name == "01_naive");
  CHECK(rungs.back().name == "06_threads");
  CHECK(rungs[3].task == "8.3, 8.4");
}
