// The CUDA runtime in a build without CUDA: every request is a clear error, and the device
// count is 0 so that GPU tests report "skipped: no CUDA device". (The emulated device of
// device_memory.cpp still works: it never calls these.)
#include <string>

#include "gpu_runtime.hpp"
#include "resnet/cuda/launch.hpp"
#include "resnet/error.hpp"

namespace resnet::cuda {

namespace {

[[noreturn]] void not_built(const char* call) {
  throw DeviceError(std::string(call) +
                    ": this build has no CUDA support (nvcc was not found when CMake "
                    "configured it; install the CUDA toolkit and reconfigure, or use the "
                    "emulated device: RESNET_CUDA_EMULATE=1)");
}

}  // namespace

bool is_built() noexcept { return false; }
void check_launch(const char* kernel) { not_built(kernel); }

namespace runtime {
int device_count() noexcept { return 0; }
void* allocate(std::size_t) { not_built("cudaMalloc"); }
void release(void*) noexcept {}
void copy(void*, const void*, std::size_t, Copy) { not_built("cudaMemcpy"); }
void fill_zero(void*, std::size_t) { not_built("cudaMemset"); }
void synchronize() { not_built("cudaDeviceSynchronize"); }
void* allocate_pinned(std::size_t) { not_built("cudaMallocHost"); }
void release_pinned(void*) noexcept {}
void* create_stream() { not_built("cudaStreamCreateWithFlags"); }
void destroy_stream(void*) noexcept {}
void* create_event() { not_built("cudaEventCreateWithFlags"); }
void destroy_event(void*) noexcept {}
void record_event(void*, void*) { not_built("cudaEventRecord"); }
void stream_wait_event(void*, void*) { not_built("cudaStreamWaitEvent"); }
void synchronize_event(void*) { not_built("cudaEventSynchronize"); }
void copy_to_device_async(void*, const void*, std::size_t, void*) { not_built("cudaMemcpyAsync"); }
}  // namespace runtime

}  // namespace resnet::cuda
