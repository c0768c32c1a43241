// Tasks 2.5 and 2.7: convolution, direct and im2col + GEMM, against hand values, each
// other, and PyTorch (every distinct convolution of ResNet-34 included).
#include <fstream>
#include <type_traits>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <xtensor/xview.hpp>

#include "resnet/cpu/conv2d.hpp"
#include "resnet/error.hpp"
#include "resnet/ops/conv2d.hpp"
#include "resnet/ops/conv2d_direct.hpp"
#include "resnet/ops/gemm.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"
#include "support/hash_inputs.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::hash_tensor;
using resnet::testing::load_golden;
namespace tolerance = resnet::testing::tolerance;

namespace {

template <std::size_t N>
std::array<std::size_t, N> shape_of(const nlohmann::json& list) {
  std::array<std::size_t, N> shape{};
  for (std::size_t i = 0; i < N; ++i) shape[i] = list.at(i).get<std::size_t>();
  return shape;
}

// The values of `tensor` at the flat indices PyTorch's results were sampled at.
template <class T, std::size_t N>
xt::xtensor<double, 1> at_indices(const xt::xtensor<T, N>& tensor, const xt::xtensor<std::int64_t, 1>& indices) {
  xt::xtensor<double, 1> values = xt::xtensor<double, 1>::from_shape({indices.size()});
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (indices(i) < 0 || static_cast<std::size_t>(indices(i)) >= tensor.size()) {
      throw resnet::DataError("golden index " + std::to_string(indices(i)) + " is outside a tensor of " +
                              std::to_string(tensor.size()) + " values: regenerate the goldens");
    }
    values(i) = static_cast<double>(tensor.data()[indices(i)]);
  }
  return values;
}

// Compares one result of a golden conv case (all of it, or the sampled entries).
template <class T, std::size_t N>
void check_result(const std::string& name, const std::string& key, const xt::xtensor<T, N>& ours,
                  resnet::testing::ScaleTolerance tol) {
  const std::string prefix = "ch02/conv/" + name + "_" + key;
  const auto indices = load_golden<std::int64_t, 1>(prefix + "_index.npy");
  const auto expected = load_golden<double, 1>(prefix + ".npy");
  INFO(key);
  CHECK_THAT(at_indices(ours, indices), AllClose(expected, resnet::testing::at_scale_of(tol, expected)));
}

// Whether conv2d_forward(x, weight, ...) compiles for an x of type X (with T deduced, as
// in every ordinary call).
template <class X, class = void>
struct accepts_as_image : std::false_type {};
template <class X>
struct accepts_as_image<
    X, std::void_t<decltype(conv2d_forward(std::declval<const X&>(), std::declval<const xt::xtensor<float, 4>&>(),
                                           std::nullopt, std::size_t{1}, std::size_t{1}))>> : std::true_type {};

template <class T>
resnet::testing::ScaleTolerance conv_tolerance() {
  return std::is_same_v<T, float> ? tolerance::conv_float32 : tolerance::conv_float64;
}

// Runs every case of ch02/conv_cases.json through `forward` / `backward`.
template <class T, class Forward, class Backward>
void check_against_pytorch(Forward forward, Backward backward, bool small_cases_only) {
  for (const auto& spec : resnet::testing::golden_cases("ch02/conv_cases.json", 32)) {
    if (small_cases_only && !spec["full"].get<bool>()) continue;
    const std::string name = spec["name"];
    INFO("case " << name);
    const auto x = hash_tensor<T, 4>(spec["x_seed"], shape_of<4>(spec["x_shape"]));
    const auto w = hash_tensor<T, 4>(spec["w_seed"], shape_of<4>(spec["w_shape"]), spec["w_scale"]);
    std::optional<xt::xtensor<T, 1>> bias;
    if (spec["bias"].get<bool>()) bias = hash_tensor<T, 1>(spec["b_seed"], {shape_of<4>(spec["w_shape"])[0]});
    const auto result = forward(x, w, bias, spec["stride"].get<std::size_t>(), spec["padding"].get<std::size_t>());
    check_result(name, "y", result.y, conv_tolerance<T>());
    const auto dy = hash_tensor<T, 4>(spec["dy_seed"], shape_of<4>(spec["y_shape"]));
    const auto grads = backward(dy, result.cache);
    check_result(name, "dx", grads.dx, conv_tolerance<T>());
    check_result(name, "dweight", grads.dweight, conv_tolerance<T>());
    if (bias) check_result(name, "dbias", grads.dbias, conv_tolerance<T>());
  }
}

}  // namespace

