// The library's max-pool (resnet/cpu/max_pool2d.hpp) and MaxPool2d on it, against task
// 2.8's max_pool2d_forward() / max_pool2d_backward(): the same numbers exactly, ties and
// NaNs decided alike, and nothing kept in evaluation.
#include <cmath>
#include <limits>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "resnet/cpu/max_pool2d.hpp"
#include "resnet/error.hpp"
#include "resnet/nn/pooling.hpp"
#include "resnet/ops/max_pool2d.hpp"
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

}  // namespace

TEST_CASE("the library's max-pool equals the reference exactly, ties and NaNs included", "[ch02][cpu_max_pool]") {
  Generator generator(7);
  struct Config {
    std::size_t N, C, H, W, kernel, stride, padding;
  };
  // The ImageNet stem's 3x3 stride 2 padding 1 (even and odd sizes), windows that overlap
  // more (stride 1), do not overlap (2x2 stride 2), skip inputs (stride 3 over a 2x2
  // window), a 1x1 image, and a batch of 1.
  const Config configs[] = {{2, 3, 8, 8, 3, 2, 1}, {1, 2, 7, 9, 3, 2, 1}, {2, 2, 5, 6, 3, 1, 1},
                            {3, 2, 6, 4, 2, 2, 0}, {1, 3, 7, 7, 2, 3, 0}, {2, 2, 1, 1, 3, 2, 1}};
  for (const Config& c : configs) {
    for (const bool with_nans : {false, true}) {
      INFO("x (" << c.N << ", " << c.C << ", " << c.H << ", " << c.W << "), kernel " << c.kernel << ", stride "
                 << c.stride << ", padding " << c.padding << (with_nans ? ", with NaNs" : ""));
      const auto x = values_with_ties(generator, {c.N, c.C, c.H, c.W}, with_nans);
      const auto reference = max_pool2d_forward(x, c.kernel, c.stride, c.padding);
      const WindowShape shape = pool2d_shape("test", x.shape(), c.kernel, c.stride, c.padding);
      const cpu::MaxPool2dResult ours = cpu::max_pool2d_forward(x, shape, true);
      CHECK(same_values(ours.y, reference.y));
      REQUIRE(ours.argmax.shape() == reference.cache.argmax.shape());
      bool same_indices = true;
      for (std::size_t i = 0; i < ours.argmax.size(); ++i) {
        same_indices = same_indices && ours.argmax.data()[i] == reference.cache.argmax.data()[i];
      }
      CHECK(same_indices);
      // Backward: each dy lands on its window's maximum; with dy integers the sums are exact.
      xt::xtensor<float, 4> dy = xt::xtensor<float, 4>::from_shape(shape.output_shape());
      for (std::size_t i = 0; i < dy.size(); ++i) dy.data()[i] = static_cast<float>(i % 7) - 3.0f;
      CHECK_THAT(cpu::max_pool2d_backward(dy, ours.argmax, shape),
                 AllClose(max_pool2d_backward(dy, reference.cache).dx, tolerance::exact));
      // Evaluation keeps no indices, and computes the same y.
      const cpu::MaxPool2dResult evaluation = cpu::max_pool2d_forward(x, shape, false);
      CHECK(evaluation.argmax.size() == 0);
      CHECK(same_values(evaluation.y, reference.y));
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
}

TEST_CASE("MaxPool2d on the library's kernel matches the reference, and keeps nothing in evaluation",
          "[ch02][cpu_max_pool]") {
  Generator generator(11);
  const auto x = values_with_ties(generator, {2, 4, 9, 9}, false);
  MaxPool2d<float> reference(3, 2, 1), packed(3, 2, 1);
  packed.use_cpu_kernels(CpuKernels::packed);
  const auto input = Tensor<float, 4>::from_host(x);
  const auto y = packed.forward(input);
  CHECK_THAT(y.host(), AllClose(reference.forward(input).host(), tolerance::exact));
  xt::xtensor<float, 4> dy = xt::xtensor<float, 4>::from_shape(y.shape());
  for (std::size_t i = 0; i < dy.size(); ++i) dy.data()[i] = static_cast<float>(i % 5);
  const auto gradient = Tensor<float, 4>::from_host(dy);
  CHECK_THAT(packed.backward(gradient).host(), AllClose(reference.backward(gradient).host(), tolerance::exact));
  packed.eval();
  CHECK_THAT(packed.forward(input).host(), AllClose(y.host(), tolerance::exact));
  CHECK_THROWS_WITH(packed.backward(gradient), Catch::Contains("evaluation keeps no indices"));
}
