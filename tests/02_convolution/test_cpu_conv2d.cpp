// resnet::cpu::conv2d_forward / conv2d_backward, the library's convolution without a
// whole-batch im2col, against a plain loop on integer data (exact), on every micro-kernel
// this CPU can run. Its PyTorch goldens are in test_conv2d.cpp, beside the reference's.
// Not a chapter exercise: the library's kernels run in the student's build too.
#include <array>
#include <string>

#include <catch2/catch.hpp>

#include "resnet/cpu/conv2d.hpp"
#include "resnet/cpu/packed_sgemm.hpp"
#include "resnet/error.hpp"
#include "resnet/ops/window_shape.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"
#include "support/tolerances.hpp"

using namespace resnet;
using resnet::testing::AllClose;
namespace tolerance = resnet::testing::tolerance;

namespace {

// Small integers in [-3, 3]: every product and partial sum is an integer below 2^24, exact
// in float32 whatever the order of the additions, so the kernel must match the loops
// below exactly; any difference is a misplaced, dropped or repeated term.
xt::xtensor<float, 4> small_integers(Generator& generator, const std::array<std::size_t, 4>& shape) {
  xt::xtensor<float, 4> values = xt::xtensor<float, 4>::from_shape(shape);
  for (float& value : values) value = static_cast<float>(static_cast<int>(generator.below(7)) - 3);
  return values;
}

// The input pixel that output (p, q) reads at window offset (r, s), or false in the padding.
bool input_pixel(const WindowShape& s, std::size_t p, std::size_t q, std::size_t r, std::size_t col, std::size_t& h,
                 std::size_t& w) {
  const std::size_t padded_h = p * s.stride + r, padded_w = q * s.stride + col;
  if (padded_h < s.padding || padded_w < s.padding) return false;
  h = padded_h - s.padding;
  w = padded_w - s.padding;
  return h < s.H && w < s.W;
}

// The convolution and its three gradients as the formulas' loops, in double.
struct LoopResult {
  xt::xtensor<float, 4> y, dx, dweight;
  xt::xtensor<float, 1> dbias;
};

LoopResult convolution_by_loops(const xt::xtensor<float, 4>& x, const xt::xtensor<float, 4>& weight,
                                const xt::xtensor<float, 1>& bias, const xt::xtensor<float, 4>& dy,
                                const WindowShape& s) {
  xt::xtensor<double, 4> y = xt::zeros<double>(s.output_shape()), dx = xt::zeros<double>(s.input_shape());
  xt::xtensor<double, 4> dweight = xt::zeros<double>(s.weight_shape());
  xt::xtensor<double, 1> dbias = xt::zeros<double>({s.K});
  for (std::size_t n = 0; n < s.N; ++n) {
    for (std::size_t k = 0; k < s.K; ++k) {
      for (std::size_t p = 0; p < s.P; ++p) {
        for (std::size_t q = 0; q < s.Q; ++q) {
          y(n, k, p, q) = bias(k);
          dbias(k) += dy(n, k, p, q);
          for (std::size_t c = 0; c < s.C; ++c) {
            for (std::size_t r = 0; r < s.R; ++r) {
              for (std::size_t col = 0; col < s.S; ++col) {
                std::size_t h = 0, w = 0;
                if (!input_pixel(s, p, q, r, col, h, w)) continue;
                y(n, k, p, q) += weight(k, c, r, col) * x(n, c, h, w);
                dx(n, c, h, w) += weight(k, c, r, col) * dy(n, k, p, q);
                dweight(k, c, r, col) += x(n, c, h, w) * dy(n, k, p, q);
              }
            }
          }
        }
      }
    }
  }
  return {xt::cast<float>(y), xt::cast<float>(dx), xt::cast<float>(dweight), xt::cast<float>(dbias)};
}

// The micro-kernel cpu::conv2d_* run on: default_simd_path(), the widest this CPU has unless
// RESNET_SIMD says otherwise (tests/CMakeLists.txt runs these tests again with the portable one).
std::string running_path() { return simd_path_name(cpu::default_simd_path()); }

struct Config {
  std::size_t N, C, H, W, K, R, S, stride, padding;
};

std::string describe(const Config& config) {
  return "x (" + std::to_string(config.N) + ", " + std::to_string(config.C) + ", " + std::to_string(config.H) + ", " +
         std::to_string(config.W) + "), weight (" + std::to_string(config.K) + ", " + std::to_string(config.C) + ", " +
         std::to_string(config.R) + ", " + std::to_string(config.S) + "), stride " + std::to_string(config.stride) +
         ", padding " + std::to_string(config.padding);
}

}  // namespace

