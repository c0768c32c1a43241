// The raw CUDA runtime calls under resnet/cuda/memory.hpp, one implementation per build:
// memory_cuda.cpp (nvcc found) and memory_unavailable.cpp (no CUDA: every call is a clear
// error). device_memory.cpp builds the public API on these: the caching allocator and the
// emulated device. Internal to lib/src/cuda.
#pragma once

#include <cstddef>

namespace resnet::cuda::runtime {

/// The number of real CUDA devices (0 without CUDA, a GPU or a driver).
int device_count() noexcept;
/// cudaMalloc; null when the GPU is out of memory; DeviceError for any other failure.
void* allocate(std::size_t bytes);
/// cudaFree; never throws.
void release(void* pointer) noexcept;
/// The direction of a copy.
enum class Copy { host_to_device, device_to_host, device_to_device };
/// cudaMemcpy, checked.
void copy(void* destination, const void* source, std::size_t bytes, Copy direction);
/// cudaMemset to 0, checked.
void fill_zero(void* destination, std::size_t bytes);
/// cudaDeviceSynchronize, checked.
void synchronize();

}  // namespace resnet::cuda::runtime
