// The library's max-pool (resnet/cpu/max_pool2d.hpp) and MaxPool2d on it, against the
// definition written out as loops here (not task 2.8's code, which in a student's build is
// the student's): the same numbers exactly, ties and NaNs decided as PyTorch does, and
// nothing kept in evaluation. Not a chapter exercise.
#include <cmath>
#include <limits>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "resnet/cpu/max_pool2d.hpp"
#include "resnet/error.hpp"
#include "resnet/nn/pooling.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"

using namespace resnet;
using resnet::testing::AllClose;
namespace tolerance = resnet::testing::tolerance;

namespace {

// Values from a few integers, so that windows hold equal maxima (ties), and with_nans a few
// NaNs and two -infinities (a window of -infinity still points at its first input).
xt::xtensor<float, 4> values_with_ties(Generator& generator, const std::array<std::size_t, 4>& shape, bool with_nans) {
  xt::xtensor<float, 4> x = xt::xtensor<float, 4>::from_shape(shape);
  for (auto& value : x) value = std::floor(4.0f * static_cast<float>(generator.uniform()));
  if (with_nans && x.size() > 7) {
    x.data()[3] = std::numeric_limits<float>::quiet_NaN();
    x.data()[x.size() / 2] = std::numeric_limits<float>::quiet_NaN();
    x.data()[0] = -std::numeric_limits<float>::infinity();
    x.data()[1] = -std::numeric_limits<float>::infinity();
  }
  return x;
}

// Whether a and b hold the same floats, NaN equal to NaN, index by index.
bool same_values(const xt::xtensor<float, 4>& a, const xt::xtensor<float, 4>& b) {
  if (a.shape() != b.shape()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const float u = a.data()[i], v = b.data()[i];
    if (!(u == v || (std::isnan(u) && std::isnan(v)))) return false;
  }
  return true;
}

// The max-pool by its definition: every window's taps inside the image in row-major order,
// the first of equal maxima kept, a NaN taking over; and each dy added to its maximum.
struct LoopPool {
  xt::xtensor<float, 4> y;
  xt::xtensor<std::uint32_t, 4> argmax;
  xt::xtensor<float, 4> dx;
};

LoopPool pool_by_loops(const xt::xtensor<float, 4>& x, const WindowShape& s, const xt::xtensor<float, 4>& dy) {
  LoopPool out{xt::xtensor<float, 4>::from_shape(s.output_shape()),
               xt::xtensor<std::uint32_t, 4>::from_shape(s.output_shape()), xt::zeros<float>(s.input_shape())};
  for (std::size_t n = 0; n < s.N; ++n) {
    for (std::size_t c = 0; c < s.C; ++c) {
      for (std::size_t p = 0; p < s.P; ++p) {
        for (std::size_t q = 0; q < s.Q; ++q) {
          bool found = false;
          float best = 0.0f;
          std::size_t best_h = 0, best_w = 0;
          for (std::size_t r = 0; r < s.R; ++r) {
            for (std::size_t t = 0; t < s.S; ++t) {
              const long h = static_cast<long>(p * s.stride + r) - static_cast<long>(s.padding);
              const long w = static_cast<long>(q * s.stride + t) - static_cast<long>(s.padding);
              if (h < 0 || w < 0 || h >= static_cast<long>(s.H) || w >= static_cast<long>(s.W)) continue;
              const float value = x(n, c, static_cast<std::size_t>(h), static_cast<std::size_t>(w));
              if (!found || value > best || std::isnan(value)) {
                found = true;
                best = value;
                best_h = static_cast<std::size_t>(h);
                best_w = static_cast<std::size_t>(w);
              }
            }
          }
          out.y(n, c, p, q) = best;
          out.argmax(n, c, p, q) = static_cast<std::uint32_t>(best_h * s.W + best_w);
          out.dx(n, c, best_h, best_w) += dy(n, c, p, q);
        }
      }
    }
  }
  return out;
}

// dy of integers, so that the sums of dx are exact.
xt::xtensor<float, 4> integer_gradient(const std::array<std::size_t, 4>& shape) {
  xt::xtensor<float, 4> dy = xt::xtensor<float, 4>::from_shape(shape);
  for (std::size_t i = 0; i < dy.size(); ++i) dy.data()[i] = static_cast<float>(i % 7) - 3.0f;
  return dy;
}

}  // namespace

