// The pooling modules, MaxPool2d and AdaptiveAvgPool2d: the ops of tasks 2.8 and 2.9 on the
// CPU (or the library's max-pool, resnet/cpu/max_pool2d.hpp, with CpuKernels::packed),
// chapter 6's kernels on the GPU, and their summary rows.
#include "resnet/nn/pooling.hpp"

#include <stdexcept>
#include <type_traits>

#include <xtensor/xmanipulation.hpp>

#include "resnet/cpu/max_pool2d.hpp"
#include "resnet/nn/cache_guard.hpp"
#include "resnet/nn/summary.hpp"
#include "resnet/shape.hpp"

namespace resnet {

// ---- MaxPool2d ----------------------------------------------------------------------------

template <class T>
MaxPool2d<T>::MaxPool2d(std::size_t kernel_, std::size_t stride_, std::size_t padding_)
    : kernel(kernel_), stride(stride_), padding(padding_) {}

template <class T>
Tensor<T, 4> MaxPool2d<T>::forward(const Tensor<T, 4>& x) {
  cache_.reset();  // a backward pass must go back through this forward pass, on its path
  gpu_cache_.reset();
  packed_cache_.reset();
  if (x.device() == Device::cuda) {  // chapter 6
    auto out = device::max_pool2d_forward(x, kernel, stride, padding);
    gpu_cache_ = std::move(out.cache);
    return std::move(out.y);
  }
  if constexpr (std::is_same_v<T, float>) {
    if (this->cpu_kernels() == CpuKernels::packed) {  // the library's max-pool
      const WindowShape shape = pool2d_shape("MaxPool2d.forward", x.host().shape(), kernel, stride, padding);
      auto out = cpu::max_pool2d_forward(x.host(), shape, this->is_training());
      packed_cache_ = PackedCache{std::move(out.argmax), shape, this->is_training()};
      return Tensor<T, 4>::from_host(std::move(out.y));
    }
  }
  auto out = max_pool2d_forward(x.host(), kernel, stride, padding);
  cache_ = std::move(out.cache);
  return Tensor<T, 4>::from_host(std::move(out.y));
}

template <class T>
Tensor<T, 4> MaxPool2d<T>::backward(const Tensor<T, 4>& dy) {
  if (dy.device() == Device::cuda) return device::max_pool2d_backward(dy, forward_cache(gpu_cache_, "MaxPool2d"));
  if constexpr (std::is_same_v<T, float>) {
    if (packed_cache_) {
      if (!packed_cache_->has_argmax) {
        throw std::logic_error(
            "MaxPool2d.backward after a forward pass in evaluation mode: with the packed kernels, evaluation keeps no "
            "indices for a backward pass (call train() before the forward pass, or use the reference kernels)");
      }
      return Tensor<T, 4>::from_host(cpu::max_pool2d_backward(dy.host(), packed_cache_->argmax, packed_cache_->shape));
    }
  }
  return Tensor<T, 4>::from_host(max_pool2d_backward(dy.host(), forward_cache(cache_, "MaxPool2d")).dx);
}

template <class T>
std::vector<std::size_t> MaxPool2d<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  const WindowShape shape = pool2d_shape(
      "MaxPool2d.summarize", image_shape_for_summary("MaxPool2d.summarize", input_shape), kernel, stride, padding);
  const std::array<std::size_t, 4> y = shape.output_shape();
  const std::vector<std::size_t> output(y.begin(), y.end());
  summary.leaf("MaxPool2d", output, 0, 0);
  return output;
}

// ---- AdaptiveAvgPool2d --------------------------------------------------------------------

template <class T>
Tensor<T, 4> AdaptiveAvgPool2d<T>::forward(const Tensor<T, 4>& x) {
  if (x.device() == Device::cuda) {  // chapter 6
    cache_.reset();
    gpu_input_shape_ = x.shape();
    return device::global_avg_pool2d_forward(x);
  }
  auto out = global_avg_pool2d_forward(x.host());
  cache_ = out.cache;
  const std::array<std::size_t, 4> shape{out.y.shape()[0], out.y.shape()[1], 1, 1};
  return Tensor<T, 4>::from_host(xt::xtensor<T, 4>(xt::reshape_view(out.y, shape)));
}

template <class T>
Tensor<T, 4> AdaptiveAvgPool2d<T>::backward(const Tensor<T, 4>& dy) {
  if (dy.device() == Device::cuda) {
    return device::global_avg_pool2d_backward(dy, forward_cache(gpu_input_shape_, "AdaptiveAvgPool2d"));
  }
  const auto& cache = forward_cache(cache_, "AdaptiveAvgPool2d");
  require_shape("AdaptiveAvgPool2d.backward", "dy", dy.shape(),
                std::array<std::size_t, 4>{cache.x_shape[0], cache.x_shape[1], 1, 1});
  const xt::xtensor<T, 2> flat = xt::reshape_view(dy.host(), std::array<std::size_t, 2>{dy.dim(0), dy.dim(1)});
  return Tensor<T, 4>::from_host(global_avg_pool2d_backward(flat, cache).dx);
}

template <class T>
std::vector<std::size_t> AdaptiveAvgPool2d<T>::summarize(const std::vector<std::size_t>& input_shape,
                                                         Summary& summary) const {
  const auto x = image_shape_for_summary("AdaptiveAvgPool2d.summarize", input_shape);
  const std::vector<std::size_t> output{x[0], x[1], 1, 1};
  summary.leaf("AdaptiveAvgPool2d", output, 0, 0);
  return output;
}

template class MaxPool2d<float>;
template class MaxPool2d<double>;
template class AdaptiveAvgPool2d<float>;
template class AdaptiveAvgPool2d<double>;

}  // namespace resnet
