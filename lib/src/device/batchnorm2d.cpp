// Batch norm on the GPU (resnet/device/batchnorm2d.hpp).
#include "resnet/device/batchnorm2d.hpp"

#include <string>

#include "checks.hpp"
#include "resnet/cuda/kernels.hpp"
#include "resnet/shape.hpp"

namespace resnet::device {

template <class T>
BatchNorm2dOutput<T> batchnorm2d_forward(const Tensor<T, 4>& x, const Tensor<T, 1>& gamma, const Tensor<T, 1>& beta,
                                         Tensor<T, 1>& running_mean, Tensor<T, 1>& running_var, bool training,
                                         double eps, double momentum) {
  require_on_gpu(x, "BatchNorm2d.forward", "input");
  require_on_gpu(gamma, "BatchNorm2d.forward", "weight");
  require_on_gpu(running_mean, "BatchNorm2d.forward", "running mean");
  const std::size_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3);
  if (C != gamma.size()) {
    throw ShapeError("BatchNorm2d.forward: x has " + std::to_string(C) + " channels (shape " + format_shape(x.shape()) +
                     "), the layer " + std::to_string(gamma.size()));
  }
  if (training && N * HW < 2) {
    throw ShapeError("BatchNorm2d.forward: expected more than 1 value per channel when training, got shape " +
                     format_shape(x.shape()));
  }
  BatchNorm2dOutput<T> out{Tensor<T, 4>::empty(x.shape(), Device::cuda),
                           {x.shape(), cuda::DeviceBuffer<T>(x.size()), cuda::DeviceBuffer<T>(C), training}};
  cuda::DeviceBuffer<T> mean(C), variance(C);
  cuda::BatchNormArrays<T> arrays;
  arrays.x = x.device_data();
  arrays.gamma = gamma.device_data();
  arrays.beta = beta.device_data();
  arrays.running_mean = running_mean.device_data();
  arrays.running_var = running_var.device_data();
  arrays.y = out.y.device_data();
  arrays.x_hat = out.cache.x_hat.data();
  arrays.inverse_std = out.cache.inverse_std.data();
  arrays.mean = mean.data();
  arrays.variance = variance.data();
  cuda::batchnorm2d_forward(arrays, N, C, HW, training, eps, momentum, cuda::device_launch());
  return out;
}

template <class T>
BatchNorm2dGrads<T> batchnorm2d_backward(const Tensor<T, 4>& dy, const Tensor<T, 1>& gamma,
                                         const BatchNorm2dCache<T>& cache) {
  require_shape("BatchNorm2d.backward", "dy", dy.shape(), cache.shape);
  require_on_gpu(dy, "BatchNorm2d.backward", "gradient dy");
  const std::size_t N = dy.dim(0), C = dy.dim(1), HW = dy.dim(2) * dy.dim(3);
  BatchNorm2dGrads<T> grads{Tensor<T, 4>::empty(dy.shape(), Device::cuda), Tensor<T, 1>::empty({C}, Device::cuda),
                            Tensor<T, 1>::empty({C}, Device::cuda)};
  cuda::batchnorm2d_backward(dy.device_data(), cache.x_hat.data(), gamma.device_data(), cache.inverse_std.data(),
                             grads.dx.device_data(), grads.dgamma.device_data(), grads.dbeta.device_data(), N, C, HW,
                             cache.training, cuda::device_launch());
  return grads;
}

template BatchNorm2dOutput<float> batchnorm2d_forward(const Tensor<float, 4>&, const Tensor<float, 1>&,
                                                      const Tensor<float, 1>&, Tensor<float, 1>&, Tensor<float, 1>&,
                                                      bool, double, double);
template BatchNorm2dOutput<double> batchnorm2d_forward(const Tensor<double, 4>&, const Tensor<double, 1>&,
                                                       const Tensor<double, 1>&, Tensor<double, 1>&, Tensor<double, 1>&,
                                                       bool, double, double);
template BatchNorm2dGrads<float> batchnorm2d_backward(const Tensor<float, 4>&, const Tensor<float, 1>&,
                                                      const BatchNorm2dCache<float>&);
template BatchNorm2dGrads<double> batchnorm2d_backward(const Tensor<double, 4>&, const Tensor<double, 1>&,
                                                       const BatchNorm2dCache<double>&);

}  // namespace resnet::device
