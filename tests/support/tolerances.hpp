// Every tolerance the tests use, in one table, each with its reason.
//
// The golden files hold PyTorch's answer computed in float64 from the same inputs the
// C++ test reads (inputs are stored as float32, so both precisions start from identical
// values). A float32 op is therefore measured against the exact-to-float64 answer, and
// its tolerance only has to cover float32 rounding, which we can bound; a float64 op
// must agree to ~1e-12 because only the order of roundings differs.
// Never loosen an entry to make a test pass: find out why the error is larger.
#pragma once

#include <type_traits>

#include <algorithm>
#include <cmath>

namespace resnet::testing {

/// An allowance |actual - expected| <= atol + rtol * |expected|, with the reason for it.
struct Tolerance {
  double rtol;
  double atol;
  const char* reason;
};

/// An allowance for tensors of long sums: rtol as above, and an absolute part that is a
/// fraction of the tensor's largest expected magnitude (see at_scale_of()).
struct ScaleTolerance {
  double rtol;
  double scale_fraction;
  const char* reason;
};

/// The Tolerance of `scaled` for one expected tensor: atol = scale_fraction * max|expected|.
template <class Tensor>
Tolerance at_scale_of(const ScaleTolerance& scaled, const Tensor& expected) {
  double scale = 0.0;
  for (auto value : expected) scale = std::max(scale, std::abs(static_cast<double>(value)));
  return Tolerance{scaled.rtol, scaled.scale_fraction * scale, scaled.reason};
}

namespace tolerance {

/// float64 against float64: the same formula, roundings in a different order.
inline constexpr Tolerance float64{1e-12, 1e-14, "float64 on both sides; only the order of roundings differs"};

/// float32 elementwise arithmetic such as (x - mean) / std on values of order 1:
/// two roundings of the result (2 ulps relative), plus, where x - mean cancels, one ulp of
/// x (6e-8) divided by std (>= 0.24 for CIFAR statistics) in absolute terms.
inline constexpr Tolerance elementwise_float32{
    3e-7, 5e-7, "float32: a subtraction and a division; cancellation bounded by ulp(x) / std"};

/// float32 softmax and log-softmax of rows of up to 100 logits, against float64.
/// Each output goes through a subtraction, exp (<= 1 ulp), a sum of K terms and a
/// division or log: a few tens of ulps at most, and float32's ulp is 6e-8 relative.
/// The absolute part covers log-softmax outputs near zero.
inline constexpr Tolerance softmax_float32{2e-6, 1e-6,
                                           "float32: exp, a K-term sum and a division or log, a few ulps each"};

/// float32 sums, means and variances, accumulated in double then rounded once to float32:
/// the result is the float64 answer rounded to float32 (0.5 ulp = 6e-8) plus the
/// float32 rounding of the inputs' deviations from the mean in the variance (another ulp).
inline constexpr Tolerance reduction_float32{3e-7, 1e-7,
                                             "float32 result of a float64 accumulation: one or two final roundings"};

/// float32 matrix products with K <= 256 and entries in [-1, 1], against float64.
/// A K-term dot product in float32 has error below K * 6e-8 * sum|a_ip b_pj| in the worst
/// case; the observed errors are about sqrt(K) times smaller. atol 2e-5 is the typical
/// size for K = 256 (|C| ~ sqrt(K)/3 ~ 5) with headroom; rtol covers large entries.
inline constexpr Tolerance matmul_float32{1e-5, 2e-5, "float32 K-term dot products (K <= 256, entries in [-1, 1])"};

/// float32 convolutions and their gradients against float64. Every value is a long sum
/// (up to 4608 = 512x3x3 terms for y and dx, and N*P*Q terms for dweight: 25,088 for the
/// ImageNet stem at batch 2), and the rounding error of a sum scales with its terms, not
/// with its result: an entry that cancels to near 0 still carries the error of its big
/// terms. So the allowance is relative to the tensor's scale: atol = 3e-6 * max|expected|.
/// Measured over every case of ch02/conv_cases.json: at most 5.7e-7 * max|expected| (dx of
/// the ImageNet layer3 projection), so the bound has a 5x margin.
inline constexpr ScaleTolerance conv_float32{1e-6, 3e-6,
                                             "float32 sums of up to 4608 terms: error relative to the tensor's scale"};

/// float32 residual blocks (convolutions and batch norms in a chain, batch norm over as few
/// as M = 18 values per channel) against float64, relative to each tensor's scale as for
/// convolutions. Measured over the four block cases (ch04/block_cases.json: outputs, every
/// gradient, running statistics, eval outputs): at most 3.8e-7 * max|expected|, so the
/// bound has a margin of about 8x.
inline constexpr ScaleTolerance block_float32{
    1e-6, 3e-6, "float32 chains of convolutions and batch norms: error relative to the tensor's scale"};

/// The library's fused batch norm + add + ReLU (float32) against its formulas in float64:
/// each output is a handful of float operations on values of order 1 after normalisation (a
/// subtraction, two multiplications, two additions). The forward pass sums each channel in
/// double; the backward pass sums blocks of 256 values in float (in 4 SSE lanes of 64 values
/// when vectorised, in one run of 256 when not), then the blocks in double, over at most 646
/// values here. A few ulps of the
/// largest value (6e-8 relative each) cover it; atol 2e-6 covers values that cancel near 0.
inline constexpr Tolerance fused_float32{
    1e-5, 2e-6, "float32: a few roundings per value on order-1 numbers, channel sums in double or short float runs"};

/// Whole float32 networks (ResNet-18/34/50 in training mode: up to 53 convolutions and
/// batch norms in a chain) against float64: logits, loss, every gradient, running
/// statistics, eval logits (tests/05_resnet34/needs_torch). Measured: at most 8.5e-5 *
/// max|expected| (a running_var of ResNet-50's last stage, a variance over 8 values), and
/// at most 1.5e-5 for the gradients; the bound has a margin of 3.5x. ResNet-34 on the
/// library's kernels (Winograd for y, dx and dweight, fused batch norm): at most 1.2e-5 (a
/// gradient of layer4.2.conv1.weight). Gradients are compared where they are defined to float32
/// precision (see make_fixtures.py).
inline constexpr ScaleTolerance network_float32{
    1e-5, 3e-4, "float32 through a whole ResNet: error relative to each tensor's scale"};

/// Whole float64 networks against PyTorch's float64: the same sums in another order.
/// Measured: at most 1.4e-12 * max|expected| (ResNet-50), a margin of 70x.
inline constexpr ScaleTolerance network_float64{1e-10, 1e-10,
                                                "float64 through a whole ResNet, summed in another order"};

/// Optimizers in float64 against torch.optim in float64: the same few operations per value
/// in the same order, five steps.
inline constexpr Tolerance optimizer_float64{1e-12, 1e-15, "float64 update rules, the same arithmetic as PyTorch's"};

/// Optimizers in float32 against torch.optim in float64: each step rounds the parameter and
/// the moments to float32 (relative 6e-8); Adam's division by sqrt(v) + eps keeps relative
/// errors of that order; five steps on parameters of magnitude ~1.
inline constexpr Tolerance optimizer_float32{2e-6, 1e-6,
                                             "float32 update rules: a few float32 roundings per value per step"};

/// Learning rates and momenta of the schedules: closed forms against PyTorch's (partly
/// recursive) computation in float64.
inline constexpr Tolerance schedule{1e-12, 1e-15, "float64 closed forms against PyTorch's recursive float64 updates"};

/// float64 convolutions against PyTorch's float64: the same sums in another order.
/// Measured: at most 6.1e-16 * max|expected|.
inline constexpr ScaleTolerance conv_float64{1e-12, 1e-13, "float64 sums of up to 4608 terms, summed in another order"};

/// float32 batch norm against float64: statistics are accumulated in double, so the error
/// comes from rounding x_hat and y to float32 (a few ulps of values of order 1-10) and, in
/// backward, from the float32 dy * x_hat products; the absolute part covers outputs near 0.
inline constexpr Tolerance batchnorm_float32{
    1e-6, 1e-6, "float32 normalisation with double statistics: a few float32 roundings per value"};

/// A sum of at most 9 float32 values (the dy of the overlapping max-pool windows that share
/// a maximum), rounded in float32 at each of up to 8 additions: 8 half-ulps = 5e-7 relative.
inline constexpr Tolerance few_term_sum_float32{5e-7, 1e-7,
                                                "float32 sums of at most 9 values: one rounding per addition"};

/// Central differences of a quadratic: the formula is exact, only rounding is left,
/// eps * |L| / h = 1.1e-16 * 20 / 1e-6, about 2e-9.
inline constexpr Tolerance central_difference_of_quadratic{
    1e-8, 0.0, "central differences are exact for a quadratic; rounding eps*|L|/h is about 2e-9"};

/// Naive matrix product against BLAS on integer-valued float inputs whose products and
/// partial sums are integers below 2^24: every step is exact, so any difference is a bug.
inline constexpr Tolerance exact{0.0, 0.0, "integer-valued data: every product and partial sum is exact in float32"};

/// The tolerance for results computed in T: `float32` for float, float64 for double (the
/// ops are templates, compiled for both).
template <class T>
Tolerance for_scalar(const Tolerance& float32) {
  return std::is_same_v<T, float> ? float32 : float64;
}

}  // namespace tolerance
}  // namespace resnet::testing