TEST_CASE("the library's convolution equals the formula's loops exactly on integer data, odd shapes included",
          "[ch02][cpu_conv2d][property]") {
  Generator generator(2024);
  // 3x3 with padding (ResNet's), stride 2 (downsampling), 1x1 stride 2 (the projection
  // shortcut), 7x7 stride 2 (the ImageNet stem), non-square kernels, a stride larger than
  // the kernel, 1x1 output maps, batch 1, channel counts that are not a multiple of any
  // SIMD width, and batches of several tiles with a partial last one (N = 61 with 8x8
  // outputs: tiles of 32 images, then 29).
  const Config configs[] = {
      {2, 3, 9, 8, 5, 3, 3, 1, 1},
      {1, 5, 7, 7, 3, 3, 3, 2, 1},
      {3, 4, 6, 6, 17, 1, 1, 2, 0},
      {2, 3, 11, 11, 2, 7, 7, 2, 3},
      {2, 3, 9, 8, 5, 2, 5, 1, 2},
      {2, 2, 9, 8, 3, 5, 1, 2, 0},
      {3, 3, 7, 7, 4, 2, 2, 3, 0},
      {2, 6, 2, 2, 33, 3, 3, 1, 1},
      {1, 7, 1, 1, 9, 1, 1, 1, 0},
      {2, 5, 3, 3, 4, 3, 3, 2, 1},
      {61, 3, 8, 8, 6, 3, 3, 1, 1},
      {40, 2, 1, 1, 3, 3, 3, 1, 1},
      // Windows with taps that read only padding: a 2x2 map at stride 2 (4 of 9 taps read
      // it) and a 2x1 map (2 taps), whose one window covers the image; a 1x5 map, whose
      // windows do not (the GEMM multiplies the padding's zeros).
      {3, 5, 2, 2, 4, 3, 3, 2, 1},
      {2, 3, 2, 1, 4, 3, 3, 2, 1},
      {2, 3, 1, 5, 4, 3, 3, 1, 1},
      // Maps at least 16 wide, gathered a row of the map at a time (narrower ones a pixel
      // at a time): the ImageNet stem's 7x7 stride 2 and a 3x3 at stride 1.
      {2, 3, 40, 37, 5, 7, 7, 2, 3},
      {2, 4, 17, 18, 3, 3, 3, 1, 1},
      // Windows that each cover the whole image, computed as a dense layer
      // (windows_cover_image): a 5x5 window with padding 2 on a 3x3 map (9 positions), a
      // 3x4 window on a 2x3 map; the 1x1 and 2x2 maps above are such too.
      {2, 3, 3, 3, 4, 5, 5, 1, 2},
      {3, 4, 2, 3, 5, 3, 4, 1, 1},
      // Winograd's: 3x3, stride 1, at least 16 channels in and out; odd output sizes (half
      // tiles), padding 0 and 2, a 2x7 map (one tile row), several groups of images.
      {2, 16, 7, 9, 17, 3, 3, 1, 1},
      {3, 17, 5, 6, 16, 3, 3, 1, 0},
      {2, 16, 2, 7, 16, 3, 3, 1, 1},
      {2, 20, 6, 5, 18, 3, 3, 1, 2},
      {300, 16, 16, 16, 16, 3, 3, 1, 1},
  };
  std::size_t winograd_cases = 0;
  for (const Config& config : configs) {
    INFO(describe(config) << ", micro-kernel " << running_path());
    const WindowShape shape = conv2d_shape("test", {config.N, config.C, config.H, config.W},
                                           {config.K, config.C, config.R, config.S}, config.stride, config.padding);
    const auto x = small_integers(generator, shape.input_shape());
    const auto weight = small_integers(generator, shape.weight_shape());
    const auto dy = small_integers(generator, shape.output_shape());
    xt::xtensor<float, 1> bias = xt::xtensor<float, 1>::from_shape({shape.K});
    for (std::size_t k = 0; k < shape.K; ++k) bias(k) = static_cast<float>(k % 5) - 2.0f;
    const LoopResult expected = convolution_by_loops(x, weight, bias, dy, shape);
    winograd_cases += cpu::winograd_applies(shape);

    // Winograd's transforms only add, subtract and halve: on small integers every value is
    // a multiple of 1/4 below 2^22, exact in float32, so it too must match exactly.
    for (const auto algorithm : {cpu::ConvAlgorithm::automatic, cpu::ConvAlgorithm::gemm}) {
      INFO((algorithm == cpu::ConvAlgorithm::gemm || !cpu::winograd_applies(shape) ? "GEMM" : "Winograd")
           << " for y, dx and dweight");
      CHECK_THAT(cpu::conv2d_forward(x, weight, bias.data(), shape, algorithm), AllClose(expected.y, tolerance::exact));
      const cpu::Conv2dGrads grads = cpu::conv2d_backward(dy, x, weight, shape, true, algorithm);
      CHECK_THAT(grads.dx, AllClose(expected.dx, tolerance::exact));
      CHECK_THAT(grads.dweight, AllClose(expected.dweight, tolerance::exact));
      CHECK_THAT(grads.dbias, AllClose(expected.dbias, tolerance::exact));
    }
    CHECK(cpu::conv2d_backward(dy, x, weight, shape, false).dbias.size() == 0);
  }
  CHECK(winograd_cases == 5);
}

