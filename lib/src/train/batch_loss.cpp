#include "resnet/train/batch_loss.hpp"

#include <vector>

#include "resnet/cuda/kernels.hpp"
#include "resnet/ops/cross_entropy.hpp"

namespace resnet {

namespace {

// On the GPU (chapter 6): the cross-entropy kernels; only the B row losses and the B x K
// logits come back to the CPU.
BatchLoss cross_entropy_on_device(const Tensor<float, 2>& logits, const xt::xtensor<std::int64_t, 1>& labels,
                                  bool with_gradient) {
  const std::size_t B = logits.dim(0), K = logits.dim(1);
  check_class_labels(labels, B, K, "cross_entropy_of_batch");
  cuda::DeviceBuffer<std::int64_t> device_labels(B);
  cuda::copy_host_to_device(device_labels.data(), labels.data(), B * sizeof(std::int64_t));
  cuda::DeviceBuffer<float> probabilities(B * K), row_losses(B);
  const cuda::Launch where = cuda::device_launch();
  cuda::cross_entropy_forward(logits.device_data(), device_labels.data(), probabilities.data(), row_losses.data(), B,
                              K, where);
  std::vector<float> losses(B);
  cuda::copy_device_to_host(losses.data(), row_losses.data(), B * sizeof(float));
  BatchLoss result;
  double sum = 0.0;
  for (const float loss : losses) sum += static_cast<double>(loss);
  result.loss = static_cast<float>(sum / static_cast<double>(B));
  result.logits = logits.to(Device::cpu).host();
  if (with_gradient) {
    result.dlogits = Tensor<float, 2>::empty({B, K}, Device::cuda);
    cuda::cross_entropy_backward(1.0f, probabilities.data(), device_labels.data(), result.dlogits.device_data(), B, K,
                                 where);
  }
  return result;
}

}  // namespace

BatchLoss cross_entropy_of_batch(const Tensor<float, 2>& logits, const xt::xtensor<std::int64_t, 1>& labels,
                                 bool with_gradient) {
  if (logits.device() == Device::cuda) return cross_entropy_on_device(logits, labels, with_gradient);
  const CrossEntropyOutput<float> loss = cross_entropy_forward(logits.host(), labels);  // task 2.4
  BatchLoss result;
  result.loss = loss.loss;
  result.logits = logits.host();
  if (with_gradient) result.dlogits = Tensor<float, 2>::from_host(cross_entropy_backward(1.0f, loss.cache).dlogits);
  return result;
}

}  // namespace resnet
