// The part of the Tensor handle that launches a kernel: += on the GPU.
#include "resnet/tensor.hpp"

#include "resnet/cuda/kernels.hpp"

namespace resnet::detail {

template <class T>
void add_on_device(T* a, const T* b, std::size_t count) {
  cuda::add(a, b, a, count, cuda::device_launch());
}

template void add_on_device(float*, const float*, std::size_t);
template void add_on_device(double*, const double*, std::size_t);

}  // namespace resnet::detail
