// Test arrays for one kernel call, wherever the kernel runs.
//
// A chapter 6 kernel takes raw pointers: host pointers under Launch::host_emulation,
// device pointers under Launch::gpu. KernelArrays hands out the right kind for the test's
// xtensor inputs, poisons outputs with NaN (so an entry the kernel forgot to write shows
// up), and brings results back as xtensors. The CPU tests and the GPU tests share the
// same checks this way.
#pragma once

#include <cstddef>
#include <deque>
#include <limits>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>

#include "resnet/cuda/launch.hpp"
#include "resnet/cuda/memory.hpp"

namespace resnet::testing {

template <class T>
class KernelArrays {
 public:
  explicit KernelArrays(cuda::Launch where) : where_(where) {}

  /// An input for the kernel: the tensor's values, on the device for Launch::gpu.
  template <std::size_t N>
  T* input(const xt::xtensor<T, N>& values) {
    std::vector<T>& host = host_.emplace_back(values.begin(), values.end());
    if (where_ == cuda::Launch::host_emulation) return host.data();
    cuda::DeviceBuffer<T>& device = device_.emplace_back(host.size());
    cuda::copy_host_to_device(device.data(), host.data(), host.size() * sizeof(T));
    return device.data();
  }

  /// An output of `size` values, every one NaN until the kernel writes it.
  T* output(std::size_t size) {
    return input(xt::xtensor<T, 1>(std::array<std::size_t, 1>{size}, std::numeric_limits<T>::quiet_NaN()));
  }

  /// What the kernel left at `pointer` (from input() or output()), shaped as `shape`.
  template <std::size_t N>
  xt::xtensor<T, N> result(const T* pointer, const std::array<std::size_t, N>& shape) const {
    std::size_t size = 1;
    for (std::size_t extent : shape) size *= extent;
    std::vector<T> values(size);
    if (where_ == cuda::Launch::host_emulation) {
      std::copy(pointer, pointer + size, values.begin());
    } else {
      cuda::copy_device_to_host(values.data(), pointer, size * sizeof(T));
    }
    xt::xtensor<T, N> tensor = xt::adapt(values, shape);
    return tensor;
  }

  cuda::Launch where() const { return where_; }

 private:
  cuda::Launch where_;
  std::deque<std::vector<T>> host_;  // deque: handed-out pointers stay valid
  std::deque<cuda::DeviceBuffer<T>> device_;
};

}  // namespace resnet::testing