TEST_CASE("the library's convolution rejects tensors that do not have the sizes of its shape",
          "[ch02][cpu_conv2d][error]") {
  const WindowShape shape = conv2d_shape("test", {2, 3, 5, 5}, {4, 3, 3, 3}, 1, 1);
  const xt::xtensor<float, 4> x = xt::zeros<float>({2, 3, 5, 5});
  const xt::xtensor<float, 4> weight = xt::zeros<float>({4, 3, 3, 3});
  const xt::xtensor<float, 4> dy = xt::zeros<float>({2, 4, 5, 5});
  CHECK_THROWS_AS(cpu::conv2d_forward(xt::xtensor<float, 4>(xt::zeros<float>({2, 3, 5, 4})), weight, nullptr, shape),
                  ShapeError);
  CHECK_THROWS_WITH(cpu::conv2d_forward(x, xt::xtensor<float, 4>(xt::zeros<float>({4, 3, 1, 1})), nullptr, shape),
                    Catch::Contains("weight has shape (4, 3, 1, 1), expected (4, 3, 3, 3)"));
  CHECK_THROWS_WITH(
      cpu::conv2d_backward(xt::xtensor<float, 4>(xt::zeros<float>({2, 4, 4, 5})), x, weight, shape, false),
      Catch::Contains("cpu::conv2d_backward") && Catch::Contains("dy has shape (2, 4, 4, 5)"));
  CHECK_NOTHROW(cpu::conv2d_backward(dy, x, weight, shape, false));
}

