// What every GPU pass checks before it launches kernels: an internal header of lib/src/device.
#pragma once

#include <string>
#include <type_traits>

#include "resnet/error.hpp"
#include "resnet/tensor.hpp"

namespace resnet::device {

// Every tensor a GPU pass reads must live on the GPU; the message says how to get it there.
template <class T, std::size_t N>
void require_on_gpu(const Tensor<T, N>& tensor, const char* op, const char* what) {
  if (tensor.device() != Device::cuda) {
    throw DeviceError(std::string(op) + ": the " + what +
                      " is on the CPU but the pass runs on the GPU; move "
                      "the model with model.to(Device::cuda) and its inputs with tensor.to(Device::cuda)");
  }
}

// The values of a tensor for the GEMM rungs, which compute in float. A double model never
// gets here (Module::to refuses to move it to the GPU); a double tensor given by hand does.
template <class T, std::size_t N>
const float* gemm_values(const Tensor<T, N>& tensor, const char* op) {
  if constexpr (std::is_same_v<T, float>) {
    return tensor.device_data();
  } else {
    throw DeviceError(std::string(op) +
                      ": the GEMM rungs of chapter 6 compute in float; this tensor holds "
                      "doubles");
  }
}

template <class T, std::size_t N>
float* gemm_values(Tensor<T, N>& tensor, const char* op) {
  return const_cast<float*>(gemm_values(static_cast<const Tensor<T, N>&>(tensor), op));
}

}  // namespace resnet::device
