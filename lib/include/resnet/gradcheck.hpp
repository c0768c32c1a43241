/// @file
/// @brief The gradient checker: every backward pass compared with central differences,
///        in double precision, with a diagnosis when they disagree.
///
/// A backward pass is easy to get almost right. The checker computes the same gradients a
/// second way, numerically, and compares:
///  1. draw a random upstream gradient g of the output's shape (an all-ones g hides
///     mistakes: terms that should cancel, notoriously in batch norm, cancel anyway);
///  2. take the scalar \f$ L = \sum g \odot f(\text{inputs}) \f$, whose gradient with
///     respect to each input is exactly what backward(g) returns;
///  3. estimate \f$ \partial L / \partial v_i \f$ for every value of every input and
///     parameter by central differences (numerical_gradient(), task 2.1);
///  4. report the worst relative error per variable, with its index and both values.
/// Parameters are also checked to *accumulate*: their gradient buffers start non-zero,
/// and backward must add to them, not overwrite them (chapter 3's modules rely on it).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup ch02
/// @brief \f$ \partial L / \partial v_i \approx \frac{L(v + h e_i) - L(v - h e_i)}{2h} \f$ for
///        every entry i of `values` (central differences).
///
/// Task 2.1. `loss` is called exactly twice per entry, with that entry moved up and down
/// by h and never with more than one entry moved; on return every entry of `values` is
/// exactly what it was, bit for bit. The estimate's error is a truncation error of order
/// \f$ h^2 \f$ (chapters/02_convolution/README.md asks why) plus about
/// \f$ \epsilon\,|L| / h \f$ from rounding (\f$ \epsilon = 1.1 \cdot 10^{-16} \f$ in
/// double). h = 1e-5 keeps both near 1e-10 for the checks' losses (|L| up to about 100),
/// including the blocks of chapter 4, where batch norm makes L strongly curved: there
/// h = 1e-4 leaves truncation errors of 6e-6 and h = 1e-6 rounding errors of 2e-6
/// (relative), and h = 1e-5 gives 1.3e-7 at worst.
/// @param loss evaluates the scalar for the current contents of `values`
/// @param values the variable, flattened; changed during the call, unchanged after it
/// @param step h
/// @return the estimated gradient, the shape of `values`
xt::xtensor<double, 1> numerical_gradient(const std::function<double()>& loss, xt::xtensor<double, 1>& values,
                                          double step);

/// @ingroup ch02
/// @brief One tensor the checker perturbs: an input or a parameter of the op, flattened.
struct GradCheckVariable {
  std::string name;                ///< "x", "weight", ...
  std::vector<std::size_t> shape;  ///< its real shape, for reporting indices
  xt::xtensor<double, 1> values;   ///< its values, flattened row-major
  bool is_parameter = false;       ///< @brief parameters must accumulate their gradients
  /// @brief For the input of a sliding-window op: how many windows read each value (same size
  ///        as values). Lets the checker recognise "wrong exactly where windows overlap". Optional.
  std::vector<std::size_t> window_counts;
  /// @brief For the input (N, C, H, W) of a per-channel normalisation in training mode
  ///        (batch norm): lets the checker recognise a missing mean or variance term.
  bool normalized_per_channel = false;
};

/// @ingroup ch02
/// @brief An op made checkable: its variables, its forward, and its backward, on flat tensors.
struct GradCheckCase {
  std::string op;                            ///< e.g. "conv2d, stride 2, padding 1"
  std::vector<GradCheckVariable> variables;  ///< @brief inputs and parameters, in order
  /// @brief The output for the current values of the variables, flattened.
  std::function<xt::xtensor<double, 1>(const std::vector<GradCheckVariable>&)> forward;
  /// @brief Adds the analytic gradient for upstream gradient `dy` (flattened output) into
  ///        `gradients[i]` (flattened, the size of variable i) for every variable i.
  std::function<void(const std::vector<GradCheckVariable>&, const xt::xtensor<double, 1>& dy,
                     std::vector<xt::xtensor<double, 1>>& gradients)>
      backward;
};

/// @ingroup ch02
/// @brief The comparison for one variable.
struct GradCheckEntry {
  std::string variable;                  ///< its name
  std::vector<std::size_t> shape;        ///< its shape
  double max_relative_error = 0.0;       ///< worst \f$ |a - n| / \max(|a|, |n|, \text{floor}) \f$
  std::vector<std::size_t> worst_index;  ///< where, as a multi-index
  double analytic = 0.0;                 ///< backward's value there
  double numeric = 0.0;                  ///< central differences' value there
  std::string diagnosis;                 ///< the likely cause, when one is recognised
};