TEST_CASE("a 2x2 convolution of a 3x3 image, by hand", "[ch02][conv2d][hand][2.7]") {
  // x = 1 2 3 / 4 5 6 / 7 8 9, kernel = 1 0 / 0 -1 (top-left minus bottom-right), bias 10.
  const xt::xtensor<double, 4> x = {{{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}}};
  const xt::xtensor<double, 4> w = {{{{1, 0}, {0, -1}}}};
  const xt::xtensor<double, 1> b = {10};
  const xt::xtensor<double, 4> expected = {{{{6, 6}, {6, 6}}}};  // 10 + x(i,j) - x(i+1,j+1)
  CHECK_THAT(conv2d_direct_forward(x, w, b, 1, 0).y, AllClose(expected, tolerance::exact));
  CHECK_THAT(conv2d_forward(x, w, b, 1, 0).y, AllClose(expected, tolerance::exact));
  // With padding 1 the output is 4x4; its corner (0, 0) sees only x(0, 0) under -1.
  const auto padded = conv2d_forward(x, w, std::nullopt, 1, 1).y;
  REQUIRE(padded.shape() == std::array<std::size_t, 4>{1, 1, 4, 4});
  CHECK(padded(0, 0, 0, 0) == -1.0);
  CHECK(padded(0, 0, 3, 3) == 9.0);
  // Backward with dy = 1 everywhere (2x2 output): every x(i, j) collects +1 for each window
  // that saw it under the 1, and -1 for each that saw it under the -1.
  const auto result = conv2d_forward(x, w, b, 1, 0);
  const xt::xtensor<double, 4> dy = xt::ones<double>({1, 1, 2, 2});
  const xt::xtensor<double, 4> expected_dx = {{{{1, 1, 0}, {1, 0, -1}, {0, -1, -1}}}};
  CHECK_THAT(conv2d_backward(dy, result.cache).dx, AllClose(expected_dx, tolerance::exact));
  CHECK_THAT(conv2d_direct_backward(dy, result.cache).dx, AllClose(expected_dx, tolerance::exact));
  // dW(r, s) = sum of the 2x2 block of x starting at (r, s): 12 16 / 24 28; db = 4.
  const xt::xtensor<double, 4> expected_dw = {{{{12, 16}, {24, 28}}}};
  CHECK_THAT(conv2d_backward(dy, result.cache).dweight, AllClose(expected_dw, tolerance::exact));
  CHECK(conv2d_backward(dy, result.cache).dbias(0) == 4.0);
}

