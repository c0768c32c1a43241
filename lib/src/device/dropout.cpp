// Dropout on the GPU (resnet/device/dropout.hpp).
#include "resnet/device/dropout.hpp"

#include "checks.hpp"
#include "resnet/cuda/kernels.hpp"
#include "resnet/shape.hpp"

namespace resnet::device {

template <class T, std::size_t N>
DropoutOutput<T, N> dropout_forward(const Tensor<T, N>& x, const xt::xtensor<std::uint8_t, N>& keep, double p) {
  require_on_gpu(x, "Dropout.forward", "input");
  require_shape("Dropout.forward", "keep", keep.shape(), x.shape());
  const T scale = static_cast<T>(1.0 / (1.0 - p));
  xt::xtensor<T, N> scaled = xt::xtensor<T, N>::from_shape(keep.shape());
  for (std::size_t i = 0; i < keep.size(); ++i) scaled.data()[i] = keep.data()[i] ? scale : T(0);
  DropoutOutput<T, N> out{Tensor<T, N>::empty(x.shape(), Device::cuda),
                          Tensor<T, N>::from_host(std::move(scaled)).to(Device::cuda)};
  cuda::multiply(x.data(), out.scaled_keep.data(), out.y.data(), x.size(), cuda::device_launch());
  return out;
}

template <class T, std::size_t N>
Tensor<T, N> dropout_backward(const Tensor<T, N>& dy, const Tensor<T, N>& scaled_keep) {
  require_shape("Dropout.backward", "dy", dy.shape(), scaled_keep.shape());
  require_on_gpu(dy, "Dropout.backward", "gradient dy");
  auto dx = Tensor<T, N>::empty(dy.shape(), Device::cuda);
  cuda::multiply(dy.data(), scaled_keep.data(), dx.data(), dy.size(), cuda::device_launch());
  return dx;
}

template DropoutOutput<float, 2> dropout_forward(const Tensor<float, 2>&, const xt::xtensor<std::uint8_t, 2>&, double);
template DropoutOutput<double, 2> dropout_forward(const Tensor<double, 2>&, const xt::xtensor<std::uint8_t, 2>&,
                                                  double);
template Tensor<float, 2> dropout_backward(const Tensor<float, 2>&, const Tensor<float, 2>&);
template Tensor<double, 2> dropout_backward(const Tensor<double, 2>&, const Tensor<double, 2>&);

}  // namespace resnet::device
