// GPU memory in a build without CUDA: every request is a clear error, and the device
// count is 0 so that GPU tests report "skipped: no CUDA device".
#include <string>

#include "resnet/cuda/launch.hpp"
#include "resnet/cuda/memory.hpp"
#include "resnet/error.hpp"

namespace resnet::cuda {

namespace {

[[noreturn]] void not_built(const char* call) {
  throw DeviceError(std::string(call) +
                    ": this build has no CUDA support (nvcc was not found when CMake "
                    "configured it; install the CUDA toolkit and reconfigure)");
}

}  // namespace

bool is_built() noexcept { return false; }
int device_count() noexcept { return 0; }
void* allocate(std::size_t) { not_built("cudaMalloc"); }
void release(void*) noexcept {}
void copy_host_to_device(void*, const void*, std::size_t) { not_built("cudaMemcpy"); }
void copy_device_to_host(void*, const void*, std::size_t) { not_built("cudaMemcpy"); }
void copy_device_to_device(void*, const void*, std::size_t) { not_built("cudaMemcpy"); }
void fill_zero(void*, std::size_t) { not_built("cudaMemset"); }
void synchronize() { not_built("cudaDeviceSynchronize"); }
void check_launch(const char* kernel) { not_built(kernel); }

}  // namespace resnet::cuda
