// Max-pooling and global average pooling on the GPU (resnet/device/pooling.hpp).
#include "resnet/device/pooling.hpp"

#include "checks.hpp"
#include "resnet/cuda/kernels.hpp"
#include "resnet/shape.hpp"

namespace resnet::device {

template <class T>
MaxPool2dOutput<T> max_pool2d_forward(const Tensor<T, 4>& x, std::size_t kernel, std::size_t stride,
                                      std::size_t padding) {
  require_on_gpu(x, "MaxPool2d.forward", "input");
  const WindowShape s = pool2d_shape("MaxPool2d.forward", x.shape(), kernel, stride, padding);
  MaxPool2dOutput<T> out{Tensor<T, 4>::empty(s.output_shape(), Device::cuda), {s, {}}};
  out.cache.argmax = cuda::DeviceBuffer<std::size_t>(out.y.size());
  cuda::max_pool2d_forward(x.device_data(), out.y.device_data(), out.cache.argmax.data(), s, cuda::device_launch());
  return out;
}

template <class T>
Tensor<T, 4> max_pool2d_backward(const Tensor<T, 4>& dy, const MaxPool2dCache& cache) {
  const WindowShape& s = cache.window;
  require_shape("MaxPool2d.backward", "dy", dy.shape(), s.output_shape());
  require_on_gpu(dy, "MaxPool2d.backward", "gradient dy");
  auto dx = Tensor<T, 4>::empty(s.input_shape(), Device::cuda);
  cuda::max_pool2d_backward(dy.device_data(), cache.argmax.data(), dx.device_data(), s, cuda::device_launch());
  return dx;
}

template <class T>
Tensor<T, 4> global_avg_pool2d_forward(const Tensor<T, 4>& x) {
  require_on_gpu(x, "AdaptiveAvgPool2d.forward", "input");
  const std::size_t NC = x.dim(0) * x.dim(1), HW = x.dim(2) * x.dim(3);
  auto y = Tensor<T, 4>::empty({x.dim(0), x.dim(1), 1, 1}, Device::cuda);
  cuda::global_avg_pool2d_forward(x.device_data(), y.device_data(), NC, HW, cuda::device_launch());
  return y;
}

template <class T>
Tensor<T, 4> global_avg_pool2d_backward(const Tensor<T, 4>& dy, const std::array<std::size_t, 4>& x_shape) {
  require_shape("AdaptiveAvgPool2d.backward", "dy", dy.shape(),
                std::array<std::size_t, 4>{x_shape[0], x_shape[1], 1, 1});
  require_on_gpu(dy, "AdaptiveAvgPool2d.backward", "gradient dy");
  auto dx = Tensor<T, 4>::empty(x_shape, Device::cuda);
  cuda::global_avg_pool2d_backward(dy.device_data(), dx.device_data(), x_shape[0] * x_shape[1], x_shape[2] * x_shape[3],
                                   cuda::device_launch());
  return dx;
}

template MaxPool2dOutput<float> max_pool2d_forward(const Tensor<float, 4>&, std::size_t, std::size_t, std::size_t);
template MaxPool2dOutput<double> max_pool2d_forward(const Tensor<double, 4>&, std::size_t, std::size_t, std::size_t);
template Tensor<float, 4> max_pool2d_backward(const Tensor<float, 4>&, const MaxPool2dCache&);
template Tensor<double, 4> max_pool2d_backward(const Tensor<double, 4>&, const MaxPool2dCache&);
template Tensor<float, 4> global_avg_pool2d_forward(const Tensor<float, 4>&);
template Tensor<double, 4> global_avg_pool2d_forward(const Tensor<double, 4>&);
template Tensor<float, 4> global_avg_pool2d_backward(const Tensor<float, 4>&, const std::array<std::size_t, 4>&);
template Tensor<double, 4> global_avg_pool2d_backward(const Tensor<double, 4>&, const std::array<std::size_t, 4>&);

}  // namespace resnet::device