TEST_CASE("direct and im2col convolutions agree exactly on integer data", "[ch02][conv2d][property][2.7]") {
  // Small integers: every product and partial sum is exact in float32, so any difference
  // in any output or gradient is a bug, not rounding.
  Generator generator(21);
  auto integers = [&](std::array<std::size_t, 4> shape) {
    xt::xtensor<float, 4> t = xt::xtensor<float, 4>::from_shape(shape);
    for (float& v : t) v = static_cast<float>(static_cast<int>(generator.below(7)) - 3);
    return t;
  };
  // Square and non-square kernels, 1x1 with padding, strides larger than the kernel.
  struct Config {
    std::size_t R, S, stride, padding;
  };
  for (const Config config : {Config{3, 3, 1, 1}, Config{3, 3, 2, 1}, Config{3, 3, 2, 0}, Config{3, 3, 3, 2},
                              Config{2, 5, 1, 2}, Config{5, 1, 2, 0}, Config{1, 1, 1, 1}, Config{2, 2, 3, 0}}) {
    const std::size_t stride = config.stride, padding = config.padding;
    INFO("kernel "
         << config.R << "x" << config.S << ", stride " << stride << ", padding " << padding
         << ": small integers make every product and partial sum exact in float32, so the direct and the im2col "
            "convolution must agree exactly, output and all three gradients; any difference is a bug, not rounding");
    const auto x = integers({2, 3, 9, 8});
    const auto w = integers({5, 3, config.R, config.S});
    const xt::xtensor<float, 1> b = {1, -2, 3, 0, 5};
    const auto direct = conv2d_direct_forward(x, w, b, stride, padding);
    const auto gemm = conv2d_forward(x, w, b, stride, padding);
    CHECK_THAT(gemm.y, AllClose(direct.y, tolerance::exact));
    const auto dy = integers(direct.y.shape());
    const auto direct_grads = conv2d_direct_backward(dy, direct.cache);
    const auto gemm_grads = conv2d_backward(dy, gemm.cache);
    CHECK_THAT(gemm_grads.dx, AllClose(direct_grads.dx, tolerance::exact));
    CHECK_THAT(gemm_grads.dweight, AllClose(direct_grads.dweight, tolerance::exact));
    CHECK_THAT(gemm_grads.dbias, AllClose(direct_grads.dbias, tolerance::exact));
  }
}

TEMPLATE_TEST_CASE("the im2col convolution matches PyTorch on every ResNet-34 convolution and on odd shapes",
                   "[ch02][conv2d][golden][2.7]", float, double) {
  using Tensor4 = xt::xtensor<TestType, 4>;
  check_against_pytorch<TestType>(
      [](const Tensor4& x, const Tensor4& w, const OptionalBias<TestType>& b, std::size_t stride, std::size_t padding) {
        return conv2d_forward(x, w, b, stride, padding);
      },
      [](const Tensor4& dy, const Conv2dCache<TestType>& cache) { return conv2d_backward(dy, cache); }, false);
}

TEST_CASE("the im2col convolution matches PyTorch with our packed GEMM in place of OpenBLAS",
          "[ch02][conv2d][golden][sgemm][2.7]") {
  // The same cases, every float product through cpu::sgemm (the `resnet` command's
  // --cpu-gemm packed), held to the same tolerance.
  struct PackedGemmWhileAlive {
    CpuGemm before = cpu_gemm();
    PackedGemmWhileAlive() { use_cpu_gemm(CpuGemm::packed); }
    ~PackedGemmWhileAlive() { use_cpu_gemm(before); }
  } packed;
  using Tensor4 = xt::xtensor<float, 4>;
  check_against_pytorch<float>(
      [](const Tensor4& x, const Tensor4& w, const OptionalBias<float>& b, std::size_t stride, std::size_t padding) {
        return conv2d_forward(x, w, b, stride, padding);
      },
      [](const Tensor4& dy, const Conv2dCache<float>& cache) { return conv2d_backward(dy, cache); }, false);
}

TEST_CASE("the library's convolution without a whole-batch im2col matches PyTorch", "[ch02][cpu_conv2d][golden]") {
  // resnet::cpu::conv2d_forward / conv2d_backward (what `resnet train` runs with its default
  // --kernels packed) on the same cases, held to the same tolerance as the reference.
  using Tensor4 = xt::xtensor<float, 4>;
  check_against_pytorch<float>(
      [](const Tensor4& x, const Tensor4& w, const OptionalBias<float>& b, std::size_t stride, std::size_t padding) {
        const WindowShape shape = conv2d_shape("cpu::conv2d_forward", x.shape(), w.shape(), stride, padding);
        Tensor4 y = cpu::conv2d_forward(x, w, b ? b->data() : nullptr, shape);
        return Conv2dOutput<float>{std::move(y), Conv2dCache<float>{x, w, b.has_value(), shape}};
      },
      [](const Tensor4& dy, const Conv2dCache<float>& cache) {
        cpu::Conv2dGrads grads = cpu::conv2d_backward(dy, cache.x, cache.weight, cache.shape, cache.has_bias);
        return Conv2dGrads<float>{std::move(grads.dx), std::move(grads.dweight), std::move(grads.dbias)};
      },
      false);
}

