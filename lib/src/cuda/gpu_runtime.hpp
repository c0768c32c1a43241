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

// For copies that overlap with kernels (cuda::BatchUploader). A null stream is the
// default stream, on which every kernel runs.
/// cudaMallocHost: page-locked host memory, which the GPU can copy from asynchronously.
void* allocate_pinned(std::size_t bytes);
/// cudaFreeHost; never throws.
void release_pinned(void* pointer) noexcept;
/// cudaStreamCreateWithFlags(cudaStreamNonBlocking): a stream that does not wait for the
/// default stream (nor it for this one) unless told to with an event.
void* create_stream();
/// cudaStreamDestroy; never throws.
void destroy_stream(void* stream) noexcept;
/// cudaEventCreateWithFlags(cudaEventDisableTiming).
void* create_event();
/// cudaEventDestroy; never throws.
void destroy_event(void* event) noexcept;
/// cudaEventRecord: the event completes when the work queued on `stream` so far has run.
void record_event(void* event, void* stream);
/// cudaStreamWaitEvent: work queued on `stream` after this waits for the event (the CPU does not).
void stream_wait_event(void* stream, void* event);
/// cudaEventSynchronize: the CPU waits for the event.
void synchronize_event(void* event);
/// cudaMemcpyAsync from page-locked host memory to the device, on `stream`.
void copy_to_device_async(void* destination, const void* source, std::size_t bytes, void* stream);

}  // namespace resnet::cuda::runtime
