/// @file
/// @brief The project's tensor handle: a shape plus values on the CPU (an xtensor) or on
///        a CUDA device (a device buffer).
///
/// How the pieces fit (DESIGN.md, "The core"):
///  - CPU ops are free functions on `xt::xtensor<T, N>` (chapters 1-5 read as plain
///    xtensor code).
///  - Modules (chapters 3-5) keep their parameters and activations in `Tensor<T, N>` and
///    hand the CPU ops `tensor.host()`; in chapter 6 the CUDA ops get
///    `tensor.device_data()` instead. Chapters 2-5 never change when the GPU arrives.
///  - Copies between devices are explicit: `tensor.to(Device::cuda)`.
///  - One scalar-type mechanism: everything is a template on T, compiled for `float`
///    (training) and `double` (gradient checks).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

#include <xtensor/xtensor.hpp>

#include "resnet/cuda/memory.hpp"
#include "resnet/error.hpp"
#include "resnet/shape.hpp"

namespace resnet {

namespace detail {
/// @brief a += b for `count` values in device memory (chapter 6's `add` kernel), for
///        Tensor::operator+=; defined for float and double in lib/src/tensor.cpp.
template <class T>
void add_on_device(T* a, const T* b, std::size_t count);
}  // namespace detail

/// @ingroup core
/// @brief Where a tensor's values live.
///
/// `Device::cpu`: in host memory, as an xtensor. `Device::cuda`: in the memory of a CUDA
/// device (chapter 6).
/// @see https://pytorch.org/docs/stable/tensor_attributes.html#torch-device
enum class Device { cpu, cuda };

/// @ingroup core
/// @brief "cpu" or "cuda".
inline std::string to_string(Device device) { return device == Device::cpu ? "cpu" : "cuda"; }

/// @ingroup core
/// @brief Reads "cpu" or "cuda" (as given to `--device`); anything else throws
///        std::invalid_argument naming the accepted values.
inline Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::cpu;
  if (name == "cuda") return Device::cuda;
  throw std::invalid_argument("unknown device '" + name + "' (expected cpu or cuda)");
}

/// @ingroup core
/// @brief A rank-N array of T that lives on the CPU or on a CUDA device.
///
/// On the CPU the values are an `xt::xtensor<T, N>` (row-major; images are NCHW), so the
/// CPU ops take `host()` directly with no copy. On a GPU they are a DeviceBuffer of the
/// same row-major layout. Copying a Tensor copies its values (value semantics, like
/// xtensor); moving is cheap.
///
/// @tparam T value type: `float` for training, `double` for gradient checks
/// @tparam N rank, fixed at compile time (4 for NCHW images, 2 for matrices, 1 for vectors)
///
/// @code
/// auto images = resnet::Tensor<float, 4>::zeros({128, 3, 32, 32});  // on the CPU
/// xt::xtensor<float, 4>& values = images.host();   // what CPU ops take, no copy
/// auto on_gpu = images.to(resnet::Device::cuda);   // an explicit copy (chapter 6)
/// @endcode
/// @see https://pytorch.org/docs/stable/generated/torch.Tensor.html
template <class T, std::size_t N>
class Tensor {
  static_assert(std::is_arithmetic_v<T>, "Tensor holds numbers");

 public:
  using value_type = T;                           ///< the element type
  using shape_type = std::array<std::size_t, N>;  ///< one size per axis
  static constexpr std::size_t rank = N;          ///< number of axes

  /// @brief An empty tensor (every size 0) on the CPU.
  Tensor() : host_(xt::xtensor<T, N>::from_shape(shape_type{})) {}

  /// @brief A tensor of zeros with the given shape on the given device.
  ///
  /// A named function rather than a constructor: for rank 1, `Tensor<float, 1>({3})`
  /// could mean "shape (3)" or "the one value 3", and xtensor itself reads `{3}` as values.
  /// @param shape one size per axis, e.g. (N, C, H, W)
  /// @param device where the values live
  /// @return a tensor of shape `shape` on `device`, every value 0
  /// @see https://pytorch.org/docs/stable/generated/torch.zeros.html
  static Tensor zeros(const shape_type& shape, Device device = Device::cpu) {
    Tensor result;
    result.device_ = device;
    if (device == Device::cpu) {
      result.host_ = xt::xtensor<T, N>::from_shape(shape);
      result.host_.fill(T(0));
    } else {
      result.host_ = xt::xtensor<T, N>::from_shape(shape_type{});
      result.device_shape_ = shape;
      result.device_values_ = cuda::DeviceBuffer<T>(element_count(shape));
      cuda::fill_zero(result.device_values_.data(), result.device_values_.size() * sizeof(T));
    }
    return result;
  }