TEMPLATE_TEST_CASE("the direct convolution matches PyTorch on small odd shapes", "[ch02][conv2d][golden][2.5]", float,
                   double) {
  using Tensor4 = xt::xtensor<TestType, 4>;
  check_against_pytorch<TestType>(
      [](const Tensor4& x, const Tensor4& w, const OptionalBias<TestType>& b, std::size_t stride, std::size_t padding) {
        return conv2d_direct_forward(x, w, b, stride, padding);
      },
      [](const Tensor4& dy, const Conv2dCache<TestType>& cache) { return conv2d_direct_backward(dy, cache); }, true);
}

TEST_CASE("convolutions reject bad shapes with the op and the shapes in the message", "[ch02][conv2d][error]") {
  const xt::xtensor<float, 4> x = xt::zeros<float>({2, 3, 5, 5});
  const xt::xtensor<float, 4> w = xt::zeros<float>({4, 3, 3, 3});
  // The checks are given code (conv2d_shape and friends), so this test has no task tag.
  CHECK_THROWS_WITH(
      conv2d_forward(x, xt::xtensor<float, 4>(xt::zeros<float>({4, 2, 3, 3})), std::nullopt, 1, 1),
      Catch::Contains("conv2d_forward") && Catch::Contains("x has 3 channels") && Catch::Contains("(4, 2, 3, 3)"));
  CHECK_THROWS_WITH(conv2d_forward(x, w, std::nullopt, 0, 1), Catch::Contains("stride must be at least 1"));
  const int negative = -1;  // converts to an enormous std::size_t
  CHECK_THROWS_WITH(conv2d_forward(x, w, std::nullopt, 1, static_cast<std::size_t>(negative)),
                    Catch::Contains("small non-negative"));
  CHECK_THROWS_WITH(conv2d_direct_forward(x, w, std::nullopt, static_cast<std::size_t>(negative), 3),
                    Catch::Contains("small non-negative"));
  CHECK_THROWS_WITH(conv2d_direct_forward(x, xt::xtensor<float, 4>(xt::zeros<float>({4, 3, 9, 9})), std::nullopt, 1, 1),
                    Catch::Contains("9x9 window is larger than the padded input 7x7"));
  CHECK_THROWS_WITH(conv2d_forward(x, w, xt::xtensor<float, 1>{1, 2}, 1, 1),
                    Catch::Contains("bias has shape (2), expected (4)"));
  // Rank is part of the type: passing a rank-3 "image" does not compile.
  STATIC_REQUIRE(accepts_as_image<xt::xtensor<float, 4>>::value);
  STATIC_REQUIRE_FALSE(accepts_as_image<xt::xtensor<float, 3>>::value);
  STATIC_REQUIRE_FALSE(accepts_as_image<xt::xtensor<float, 2>>::value);
}

TEST_CASE("convolution backward rejects an upstream gradient of the wrong shape", "[ch02][conv2d][error][2.7]") {
  const auto result = conv2d_forward(xt::xtensor<float, 4>(xt::ones<float>({2, 3, 5, 5})),
                                     xt::xtensor<float, 4>(xt::ones<float>({4, 3, 3, 3})), std::nullopt, 1, 1);
  const xt::xtensor<float, 4> wrong = xt::ones<float>({2, 4, 4, 5});
  CHECK_THROWS_WITH(conv2d_backward(wrong, result.cache),
                    Catch::Contains("dy has shape (2, 4, 4, 5), expected (2, 4, 5, 5)"));
}
