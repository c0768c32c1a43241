// Task 2.6: im2col lays windows out as columns; col2im adds them back.
#include <catch2/catch.hpp>
#include <xtensor/xmath.hpp>

#include "resnet/error.hpp"
#include "resnet/ops/im2col.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"

using namespace resnet;
using resnet::testing::AllClose;
namespace tolerance = resnet::testing::tolerance;

TEST_CASE("im2col of a 3x3 image with a 2x2 window, by hand", "[ch02][im2col][hand][2.6]") {
  // x = 1 2 3 / 4 5 6 / 7 8 9; four windows (p, q) = (0,0) (0,1) (1,0) (1,1).
  const xt::xtensor<double, 4> x = {{{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}}};
  const WindowShape shape = conv2d_shape("test", x.shape(), {1, 1, 2, 2}, 1, 0);
  // Row (r, s) lists what kernel entry (r, s) sees in each window.
  const xt::xtensor<double, 2> expected = {{1, 2, 4, 5},   // (0, 0)
                                           {2, 3, 5, 6},   // (0, 1)
                                           {4, 5, 7, 8},   // (1, 0)
                                           {5, 6, 8, 9}};  // (1, 1)
  CHECK_THAT(im2col(x, shape), AllClose(expected, tolerance::exact));
}

TEST_CASE("im2col puts zeros where a window hangs over the padding", "[ch02][im2col][hand][2.6]") {
  const xt::xtensor<double, 4> x = {{{{1, 2}, {3, 4}}}};
  const WindowShape shape = conv2d_shape("test", x.shape(), {1, 1, 2, 2}, 2, 1);  // P = Q = 2
  // Windows start at (-1,-1), (-1,1), (1,-1), (1,1): each holds one real pixel.
  const xt::xtensor<double, 2> expected = {
      {0, 0, 0, 4},
      {0, 0, 3, 0},
      {0, 2, 0, 0},
      {1, 0, 0, 0},
  };
  CHECK_THAT(im2col(x, shape), AllClose(expected, tolerance::exact));
}

TEST_CASE("col2im adds up the entries of overlapping windows", "[ch02][im2col][hand][2.6]") {
  // All-ones columns for a 3x3 image and a 2x2 window: col2im counts, for every pixel, the
  // windows that cover it: the corners 1, the edges 2, the centre 4.
  const WindowShape shape = conv2d_shape("test", {1, 1, 3, 3}, {1, 1, 2, 2}, 1, 0);
  const xt::xtensor<double, 2> ones = xt::ones<double>({4, 4});
  const xt::xtensor<double, 4> expected = {{{{1, 2, 1}, {2, 4, 2}, {1, 2, 1}}}};
  CHECK_THAT(col2im(ones, shape), AllClose(expected, tolerance::exact));
}

TEST_CASE("col2im is the adjoint of im2col", "[ch02][im2col][property][2.6]") {
  // <im2col(x), Y> = <x, col2im(Y)> for every x and Y: col2im is im2col's transpose, which
  // is exactly why the backward pass of a convolution uses it.
  Generator generator(22);
  for (const auto& [stride, padding] : {std::pair<std::size_t, std::size_t>{1, 1}, {2, 1}, {2, 0}, {1, 3}}) {
    const WindowShape shape = conv2d_shape("test", {2, 3, 7, 6}, {4, 3, 3, 3}, stride, padding);
    const auto x = random_normal<double, 4>(shape.input_shape(), generator);
    const auto columns = im2col(x, shape);
    const auto y = random_normal<double, 2>({columns.shape()[0], columns.shape()[1]}, generator);
    const double left = xt::sum(columns * y)();
    const double right = xt::sum(x * col2im(y, shape))();
    INFO("stride "
         << stride << ", padding " << padding << ": <im2col(x), Y> = " << left << " but <x, col2im(Y)> = " << right
         << "; they must agree (col2im is the transpose of im2col) because col2im must add each column "
            "entry back to the very pixel im2col copied it from, += where windows overlap, and skip the padding");
    CHECK(left == Approx(right).epsilon(tolerance::float64.rtol));
  }
}

TEST_CASE("im2col and col2im reject tensors that do not fit the window shape", "[ch02][im2col][error]") {
  const WindowShape shape = conv2d_shape("test", {1, 1, 3, 3}, {1, 1, 2, 2}, 1, 0);
  const xt::xtensor<double, 4> x = xt::zeros<double>({1, 2, 3, 3});
  CHECK_THROWS_WITH(im2col(x, shape), Catch::Contains("im2col: x has shape (1, 2, 3, 3), expected (1, 1, 3, 3)"));
  const xt::xtensor<double, 2> columns = xt::zeros<double>({4, 5});
  CHECK_THROWS_WITH(col2im(columns, shape), Catch::Contains("col2im: columns has shape (4, 5), expected (4, 4)"));
}