/// @ingroup ch02
/// @brief The outcome of check_gradients() for one op.
struct GradCheckReport {
  std::string op;                       ///< the case's name
  std::vector<GradCheckEntry> entries;  ///< one per variable

  /// @brief The worst relative error over all variables.
  double max_relative_error() const;
  /// @brief True when every variable's error is below `threshold`.
  bool passed(double threshold) const;
  /// @brief A readable report: one line per variable, plus the diagnosis of failures.
  std::string to_string(double threshold) const;
};

/// @ingroup ch02
/// @brief The relative error the checker requires in double precision.
inline constexpr double kGradCheckThreshold = 1e-6;

/// @ingroup ch02
/// @brief Runs the four steps above on one op.
///
/// The relative error of entry i is \f$ |a_i - n_i| / \max(|a_i|, |n_i|, f) \f$ with the
/// floor \f$ f = 10^{-3} \max_j |n_j| \f$, so that entries whose true gradient is 0 (and
/// whose numerical estimate is rounding noise) are judged against the gradient's scale.
/// @param check the op; its variables are perturbed during the call and restored
/// @param seed for the random upstream gradient and the parameters' initial gradients
/// @param step central-difference step h
/// @return one entry per variable, in the order of `check.variables`
/// @see https://pytorch.org/docs/stable/autograd.html#numerical-gradient-checking
GradCheckReport check_gradients(GradCheckCase& check, std::uint64_t seed = 1, double step = 1e-5);

/// @ingroup ch02
/// @brief How many windows of a sliding-window op read each input value, flattened like
///        the input (N, C, H, W): the window_counts of a GradCheckVariable.
/// @param input_shape (N, C, H, W)
/// @param kernel_height R
/// @param kernel_width S
/// @param stride the windows' step
/// @param padding added on every side
/// @return one count per input value, N·C·H·W of them
std::vector<std::size_t> window_counts(const std::vector<std::size_t>& input_shape, std::size_t kernel_height,
                                       std::size_t kernel_width, std::size_t stride, std::size_t padding);

/// @ingroup ch02
/// @brief A variable for a GradCheckCase: the values of `tensor`, flattened, with its shape.
/// @param name the name reports use ("x", "weight", ...)
/// @param tensor its values, any shape
/// @param is_parameter whether its gradient must accumulate
/// @return the variable: name, shape (the tensor's), values flattened row-major
template <std::size_t N>
GradCheckVariable make_variable(const std::string& name, const xt::xtensor<double, N>& tensor,
                                bool is_parameter = false) {
  GradCheckVariable variable;
  variable.name = name;
  variable.shape.assign(tensor.shape().begin(), tensor.shape().end());
  variable.values = xt::xtensor<double, 1>::from_shape({tensor.size()});
  std::copy(tensor.begin(), tensor.end(), variable.values.begin());
  variable.is_parameter = is_parameter;
  return variable;
}

/// @ingroup ch02
/// @brief The values of a variable in their real shape (a copy), for calling the op.
/// @tparam N the variable's rank
/// @param variable the variable, whose shape has N sizes
/// @return a tensor of shape `variable.shape`
template <std::size_t N>
xt::xtensor<double, N> shaped(const GradCheckVariable& variable) {
  std::array<std::size_t, N> shape{};
  std::copy(variable.shape.begin(), variable.shape.end(), shape.begin());
  xt::xtensor<double, N> tensor = xt::xtensor<double, N>::from_shape(shape);
  std::copy(variable.values.begin(), variable.values.end(), tensor.begin());
  return tensor;
}

/// @ingroup ch02
/// @brief A tensor's values flattened row-major (a copy), as forward and backward return them.
/// @param tensor any shape
/// @return shape (tensor.size())
template <std::size_t N>
xt::xtensor<double, 1> flattened(const xt::xtensor<double, N>& tensor) {
  xt::xtensor<double, 1> flat = xt::xtensor<double, 1>::from_shape({tensor.size()});
  std::copy(tensor.begin(), tensor.end(), flat.begin());
  return flat;
}

}  // namespace resnet
