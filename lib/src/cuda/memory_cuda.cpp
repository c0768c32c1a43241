// GPU memory through the CUDA runtime. Compiled only when the build found nvcc
// (see cmake/Cuda.cmake); memory_unavailable.cpp stands in otherwise.
#include <cstdlib>
#include <string>

#include <cuda_runtime.h>

#include "resnet/cuda/launch.hpp"
#include "resnet/cuda/memory.hpp"
#include "resnet/error.hpp"

namespace resnet::cuda {

namespace {

// Every CUDA call goes through here: a failure becomes a DeviceError naming the call.
void check(cudaError_t status, const char* call) {
  if (status != cudaSuccess) {
    throw DeviceError(std::string(call) + " failed: " + cudaGetErrorName(status) + " (" +
                      cudaGetErrorString(status) + ")");
  }
}

}  // namespace

bool is_built() noexcept { return true; }

int device_count() noexcept {
  // Asked once per process: devices do not come and go while we run, and allocate()
  // checks this on every call.
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
  if (device_count() == 0) {
    throw DeviceError("cudaMalloc: no CUDA device is available (no GPU, or no driver)");
  }
  void* pointer = nullptr;
  check(cudaMalloc(&pointer, bytes), "cudaMalloc");
  return pointer;
}

void release(void* pointer) noexcept {
  if (pointer != nullptr) cudaFree(pointer);
}

void copy_host_to_device(void* destination, const void* source, std::size_t bytes) {
  check(cudaMemcpy(destination, source, bytes, cudaMemcpyHostToDevice),
        "cudaMemcpy (host to device)");
}

void copy_device_to_host(void* destination, const void* source, std::size_t bytes) {
  check(cudaMemcpy(destination, source, bytes, cudaMemcpyDeviceToHost),
        "cudaMemcpy (device to host)");
}

void copy_device_to_device(void* destination, const void* source, std::size_t bytes) {
  check(cudaMemcpy(destination, source, bytes, cudaMemcpyDeviceToDevice),
        "cudaMemcpy (device to device)");
}

void fill_zero(void* destination, std::size_t bytes) {
  if (bytes == 0) return;
  check(cudaMemset(destination, 0, bytes), "cudaMemset");
}

void synchronize() { check(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }

void check_launch(const char* kernel) {
  // A bad launch configuration shows at once; a fault inside the kernel only when the GPU
  // has run it, so RESNET_CUDA_SYNC=1 waits here to name the kernel that faulted.
  check(cudaGetLastError(), (std::string("launching kernel ") + kernel).c_str());
  static const bool wait_for_kernels = [] {
    const char* value = std::getenv("RESNET_CUDA_SYNC");
    return value != nullptr && std::string(value) == "1";
  }();
  if (wait_for_kernels) check(cudaDeviceSynchronize(), (std::string("running kernel ") + kernel).c_str());
}

}  // namespace resnet::cuda
