// The CUDA runtime calls of a build that found nvcc (see cmake/Cuda.cmake);
// memory_unavailable.cpp stands in otherwise. Every call is checked: a failure becomes a
// DeviceError naming the call.
#include <cstdlib>
#include <string>

#include <cuda_runtime.h>

#include "gpu_runtime.hpp"
#include "resnet/cuda/launch.hpp"
#include "resnet/error.hpp"

namespace resnet::cuda {

namespace {

void check(cudaError_t status, const std::string& call) {
  if (status != cudaSuccess) {
    throw DeviceError(call + " failed: " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
  }
}

}  // namespace

bool is_built() noexcept { return true; }

void check_launch(const char* kernel) {
  // A bad launch configuration shows at once; a fault inside the kernel only when the GPU
  // has run it, so RESNET_CUDA_SYNC=1 waits here to name the kernel that faulted.
  check(cudaGetLastError(), std::string("launching kernel ") + kernel);
  static const bool wait_for_kernels = [] {
    const char* value = std::getenv("RESNET_CUDA_SYNC");
    return value != nullptr && std::string(value) == "1";
  }();
  if (wait_for_kernels) check(cudaDeviceSynchronize(), std::string("running kernel ") + kernel);
}

namespace runtime {

int device_count() noexcept {
  // Asked once per process: devices do not come and go while we run. Any error means "no
  // device" (with the toolkit but no driver, cudaGetDeviceCount fails with
  // cudaErrorInsufficientDriver instead of returning 0).
  static const int count = [] {
    int found = 0;
    if (cudaGetDeviceCount(&found) != cudaSuccess) {
      cudaGetLastError();  // clear the error so later calls are not confused by it
      return 0;
    }
    return found;
  }();
  return count;
}

void* allocate(std::size_t bytes) {
  if (device_count() == 0) throw DeviceError("cudaMalloc: no CUDA device is available (no GPU, or no driver)");
  void* pointer = nullptr;
  const cudaError_t status = cudaMalloc(&pointer, bytes);
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear it: the caller frees its cache and tries again
    return nullptr;
  }
  check(status, "cudaMalloc(" + std::to_string(bytes) + " bytes)");
  return pointer;
}

void release(void* pointer) noexcept {
  if (pointer != nullptr) cudaFree(pointer);
}

void copy(void* destination, const void* source, std::size_t bytes, Copy direction) {
  switch (direction) {
    case Copy::host_to_device:
      return check(cudaMemcpy(destination, source, bytes, cudaMemcpyHostToDevice), "cudaMemcpy (host to device)");
    case Copy::device_to_host:
      return check(cudaMemcpy(destination, source, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy (device to host)");
    case Copy::device_to_device:
      return check(cudaMemcpy(destination, source, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpy (device to device)");
  }
}

void fill_zero(void* destination, std::size_t bytes) { check(cudaMemset(destination, 0, bytes), "cudaMemset"); }

void synchronize() { check(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }

void* allocate_pinned(std::size_t bytes) {
  void* pointer = nullptr;
  check(cudaMallocHost(&pointer, bytes), "cudaMallocHost(" + std::to_string(bytes) + " bytes)");
  return pointer;
}

void release_pinned(void* pointer) noexcept {
  if (pointer != nullptr) cudaFreeHost(pointer);
}

void* create_stream() {
  cudaStream_t stream = nullptr;
  check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  return stream;
}

void destroy_stream(void* stream) noexcept {
  if (stream != nullptr) cudaStreamDestroy(static_cast<cudaStream_t>(stream));
}

void* create_event() {
  cudaEvent_t event = nullptr;
  check(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "cudaEventCreateWithFlags");
  return event;
}

void destroy_event(void* event) noexcept {
  if (event != nullptr) cudaEventDestroy(static_cast<cudaEvent_t>(event));
}

void record_event(void* event, void* stream) {
  check(cudaEventRecord(static_cast<cudaEvent_t>(event), static_cast<cudaStream_t>(stream)), "cudaEventRecord");
}

void stream_wait_event(void* stream, void* event) {
  check(cudaStreamWaitEvent(static_cast<cudaStream_t>(stream), static_cast<cudaEvent_t>(event), 0),
        "cudaStreamWaitEvent");
}

void synchronize_event(void* event) {
  check(cudaEventSynchronize(static_cast<cudaEvent_t>(event)), "cudaEventSynchronize");
}

void copy_to_device_async(void* destination, const void* source, std::size_t bytes, void* stream) {
  check(cudaMemcpyAsync(destination, source, bytes, cudaMemcpyHostToDevice, static_cast<cudaStream_t>(stream)),
        "cudaMemcpyAsync (host to device)");
}

}  // namespace runtime

}  // namespace resnet::cuda