  /// @brief A tensor of the given shape on the given device whose values are not set yet
  ///        (on the CPU: zeros): for outputs that a kernel overwrites entirely.
  /// @param shape one size per axis
  /// @param device where the values live
  /// @see https://pytorch.org/docs/stable/generated/torch.empty.html
  static Tensor empty(const shape_type& shape, Device device = Device::cpu) {
    if (device == Device::cpu) return zeros(shape);
    return on_device(shape, cuda::DeviceBuffer<T>(element_count(shape)));
  }

  /// @brief A CUDA tensor made of a device buffer (moved in) and the shape it holds.
  /// @throws ShapeError when the buffer does not have exactly one value per element
  static Tensor on_device(const shape_type& shape, cuda::DeviceBuffer<T> values) {
    if (values.size() != element_count(shape)) {
      throw ShapeError("Tensor::on_device: " + std::to_string(values.size()) + " values for shape " +
                       format_shape(shape));
    }
    Tensor result;
    result.device_ = Device::cuda;
    result.device_shape_ = shape;
    result.device_values_ = std::move(values);
    return result;
  }

  /// @brief A CPU tensor holding `values` (moved in: no copy when given an rvalue).
  /// @param values any shape of rank N; it becomes the tensor's shape
  static Tensor from_host(xt::xtensor<T, N> values) {
    Tensor result;
    result.host_ = std::move(values);
    return result;
  }

  /// @brief The size along every axis.
  const shape_type& shape() const { return device_ == Device::cpu ? host_.shape() : device_shape_; }
  /// @brief The size along one axis.
  /// @throws ShapeError when axis >= N
  /// @see https://pytorch.org/docs/stable/generated/torch.Tensor.size.html
  std::size_t dim(std::size_t axis) const {
    if (axis >= N) {
      throw ShapeError("Tensor::dim: axis " + std::to_string(axis) + " out of range for rank " + std::to_string(N));
    }
    return shape()[axis];
  }
  /// @brief The number of values (product of the sizes).
  std::size_t size() const { return element_count(shape()); }
  /// @brief Where the values live.
  Device device() const { return device_; }

  /// @brief The values as an xtensor, for CPU ops. Throws DeviceError on a CUDA tensor:
  ///        copy it back first with `to(Device::cpu)`.
  /// @return the values, of shape shape()
  xt::xtensor<T, N>& host() {
    require_device(Device::cpu, "host()");
    return host_;
  }
  /// @copydoc host()
  const xt::xtensor<T, N>& host() const {
    require_device(Device::cpu, "host()");
    return host_;
  }

  /// @brief The values, flat and row-major, wherever they live: host memory for a CPU
  ///        tensor, device memory for a CUDA one (only kernels may touch those).
  /// @see https://pytorch.org/docs/stable/generated/torch.Tensor.data_ptr.html
  T* data() { return device_ == Device::cpu ? host_.data() : device_values_.data(); }
  /// @copydoc data()
  const T* data() const { return device_ == Device::cpu ? host_.data() : device_values_.data(); }

  /// @brief The device pointer, for CUDA ops. Throws DeviceError on a CPU tensor.
  T* device_data() {
    require_device(Device::cuda, "device_data()");
    return device_values_.data();
  }
  /// @copydoc device_data()
  const T* device_data() const {
    require_device(Device::cuda, "device_data()");
    return device_values_.data();
  }

