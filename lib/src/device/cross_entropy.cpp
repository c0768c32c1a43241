// Softmax cross-entropy on the GPU (resnet/device/cross_entropy.hpp).
#include "resnet/device/cross_entropy.hpp"

#include <vector>

#include "checks.hpp"
#include "resnet/cuda/kernels.hpp"
#include "resnet/ops/cross_entropy.hpp"

namespace resnet::device {

template <class T>
CrossEntropyOutput<T> cross_entropy_forward(const Tensor<T, 2>& logits, const xt::xtensor<std::int64_t, 1>& labels) {
  require_on_gpu(logits, "cross_entropy_forward", "logits");
  const std::size_t N = logits.dim(0), K = logits.dim(1);
  check_class_labels(labels, N, K, "cross_entropy_forward");
  CrossEntropyOutput<T> out{T(0), {cuda::DeviceBuffer<T>(N * K), cuda::DeviceBuffer<std::int64_t>(N), N, K}};
  cuda::copy_host_to_device(out.cache.labels.data(), labels.data(), N * sizeof(std::int64_t));
  cuda::DeviceBuffer<T> row_losses(N);
  cuda::cross_entropy_forward(logits.device_data(), out.cache.labels.data(), out.cache.probabilities.data(),
                              row_losses.data(), N, K, cuda::device_launch());
  std::vector<T> losses(N);
  cuda::copy_device_to_host(losses.data(), row_losses.data(), N * sizeof(T));
  double sum = 0.0;
  for (const T loss : losses) sum += static_cast<double>(loss);
  out.loss = static_cast<T>(sum / static_cast<double>(N));
  return out;
}

template <class T>
Tensor<T, 2> cross_entropy_backward(T dloss, const CrossEntropyCache<T>& cache) {
  auto dlogits = Tensor<T, 2>::empty({cache.N, cache.K}, Device::cuda);
  cuda::cross_entropy_backward(dloss, cache.probabilities.data(), cache.labels.data(), dlogits.device_data(), cache.N,
                               cache.K, cuda::device_launch());
  return dlogits;
}

template CrossEntropyOutput<float> cross_entropy_forward(const Tensor<float, 2>&, const xt::xtensor<std::int64_t, 1>&);
template CrossEntropyOutput<double> cross_entropy_forward(const Tensor<double, 2>&,
                                                          const xt::xtensor<std::int64_t, 1>&);
template Tensor<float, 2> cross_entropy_backward(float, const CrossEntropyCache<float>&);
template Tensor<double, 2> cross_entropy_backward(double, const CrossEntropyCache<double>&);

}  // namespace resnet::device
