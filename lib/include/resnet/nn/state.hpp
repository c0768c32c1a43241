/// @file
/// @brief Parameters, buffers and state dicts: the named tensors a module owns.
///
/// Every tensor of a model that is saved and loaded has a dotted name, the same as in
/// torchvision (`layer2.0.downsample.0.weight`), so that a torchvision state dict converts
/// name for name. Parameters are learned and have a gradient; buffers are state that is
/// not learned (batch norm's running statistics and its batch counter).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "resnet/tensor.hpp"

namespace resnet {

/// @ingroup ch03
/// @brief The element type of a saved tensor.
///
/// `DType::float32`: 32-bit float (`float`, PyTorch's `torch.float32`); `DType::float64`:
/// 64-bit float (`double`, `torch.float64`); `DType::int64`: 64-bit integer (`torch.int64`).
enum class DType { float32, float64, int64 };

/// @ingroup ch03
/// @brief "float32", "float64" or "int64".
std::string to_string(DType dtype);

/// @ingroup ch03
/// @brief One tensor of a state dict: its shape, element type and values (as doubles,
///        which hold float32, float64 and integers up to 2^53 exactly).
struct StateEntry {
  std::vector<std::size_t> shape;  ///< e.g. (64, 3, 7, 7); empty for a scalar
  DType dtype = DType::float32;    ///< what the model stores
  std::vector<double> values;      ///< row-major, shape's product many
};

/// @ingroup ch03
/// @brief Name -> tensor, in registration order (like PyTorch's OrderedDict).
/// @see https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.state_dict
using StateDict = std::vector<std::pair<std::string, StateEntry>>;

/// @ingroup ch03
/// @brief Anything a state dict can read and write: a parameter's value or a buffer.
class StateTensor {
 public:
  virtual ~StateTensor() = default;
  /// @brief The tensor's shape.
  virtual std::vector<std::size_t> shape() const = 0;
  /// @brief The element type it is stored with.
  virtual DType dtype() const = 0;
  /// @brief A copy of its values.
  virtual std::vector<double> values() const = 0;
  /// @brief Overwrites its values; throws ShapeError unless there is one value per element.
  virtual void set_values(const std::vector<double>& values) = 0;
  /// @brief Moves its values to `device` (chapter 6); nothing to do when they are there,
  ///        or for state that always stays on the CPU (a counter).
  virtual void move_to(Device /*device*/) {}
};

/// @ingroup ch03
/// @brief A copy of a tensor's values as doubles (copied to the CPU first if it lives on a GPU).
/// @param tensor any shape
/// @return its tensor.size() values, flattened row-major
template <class T, std::size_t N>
std::vector<double> values_of(const Tensor<T, N>& tensor) {
  const Tensor<T, N> on_cpu = tensor.device() == Device::cpu ? tensor : tensor.to(Device::cpu);
  return {on_cpu.host().begin(), on_cpu.host().end()};
}

/// @ingroup ch03
/// @brief Overwrites a tensor's values (on whichever device it lives).
/// @param tensor any shape; keeps its shape and device
/// @param values tensor.size() values, flattened row-major
/// @throws ShapeError when `values` does not hold exactly one value per element
template <class T, std::size_t N>
void assign_values(Tensor<T, N>& tensor, const std::vector<double>& values) {
  if (values.size() != tensor.size()) {
    throw ShapeError("set_values: " + std::to_string(values.size()) + " values for a tensor of shape " +
                     format_shape(tensor.shape()));
  }
  Tensor<T, N> on_cpu = Tensor<T, N>::zeros(tensor.shape());
  std::copy(values.begin(), values.end(), on_cpu.host().begin());
  tensor = tensor.device() == Device::cpu ? on_cpu : on_cpu.to(tensor.device());
}

/// @ingroup ch03
/// @brief A learned tensor, rank-erased: what optimizers and state dicts see of a Parameter.
template <class T>
class ParameterBase : public StateTensor {
 public:
  /// @brief The number of values.
  virtual std::size_t size() const = 0;
  /// @brief The values, flat (host memory for a CPU parameter, device memory for CUDA).
  virtual T* value_data() = 0;
  /// @brief The gradient, flat, same layout as value_data().
  virtual T* grad_data() = 0;
  /// @brief Sets the gradient to zero (what an optimizer's zero_grad does).
  virtual void zero_grad() = 0;
  /// @brief Where the value and gradient live.
  virtual Device device() const = 0;
};

/// @ingroup ch03
/// @brief A learned tensor of rank N: its value and the gradient of the loss with respect
///        to it. Backward passes **add** to `grad`; the optimizer zeroes it.
/// @see https://pytorch.org/docs/stable/generated/torch.nn.parameter.Parameter.html
template <class T, std::size_t N>
class Parameter : public ParameterBase<T> {
 public:
  Tensor<T, N> value;  ///< the weights
  Tensor<T, N> grad;   ///< same shape; accumulated by backward passes

  /// @brief A parameter with the given initial value and a zero gradient.
  /// @param initial the value, any shape of rank N (the gradient gets the same shape)
  explicit Parameter(xt::xtensor<T, N> initial)
      : value(Tensor<T, N>::from_host(std::move(initial))), grad(Tensor<T, N>::zeros(value.shape())) {}

  std::vector<std::size_t> shape() const override { return {value.shape().begin(), value.shape().end()}; }
  DType dtype() const override { return sizeof(T) == 4 ? DType::float32 : DType::float64; }
  std::vector<double> values() const override { return values_of(value); }
  void set_values(const std::vector<double>& values) override { assign_values(value, values); }
  std::size_t size() const override { return value.size(); }
  T* value_data() override { return value.device() == Device::cpu ? value.host().data() : value.device_data(); }
  T* grad_data() override { return grad.device() == Device::cpu ? grad.host().data() : grad.device_data(); }
  void zero_grad() override { grad.fill_zero(); }
  Device device() const override { return value.device(); }
  void move_to(Device target) override {
    if (value.device() != target) value = value.to(target);
    if (grad.device() != target) grad = grad.to(target);
  }
};

/// @ingroup ch03
/// @brief A buffer of rank N: state kept with the model but not learned (a running mean).
/// @see https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.register_buffer
template <class T, std::size_t N>
class Buffer : public StateTensor {
 public:
  Tensor<T, N> value;  ///< the state

  /// @brief A buffer holding `initial`.
  /// @param initial the value, any shape of rank N
  explicit Buffer(xt::xtensor<T, N> initial) : value(Tensor<T, N>::from_host(std::move(initial))) {}

  std::vector<std::size_t> shape() const override { return {value.shape().begin(), value.shape().end()}; }
  DType dtype() const override { return sizeof(T) == 4 ? DType::float32 : DType::float64; }
  std::vector<double> values() const override { return values_of(value); }
  void set_values(const std::vector<double>& values) override { assign_values(value, values); }
  void move_to(Device target) override {
    if (value.device() != target) value = value.to(target);
  }
};

/// @ingroup ch03
/// @brief An integer counter kept as a buffer: batch norm's `num_batches_tracked`, a
///        scalar int64 in PyTorch's state dicts.
class CounterBuffer : public StateTensor {
 public:
  std::int64_t count = 0;  ///< the counter

  std::vector<std::size_t> shape() const override { return {}; }
  DType dtype() const override { return DType::int64; }
  std::vector<double> values() const override { return {static_cast<double>(count)}; }
  void set_values(const std::vector<double>& values) override {
    if (values.size() != 1) throw ShapeError("set_values: a counter holds exactly one value");
    count = static_cast<std::int64_t>(values[0]);
  }
};

}  // namespace resnet
