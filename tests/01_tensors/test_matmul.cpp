// Task 1.5: the naive matrix multiply, checked against BLAS and PyTorch.
#include <catch2/catch.hpp>
#include <xtensor/xtensor.hpp>

#include "resnet/error.hpp"
#include "resnet/ops/matmul.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::load_golden;
namespace tolerance = resnet::testing::tolerance;

TEST_CASE("matmul_naive of a hand example", "[ch01][matmul][hand][1.5]") {
  const xt::xtensor<double, 2> a = {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};       // (2, 3)
  const xt::xtensor<double, 2> b = {{7.0, 8.0}, {9.0, 10.0}, {11.0, 12.0}};  // (3, 2)
  const xt::xtensor<double, 2> expected = {{58.0, 64.0}, {139.0, 154.0}};
  CHECK_THAT(matmul_naive(a, b), AllClose(expected, tolerance::exact));
}

TEMPLATE_TEST_CASE("matmul_naive matches torch.matmul on awkward sizes", "[ch01][matmul][golden][1.5]", float, double) {
  const auto a = load_golden<TestType, 2>("ch01/matmul_a.npy");  // (7, 13)
  const auto b = load_golden<TestType, 2>("ch01/matmul_b.npy");  // (13, 5)
  const auto expected = load_golden<double, 2>("ch01/matmul_expected.npy");
  const auto tolerance = std::is_same_v<TestType, float> ? tolerance::matmul_float32 : tolerance::float64;
  CHECK_THAT(matmul_naive(a, b), AllClose(expected, tolerance));
  CHECK_THAT(matmul_blas(a, b), AllClose(expected, tolerance));
}

TEST_CASE("matmul_naive and BLAS agree exactly on integer-valued data", "[ch01][matmul][property][1.5]") {
  // Entries in -4..4 and K = 96: every product and partial sum is an integer below 2^24,
  // so float32 represents each one exactly and any difference at all is a bug.
  Generator generator(5);
  auto integers = [&](std::size_t rows, std::size_t columns) {
    xt::xtensor<float, 2> m({rows, columns});
    for (float& value : m) value = static_cast<float>(static_cast<int>(generator.below(9)) - 4);
    return m;
  };
  const auto a = integers(33, 96);
  const auto b = integers(96, 65);
  INFO(
      "integer entries in -4..4 and K = 96: every product and partial sum is an integer below 2^24, which float32 "
      "holds exactly, so the order of the additions cannot matter and any difference from BLAS is a bug (a wrong "
      "index, a missed term), not rounding");
  CHECK_THAT(matmul_naive(a, b), AllClose(matmul_blas(a, b), tolerance::exact));
}

TEST_CASE("matmul_naive agrees with BLAS on random float32 matrices", "[ch01][matmul][property][1.5]") {
  Generator generator(6);
  const auto a = random_uniform<float, 2>({64, 256}, generator, -1.0, 1.0);
  const auto b = random_uniform<float, 2>({256, 48}, generator, -1.0, 1.0);
  const xt::xtensor<double, 2> a64 = a, b64 = b;
  const auto reference = matmul_blas(a64, b64);  // float64, the same inputs
  INFO(
      "the reference is the float64 product of the same inputs; a float32 sum of 256 products may differ from it "
      "only by float32 rounding; a wrong index or a missed term gives errors of order 1, far outside");
  CHECK_THAT(matmul_naive(a, b), AllClose(reference, tolerance::matmul_float32));
  CHECK_THAT(matmul_blas(a, b), AllClose(reference, tolerance::matmul_float32));
}

TEST_CASE("matmul rejects matrices whose inner sizes differ", "[ch01][matmul][error][1.5]") {
  const xt::xtensor<float, 2> a = xt::ones<float>({2, 3});
  const xt::xtensor<float, 2> b = xt::ones<float>({4, 2});
  CHECK_THROWS_AS(matmul_naive(a, b), ShapeError);
  CHECK_THROWS_WITH(matmul_naive(a, b), Catch::Contains("(2, 3)") && Catch::Contains("(4, 2)"));
  CHECK_THROWS_AS(matmul_blas(a, b), ShapeError);
}
