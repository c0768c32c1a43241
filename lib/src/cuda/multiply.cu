// The elementwise product, one thread per value: dropout's mask on the GPU.
#include "resnet/cuda/kernels.hpp"

namespace resnet::cuda {

template <class T>
void multiply(const T* a, const T* b, T* out, std::size_t n, Launch where) {
  if (n == 0) return;
  launch("multiply", grid_1d(n), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t i = t.global_x();
    if (i < n) out[i] = a[i] * b[i];
  });
}

template void multiply<float>(const float*, const float*, float*, std::size_t, Launch);
template void multiply<double>(const double*, const double*, double*, std::size_t, Launch);

}  // namespace resnet::cuda
