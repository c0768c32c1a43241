#include "resnet/chapter2_gradient_checks.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include <xtensor/xmanipulation.hpp>
#include <numeric>

#include "resnet/ops/conv2d.hpp"
#include "resnet/ops/conv2d_direct.hpp"
#include "resnet/ops/cross_entropy.hpp"
#include "resnet/ops/global_avg_pool2d.hpp"
#include "resnet/ops/linear.hpp"
#include "resnet/ops/max_pool2d.hpp"
#include "resnet/ops/relu.hpp"
#include "resnet/random.hpp"

namespace resnet {

namespace {

using Variables = std::vector<GradCheckVariable>;
using Gradients = std::vector<xt::xtensor<double, 1>>;

GradCheckCase linear_check(Generator& generator) {
  GradCheckCase check;
  check.op = "linear";
  check.variables = {make_variable("x", random_normal<double, 2>({3, 5}, generator)),
                     make_variable("weight", random_normal<double, 2>({4, 5}, generator), true),
                     make_variable("bias", random_normal<double, 1>({4}, generator), true)};
  check.forward = [](const Variables& v) {
    return flattened(linear_forward(shaped<2>(v[0]), shaped<2>(v[1]), shaped<1>(v[2])).y);
  };
  check.backward = [](const Variables& v, const xt::xtensor<double, 1>& dy, Gradients& grads) {
    const auto forward = linear_forward(shaped<2>(v[0]), shaped<2>(v[1]), shaped<1>(v[2]));
    const xt::xtensor<double, 2> dy_shaped = xt::reshape_view(dy, forward.y.shape());
    const auto result = linear_backward(dy_shaped, forward.cache);
    grads[0] += flattened(result.dx);
    grads[1] += flattened(result.dweight);
    grads[2] += flattened(result.dbias);
  };
  return check;
}

GradCheckCase relu_check(Generator& generator) {
  // Keep every input at least 0.1 away from the kink at 0, where ReLU has no derivative.
  xt::xtensor<double, 4> x = random_normal<double, 4>({2, 3, 4, 5}, generator);
  for (double& value : x) value = std::copysign(0.1 + std::abs(value), value);
  GradCheckCase check;
  check.op = "relu";
  check.variables = {make_variable("x", x)};
  check.forward = [](const Variables& v) { return flattened(relu_forward(shaped<4>(v[0])).y); };
  check.backward = [](const Variables& v, const xt::xtensor<double, 1>& dy, Gradients& grads) {
    const auto forward = relu_forward(shaped<4>(v[0]));
    const xt::xtensor<double, 4> dy_shaped = xt::reshape_view(dy, forward.y.shape());
    grads[0] += flattened(relu_backward(dy_shaped, forward.cache).dx);
  };
  return check;
}

GradCheckCase cross_entropy_check(Generator& generator) {
  const xt::xtensor<std::int64_t, 1> labels = {2, 0, 5, 2};
  GradCheckCase check;
  check.op = "cross-entropy";
  check.variables = {make_variable("logits", random_normal<double, 2>({4, 6}, generator, 0.0, 2.0))};
  check.forward = [labels](const Variables& v) {
    return xt::xtensor<double, 1>{cross_entropy_forward(shaped<2>(v[0]), labels).loss};
  };
  check.backward = [labels](const Variables& v, const xt::xtensor<double, 1>& dy, Gradients& grads) {
    const auto forward = cross_entropy_forward(shaped<2>(v[0]), labels);
    grads[0] += flattened(cross_entropy_backward(dy(0), forward.cache).dlogits);
  };
  return check;
}

// A convolution check through `forward_op` / `backward_op` (direct or im2col).
template <class Forward, class Backward>
GradCheckCase conv_check(const std::string& name, Generator& generator, std::array<std::size_t, 4> x_shape,
                         std::array<std::size_t, 4> w_shape, bool with_bias, std::size_t stride, std::size_t padding,
                         Forward forward_op, Backward backward_op) {
  GradCheckCase check;
  check.op = name + ", " + std::to_string(w_shape[2]) + "x" + std::to_string(w_shape[3]) + " kernel, stride " +
             std::to_string(stride) + ", padding " + std::to_string(padding) + (with_bias ? ", bias" : "");
  check.variables = {make_variable("x", random_normal<double, 4>(x_shape, generator)),
                     make_variable("weight", random_normal<double, 4>(w_shape, generator), true)};
  check.variables[0].window_counts = window_counts(check.variables[0].shape, w_shape[2], w_shape[3], stride, padding);
  if (with_bias)
    check.variables.push_back(make_variable("bias", random_normal<double, 1>({w_shape[0]}, generator), true));
  const auto bias_of = [](const Variables& v) {
    return v.size() > 2 ? OptionalBias<double>(shaped<1>(v[2])) : std::nullopt;
  };
  check.forward = [=](const Variables& v) {
    return flattened(forward_op(shaped<4>(v[0]), shaped<4>(v[1]), bias_of(v), stride, padding).y);
  };
  check.backward = [=](const Variables& v, const xt::xtensor<double, 1>& dy, Gradients& grads) {
    const auto forward = forward_op(shaped<4>(v[0]), shaped<4>(v[1]), bias_of(v), stride, padding);
    const xt::xtensor<double, 4> dy_shaped = xt::reshape_view(dy, forward.y.shape());
    const auto result = backward_op(dy_shaped, forward.cache);
    grads[0] += flattened(result.dx);
    grads[1] += flattened(result.dweight);
    if (v.size() > 2) grads[2] += flattened(result.dbias);
  };
  return check;
}

GradCheckCase max_pool_check(Generator& generator) {
  // Distinct values 0.1 apart (a shuffled ramp): a step of 1e-5 never changes which input
  // is a window's maximum, so the function is smooth where we differentiate it.
  const std::array<std::size_t, 4> shape{2, 2, 7, 7};
  std::vector<double> ramp(2 * 2 * 7 * 7);
  std::iota(ramp.begin(), ramp.end(), 0.0);
  for (std::size_t i = ramp.size() - 1; i > 0; --i) std::swap(ramp[i], ramp[generator.below(i + 1)]);
  xt::xtensor<double, 4> x = xt::xtensor<double, 4>::from_shape(shape);
  std::transform(ramp.begin(), ramp.end(), x.begin(), [](double r) { return 0.1 * r - 5.0; });
  GradCheckCase check;
  check.op = "max-pool, 3x3 window, stride 2, padding 1";
  check.variables = {make_variable("x", x)};
  check.variables[0].window_counts = window_counts(check.variables[0].shape, 3, 3, 2, 1);
  check.forward = [](const Variables& v) { return flattened(max_pool2d_forward(shaped<4>(v[0]), 3, 2, 1).y); };
  check.backward = [](const Variables& v, const xt::xtensor<double, 1>& dy, Gradients& grads) {
    const auto forward = max_pool2d_forward(shaped<4>(v[0]), 3, 2, 1);
    const xt::xtensor<double, 4> dy_shaped = xt::reshape_view(dy, forward.y.shape());
    grads[0] += flattened(max_pool2d_backward(dy_shaped, forward.cache).dx);
  };
  return check;
}

GradCheckCase global_avg_pool_check(Generator& generator) {
  GradCheckCase check;
  check.op = "global average pool";
  check.variables = {make_variable("x", random_normal<double, 4>({2, 3, 4, 5}, generator))};
  check.forward = [](const Variables& v) { return flattened(global_avg_pool2d_forward(shaped<4>(v[0])).y); };
  check.backward = [](const Variables& v, const xt::xtensor<double, 1>& dy, Gradients& grads) {
    const auto forward = global_avg_pool2d_forward(shaped<4>(v[0]));
    const xt::xtensor<double, 2> dy_shaped = xt::reshape_view(dy, forward.y.shape());
    grads[0] += flattened(global_avg_pool2d_backward(dy_shaped, forward.cache).dx);
  };
  return check;
}

}  // namespace

std::vector<GradCheckCase> chapter2_gradient_checks(std::uint64_t seed) {
  Generator generator(seed);
  using Tensor4 = xt::xtensor<double, 4>;
  const auto direct_forward = [](const Tensor4& x, const Tensor4& w, const OptionalBias<double>& b, std::size_t stride,
                                 std::size_t padding) { return conv2d_direct_forward(x, w, b, stride, padding); };
  const auto direct_backward = [](const Tensor4& dy, const Conv2dCache<double>& cache) {
    return conv2d_direct_backward(dy, cache);
  };
  const auto gemm_forward = [](const Tensor4& x, const Tensor4& w, const OptionalBias<double>& b, std::size_t stride,
                               std::size_t padding) { return conv2d_forward(x, w, b, stride, padding); };
  const auto gemm_backward = [](const Tensor4& dy, const Conv2dCache<double>& cache) {
    return conv2d_backward(dy, cache);
  };
  std::vector<GradCheckCase> checks;
  checks.push_back(linear_check(generator));
  checks.push_back(relu_check(generator));
  checks.push_back(cross_entropy_check(generator));
  checks.push_back(
      conv_check("conv2d direct", generator, {2, 3, 7, 7}, {4, 3, 3, 3}, true, 1, 1, direct_forward, direct_backward));
  checks.push_back(
      conv_check("conv2d direct", generator, {2, 3, 9, 7}, {4, 3, 3, 3}, false, 2, 1, direct_forward, direct_backward));
  checks.push_back(
      conv_check("conv2d im2col", generator, {2, 3, 7, 7}, {4, 3, 3, 3}, true, 1, 1, gemm_forward, gemm_backward));
  checks.push_back(
      conv_check("conv2d im2col", generator, {2, 3, 9, 7}, {4, 3, 3, 3}, false, 2, 1, gemm_forward, gemm_backward));
  checks.push_back(
      conv_check("conv2d im2col", generator, {2, 4, 6, 6}, {3, 4, 1, 1}, false, 2, 0, gemm_forward, gemm_backward));
  checks.push_back(
      conv_check("conv2d im2col", generator, {1, 2, 11, 11}, {3, 2, 7, 7}, false, 2, 3, gemm_forward, gemm_backward));
  checks.push_back(max_pool_check(generator));
  checks.push_back(global_avg_pool_check(generator));
  return checks;
}

}  // namespace resnet