TEST_CASE("Winograd takes the 3x3 stride-1 convolutions with enough channels, and nothing else", "[ch02][cpu_conv2d]") {
  const auto shape = [](std::size_t C, std::size_t K, std::size_t R, std::size_t stride, std::size_t padding) {
    return conv2d_shape("test", {2, C, 8, 8}, {K, C, R, R}, stride, padding);
  };
  CHECK(cpu::winograd_applies(shape(64, 64, 3, 1, 1)));  // every 3x3 of a stage but the first of stages 2-4
  CHECK(cpu::winograd_applies(shape(16, 16, 3, 1, 0)));
  CHECK_FALSE(cpu::winograd_applies(shape(64, 128, 3, 2, 1)));  // stride 2
  CHECK_FALSE(cpu::winograd_applies(shape(3, 64, 3, 1, 1)));    // the CIFAR stem: 3 channels in
  CHECK_FALSE(cpu::winograd_applies(shape(64, 64, 1, 1, 0)));   // 1x1
  CHECK_FALSE(cpu::winograd_applies(shape(64, 64, 3, 1, 3)));   // padding 3: dx would need -1
  const auto map = [](std::size_t size) { return conv2d_shape("test", {2, 64, size, size}, {64, 64, 3, 3}, 1, 1); };
  CHECK_FALSE(cpu::winograd_applies(map(1)));  // one output in a tile of four: 16 against 9
  CHECK_FALSE(cpu::winograd_applies(map(2)));  // 16 against 36, but one tile an image
  CHECK_FALSE(cpu::winograd_applies(map(3)));  // 64 against 81: not worth the transforms
  CHECK(cpu::winograd_applies(map(4)));        // 64 against 144, four tiles
  CHECK(cpu::winograd_applies(map(7)));        // 256 against 441
  CHECK(cpu::winograd_applies(conv2d_shape("test", {2, 64, 2, 8}, {64, 64, 3, 3}, 1, 1)));  // a row of 4 tiles
}

TEST_CASE("the library's convolution knows when every window covers the whole image", "[ch02][cpu_conv2d]") {
  const auto covers = [](std::size_t size, std::size_t kernel, std::size_t stride, std::size_t padding) {
    return cpu::windows_cover_image(conv2d_shape("test", {2, 8, size, size}, {8, 8, kernel, kernel}, stride, padding));
  };
  CHECK(covers(2, 3, 1, 1));        // ResNet-34's layer3 on 32x32 images, ImageNet stem
  CHECK(covers(2, 3, 2, 1));        // one output whose window holds the 2x2 map
  CHECK(covers(1, 3, 1, 1));        // a 1x1 map: every window holds its one pixel
  CHECK(covers(1, 1, 1, 0));        // a 1x1 convolution of a 1x1 map
  CHECK_FALSE(covers(3, 3, 1, 1));  // output 0 misses row 2
  CHECK_FALSE(covers(4, 3, 1, 1));
  CHECK_FALSE(covers(2, 1, 1, 0));  // a 1x1 window sees one pixel of four
  CHECK(cpu::windows_cover_image(conv2d_shape("test", {2, 8, 2, 3}, {8, 8, 3, 4}, 1, 1)));
  CHECK_FALSE(cpu::windows_cover_image(conv2d_shape("test", {2, 8, 2, 5}, {8, 8, 3, 3}, 1, 1)));  // columns miss
}

TEST_CASE("a tile of the library's convolution has about 2048 output pixels and at least one image",
          "[ch02][cpu_conv2d]") {
  CHECK(cpu::images_per_tile(32 * 32, 128) == 2);    // CIFAR stage 1: 1024 pixels an image
  CHECK(cpu::images_per_tile(4 * 4, 128) == 128);    // CIFAR stage 4: the whole batch
  CHECK(cpu::images_per_tile(4 * 4, 50) == 50);      // never more than the batch
  CHECK(cpu::images_per_tile(112 * 112, 128) == 1);  // ImageNet stem: one image is 12,544
  CHECK(cpu::images_per_tile(7 * 7, 128) == 42);     // 2048 / 49 = 41.8, rounded
}