TEST_CASE("the library's max-pool equals the definition exactly, ties and NaNs included", "[ch02][cpu_max_pool]") {
  Generator generator(7);
  struct Config {
    std::size_t N, C, H, W, kernel, stride, padding;
  };
  // The ImageNet stem's 3x3 stride 2 padding 1 (even and odd sizes), windows that overlap
  // more (stride 1), do not overlap (2x2 stride 2), skip inputs (stride 3 over a 2x2
  // window), a 1x1 image, a batch of 1, and a 1x8 image with padding whose second window
  // holds only the two -infinities (it must point at the first).
  const Config configs[] = {{2, 3, 8, 8, 3, 2, 1}, {1, 2, 7, 9, 3, 2, 1}, {2, 2, 5, 6, 3, 1, 1}, {3, 2, 6, 4, 2, 2, 0},
                            {1, 3, 7, 7, 2, 3, 0}, {2, 2, 1, 1, 3, 2, 1}, {1, 2, 1, 8, 2, 1, 1}};
  for (const Config& c : configs) {
    for (const bool with_nans : {false, true}) {
      INFO("x (" << c.N << ", " << c.C << ", " << c.H << ", " << c.W << "), kernel " << c.kernel << ", stride "
                 << c.stride << ", padding " << c.padding << (with_nans ? ", with NaNs and -infinities" : ""));
      const auto x = values_with_ties(generator, {c.N, c.C, c.H, c.W}, with_nans);
      const WindowShape shape = pool2d_shape("test", x.shape(), c.kernel, c.stride, c.padding);
      const xt::xtensor<float, 4> dy = integer_gradient(shape.output_shape());
      const LoopPool expected = pool_by_loops(x, shape, dy);
      const cpu::MaxPool2dResult ours = cpu::max_pool2d_forward(x, shape, true);
      CHECK(same_values(ours.y, expected.y));
      REQUIRE(ours.argmax.shape() == expected.argmax.shape());
      bool same_indices = true;
      for (std::size_t i = 0; i < ours.argmax.size(); ++i) {
        same_indices = same_indices && ours.argmax.data()[i] == expected.argmax.data()[i];
      }
      CHECK(same_indices);
      // Backward: each dy lands on its window's maximum; with dy integers the sums are exact.
      CHECK_THAT(cpu::max_pool2d_backward(dy, ours.argmax, shape), AllClose(expected.dx, tolerance::exact));
      // Evaluation keeps no indices, and computes the same y.
      const cpu::MaxPool2dResult evaluation = cpu::max_pool2d_forward(x, shape, false);
      CHECK(evaluation.argmax.size() == 0);
      CHECK(same_values(evaluation.y, expected.y));
    }
  }
}

TEST_CASE("the library's max-pool rejects tensors that do not have its sizes", "[ch02][cpu_max_pool][error]") {
  const xt::xtensor<float, 4> x = xt::zeros<float>({2, 3, 8, 8});
  const WindowShape shape = pool2d_shape("test", x.shape(), 3, 2, 1);
  CHECK_THROWS_WITH(cpu::max_pool2d_forward(xt::zeros<float>({2, 3, 8, 7}), shape, true),
                    Catch::Contains("cpu::max_pool2d_forward") && Catch::Contains("x"));
  const auto out = cpu::max_pool2d_forward(x, shape, true);
  CHECK_THROWS_AS(cpu::max_pool2d_backward(xt::zeros<float>({2, 3, 4, 3}), out.argmax, shape), ShapeError);
  // A window shape that is not a pool's (a convolution's, with K != C).
  CHECK_THROWS_WITH(cpu::max_pool2d_forward(x, conv2d_shape("test", x.shape(), {5, 3, 3, 3}, 2, 1), true),
                    Catch::Contains("not that of a square max-pool"));
  // The indices of a larger image: 8x8 and 7x7 both pool to 4x4 here.
  const xt::xtensor<float, 4> small = xt::zeros<float>({2, 3, 7, 7});
  const WindowShape small_shape = pool2d_shape("test", small.shape(), 3, 2, 1);
  xt::xtensor<std::uint32_t, 4> far = out.argmax;
  far.fill(63);
  CHECK_THROWS_WITH(cpu::max_pool2d_backward(xt::zeros<float>({2, 3, 4, 4}), far, small_shape),
                    Catch::Contains("outside a plane of 49 values"));
}

TEST_CASE("MaxPool2d on the library's kernel matches the definition, and keeps nothing in evaluation",
          "[ch02][cpu_max_pool]") {
  Generator generator(11);
  const auto x = values_with_ties(generator, {2, 4, 9, 9}, false);
  MaxPool2d<float> packed(3, 2, 1);
  packed.use_cpu_kernels(CpuKernels::packed);
  const WindowShape shape = pool2d_shape("test", x.shape(), 3, 2, 1);
  const xt::xtensor<float, 4> dy = integer_gradient(shape.output_shape());
  const LoopPool expected = pool_by_loops(x, shape, dy);
  const auto input = Tensor<float, 4>::from_host(x);
  const auto y = packed.forward(input);
  CHECK_THAT(y.host(), AllClose(expected.y, tolerance::exact));
  const auto gradient = Tensor<float, 4>::from_host(dy);
  CHECK_THAT(packed.backward(gradient).host(), AllClose(expected.dx, tolerance::exact));
  packed.eval();
  CHECK_THAT(packed.forward(input).host(), AllClose(expected.y, tolerance::exact));
  CHECK_THROWS_WITH(packed.backward(gradient), Catch::Contains("evaluation keeps no indices"));
}