  /// @brief This tensor's values on `target`: a copy when they must travel; on the device
  ///        they already live on, a copy too, since a Tensor owns its values (use the
  ///        rvalue form, `std::move(tensor).to(device)`, to hand the tensor over instead).
  /// @param target the device of the result
  /// @return the same shape and values on `target`
  /// @see https://pytorch.org/docs/stable/generated/torch.Tensor.to.html
  Tensor to(Device target) const& {
    if (device_ == target) return *this;
    return copied_to(target);
  }
  /// @brief As to(), for a tensor that is not needed any more: on the device it already
  ///        lives on, the tensor itself, moved (as PyTorch's `to()` returns self); else a copy.
  /// @param target the device of the result
  Tensor to(Device target) && {
    if (device_ == target) return std::move(*this);
    return copied_to(target);
  }

  /// @brief The same values with another shape of the same size, as a new tensor on the
  ///        same device (a copy, as `to()` makes).
  /// @param shape the new sizes; their product must equal size()
  /// @throws ShapeError when the sizes do not hold the same number of values
  /// @see https://pytorch.org/docs/stable/generated/torch.reshape.html
  template <std::size_t M>
  Tensor<T, M> reshaped(const std::array<std::size_t, M>& shape) const {
    std::size_t count = 1;
    for (std::size_t size : shape) count *= size;
    if (count != size()) {
      throw ShapeError("Tensor::reshaped: cannot give the " + std::to_string(size()) + " values of shape " +
                       format_shape(this->shape()) + " the shape " + format_shape(shape));
    }
    if (device_ == Device::cpu) {
      xt::xtensor<T, M> values = xt::xtensor<T, M>::from_shape(shape);
      std::copy(host_.begin(), host_.end(), values.begin());
      return Tensor<T, M>::from_host(std::move(values));
    }
    cuda::DeviceBuffer<T> values(count);
    cuda::copy_device_to_device(values.data(), device_values_.data(), count * sizeof(T));
    return Tensor<T, M>::on_device(shape, std::move(values));
  }

  /// @brief Adds `other` into this tensor, value by value, on the device where both live
  ///        (on the GPU with the `add` kernel of chapter 6): the sum of a residual block.
  /// @throws ShapeError when the shapes differ; DeviceError when the devices differ
  Tensor& operator+=(const Tensor& other) {
    if (other.shape() != shape()) {
      throw ShapeError("Tensor::operator+=: shapes " + format_shape(shape()) + " and " + format_shape(other.shape()) +
                       " differ");
    }
    if (other.device_ != device_) {
      throw DeviceError("Tensor::operator+=: one tensor lives on " + to_string(device_) + ", the other on " +
                        to_string(other.device_) + "; copy one with to() first");
    }
    if (device_ == Device::cpu) {
      host_ += other.host_;
    } else {
      detail::add_on_device(device_values_.data(), other.device_values_.data(), size());
    }
    return *this;
  }

  /// @brief Sets every value to zero, on whichever device the tensor lives.
  /// @see https://pytorch.org/docs/stable/generated/torch.Tensor.zero_.html
  void fill_zero() {
    if (device_ == Device::cpu) {
      host_.fill(T(0));
    } else {
      cuda::fill_zero(device_values_.data(), size() * sizeof(T));
    }
  }

 private:
  // A copy of the values on the other device.
  Tensor copied_to(Device target) const {
    if (target == Device::cuda) {
      Tensor result = empty(shape(), Device::cuda);
      cuda::copy_host_to_device(result.device_values_.data(), host_.data(), size() * sizeof(T));
      return result;
    }
    Tensor result = zeros(shape(), Device::cpu);
    cuda::copy_device_to_host(result.host_.data(), device_values_.data(), size() * sizeof(T));
    return result;
  }

  static std::size_t element_count(const shape_type& shape) {
    std::size_t count = 1;
    for (std::size_t size : shape) count *= size;
    return count;
  }

  void require_device(Device expected, const char* accessor) const {
    if (device_ != expected) {
      throw DeviceError(std::string("Tensor::") + accessor + ": the tensor of shape " + format_shape(shape()) +
                        " lives on " + to_string(device_) + "; copy it with to(Device::" + to_string(expected) +
                        ") first");
    }
  }

  Device device_ = Device::cpu;
  xt::xtensor<T, N> host_;               // the values when device_ == cpu
  shape_type device_shape_{};            // the shape when device_ == cuda
  cuda::DeviceBuffer<T> device_values_;  // the values when device_ == cuda
};

}  // namespace resnet
