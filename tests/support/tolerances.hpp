// Every tolerance the tests use, in one table, each with its reason.
//
// The golden files hold PyTorch's answer computed in float64 from the same inputs the
// C++ test reads (inputs are stored as float32, so both precisions start from identical
// values). A float32 op is therefore measured against the exact-to-float64 answer, and
// its tolerance only has to cover float32 rounding, which we can bound; a float64 op
// must agree to ~1e-12 because only the order of roundings differs.
// Never loosen an entry to make a test pass: find out why the error is larger.
#pragma once

namespace resnet::testing {

/// An allowance |actual - expected| <= atol + rtol * |expected|, with the reason for it.
struct Tolerance {
  double rtol;
  double atol;
  const char* reason;
};

namespace tolerance {

/// float64 against float64: the same formula, roundings in a different order.
inline constexpr Tolerance float64{1e-12, 1e-14,
    "float64 on both sides; only the order of roundings differs"};

/// float32 elementwise arithmetic such as (x - mean) / std on values of order 1:
/// two roundings of the result (2 ulps relative), plus, where x - mean cancels, one ulp of
/// x (6e-8) divided by std (>= 0.24 for CIFAR statistics) in absolute terms.
inline constexpr Tolerance elementwise_float32{3e-7, 5e-7,
    "float32: a subtraction and a division; cancellation bounded by ulp(x) / std"};

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
inline constexpr Tolerance matmul_float32{1e-5, 2e-5,
    "float32 K-term dot products (K <= 256, entries in [-1, 1])"};

/// Naive matrix product against BLAS on integer-valued float inputs whose products and
/// partial sums are integers below 2^24: every step is exact, so any difference is a bug.
inline constexpr Tolerance exact{0.0, 0.0,
    "integer-valued data: every product and partial sum is exact in float32"};

}  // namespace tolerance
}  // namespace resnet::testing
