// Softmax cross-entropy, forward and backward: one thread per row of logits.
#include <cmath>
#include <limits>

#include "resnet/cuda/kernels.hpp"

namespace resnet::cuda {

template <class T>
void cross_entropy_forward(const T* logits, const std::int64_t* labels, T* probabilities, T* row_losses, std::size_t N,
                           std::size_t K, Launch where) {
  if (N == 0) return;
  launch("cross_entropy_forward", grid_1d(N, 128), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t n = t.global_x();
    if (n >= N) return;
    const T* z = logits + n * K;
    T largest = z[0];
    for (std::size_t k = 1; k < K; ++k) largest = z[k] > largest ? z[k] : largest;
    T sum = T(0);  // sum_k exp(z_k - max): between 1 and K, never overflows
    for (std::size_t k = 0; k < K; ++k) sum += std::exp(z[k] - largest);
    const T log_sum = std::log(sum);
    for (std::size_t k = 0; k < K; ++k) probabilities[n * K + k] = std::exp(z[k] - largest - log_sum);
    row_losses[n] = log_sum - (z[labels[n]] - largest);
  });
}

template <class T>
void cross_entropy_backward(T dloss, const T* probabilities, const std::int64_t* labels, T* dlogits, std::size_t N,
                            std::size_t K, Launch where) {
  if (N * K == 0) return;
  const T scale_by = dloss / static_cast<T>(N);
  const Index32 classes = index32(K, "cross_entropy_backward");
  index32(N * K, "cross_entropy_backward");
  launch("cross_entropy_backward", grid_1d(N * K), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    if (t.global_x() >= N * K) return;
    const Index32 e = static_cast<Index32>(t.global_x());
    const Index32 n = e / classes, k = e % classes;
    const T one_hot = static_cast<std::size_t>(labels[n]) == k ? T(1) : T(0);
    dlogits[e] = scale_by * (probabilities[e] - one_hot);
  });
}

template void cross_entropy_forward<float>(const float*, const std::int64_t*, float*, float*, std::size_t, std::size_t,
                                           Launch);
template void cross_entropy_backward<float>(float, const float*, const std::int64_t*, float*, std::size_t, std::size_t,
                                            Launch);
template void cross_entropy_forward<double>(const double*, const std::int64_t*, double*, double*, std::size_t,
                                            std::size_t, Launch);
template void cross_entropy_backward<double>(double, const double*, const std::int64_t*, double*, std::size_t,
                                             std::size_t, Launch);

}  // namespace resnet::cuda
