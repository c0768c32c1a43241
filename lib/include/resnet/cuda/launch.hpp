/// @file
/// @brief Launching a kernel on the GPU, or the same kernel body on the CPU.
///
/// A kernel of this course is written once, as a function of one thread's position
/// (a ThreadIndex) marked RESNET_HOST_DEVICE, and launched through launch():
///
///     template <class T>
///     RESNET_HOST_DEVICE void scale_thread(const ThreadIndex& t, T* x, T factor, std::size_t n) {
///       const std::size_t i = t.global_x();   // blockIdx.x * blockDim.x + threadIdx.x
///       if (i < n) x[i] *= factor;             // the last block may stick out past n
///     }
///     launch("scale", grid_1d(n), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
///       scale_thread(t, x, factor, n);
///     });
///
/// With Launch::gpu the body runs as a CUDA kernel on device pointers. With
/// Launch::host_emulation it runs on the CPU on host pointers: launch() loops over every
/// block of the grid and every thread of the block, one after the other. That is exactly
/// right for kernels whose threads do not cooperate (no shared memory, no barriers).
///
/// Kernels whose threads cooperate are launched with launch_cooperative(), declare their
/// shared memory as `RESNET_SHARED BlockArray<T, N> name;` and wait at sync_threads(). On
/// the GPU these are `__shared__ T name[N]` and `__syncthreads()`; under host emulation the
/// block emulator (block_emulator.hpp) runs each thread of a block as a fiber, so a barrier
/// waits for the whole block as on the GPU, and reports a missing barrier as a race.
///
/// This header compiles with nvcc (in .cu files) and with a plain C++ compiler (in
/// tests, and in .cu files of a build without CUDA, where only host emulation exists).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "resnet/cuda/block_emulator.hpp"
#include "resnet/cuda/thread_index.hpp"
#include "resnet/error.hpp"
#include "resnet/exercise.hpp"

#ifdef __CUDACC__
#include <cstdio>
#endif

namespace resnet::cuda {

/// @ingroup ch06
/// @brief Where launch() runs a kernel body.
enum class Launch {
  gpu,             ///< as a CUDA kernel; pointers are device pointers
  host_emulation,  ///< on the CPU, block after block, thread after thread; host pointers
};

/// @ingroup ch06
/// @brief \f$ \lceil a / b \rceil = \lfloor (a + b - 1) / b \rfloor \f$ for positive integers: the
///        number of blocks of size b that cover a.
RESNET_HOST_DEVICE constexpr std::size_t ceil_div(std::size_t a, std::size_t b) { return (a + b - 1) / b; }

/// @ingroup ch06
/// @brief The integer type of the per-element kernels' index arithmetic: 32 bits.
///
/// An NVIDIA GPU has no integer divider: `a / b` and `a % b` become a sequence of
/// multiplications and corrections, for 64-bit operands several times longer than for
/// 32-bit ones (nvcc also adds a test at run time that takes the 32-bit sequence when both
/// operands happen to fit). The per-element kernels divide their thread's index to find
/// its channel or pixel, so they divide 32-bit copies of the index and the sizes, made
/// with index32(), which refuses a size that does not fit.
using Index32 = std::uint32_t;

/// @ingroup ch06
/// @brief `size` as an Index32, for a kernel's index arithmetic.
/// @param size a count of values, or one of the sizes it is the product of
/// @param kernel the kernel's name, for the message
/// @return the same number, 32 bits wide
/// @throws ShapeError when `size` does not fit in 32 bits (2^32 values or more: 16 GiB of
///         floats)
inline Index32 index32(std::size_t size, const char* kernel) {
  if (size > static_cast<std::size_t>(static_cast<Index32>(-1))) {
    throw ShapeError(std::string(kernel) + ": " + std::to_string(size) +
                     " values need 64-bit indices; the GPU kernels index with 32 bits");
  }
  return static_cast<Index32>(size);
}

/// @ingroup ch06
/// @brief A one-dimensional grid with one thread per element: ceil_div(n, threads) blocks
///        of `threads` threads (at least one block).
/// @param n the number of elements
/// @param threads threads per block
inline Grid grid_1d(std::size_t n, unsigned threads = 256) {
  const std::size_t blocks = n == 0 ? 1 : ceil_div(n, threads);
  return Grid{Dim3{static_cast<unsigned>(blocks), 1, 1}, Dim3{threads, 1, 1}};
}

/// @ingroup ch06
/// @brief After a kernel launch: throws DeviceError naming `kernel` when the launch failed
///        (bad configuration, or an earlier asynchronous error surfaced). With the
///        environment variable RESNET_CUDA_SYNC=1 it also waits for the kernel, so an
///        error inside it is reported at this kernel rather than at a later call.
/// @param kernel the kernel's name, for the message
void check_launch(const char* kernel);

/// @ingroup ch06
/// @brief Throws the DeviceError of a GPU launch in a build without CUDA.
/// @param kernel the kernel that was to run
[[noreturn]] inline void no_cuda_in_this_build(const char* kernel) {
  throw DeviceError(std::string("launching ") + kernel +
                    " on the GPU: this build has no CUDA support (use Launch::host_emulation, or "
                    "install the CUDA toolkit and reconfigure)");
}

/// @ingroup ch06
/// @brief An exercise stub inside a kernel body. On the CPU (host emulation) it throws
///        NotImplemented like every other stub; on the GPU a kernel cannot throw, so it
///        prints the task and stops the kernel, and the launch fails with an error naming it.
/// @param task_id the task, such as "6.1"
/// @param what_to_do one line naming the kernel and what it must compute
RESNET_HOST_DEVICE inline void todo(const char* task_id, const char* what_to_do) {
#ifdef __CUDA_ARCH__
  printf("not implemented yet: task %s (%s)\n", task_id, what_to_do);
  __trap();
#else
  resnet::todo(task_id, what_to_do);
#endif
}

#ifdef __CUDACC__
/// @ingroup ch06
/// @brief Inside a kernel: the calling thread's position, from CUDA's built-in variables.
__device__ inline ThreadIndex this_thread() {
  return ThreadIndex{Dim3{blockIdx.x, blockIdx.y, blockIdx.z}, Dim3{threadIdx.x, threadIdx.y, threadIdx.z},
                     Dim3{blockDim.x, blockDim.y, blockDim.z}, Dim3{gridDim.x, gridDim.y, gridDim.z}};
}

/// @ingroup ch06
/// @brief The CUDA kernel behind launch(): every thread calls the body with its position.
template <class Body>
__global__ void run_body_kernel(Body body) {
  body(this_thread());
}

/// @ingroup ch06
/// @brief A launch configuration as CUDA's dim3 values.
inline dim3 to_dim3(const Dim3& d) { return dim3(d.x, d.y, d.z); }
#endif

#ifdef __CUDA_ARCH__
/// @ingroup ch06
/// @brief Declares a kernel's shared memory: `__shared__` on the GPU, one array per CPU
///        thread under host emulation (all fibers of a block run on one CPU thread).
#define RESNET_SHARED __shared__
#else
/// @ingroup ch06
/// @brief Declares a kernel's shared memory: `__shared__` on the GPU, one array per CPU
///        thread under host emulation (all fibers of a block run on one CPU thread).
#define RESNET_SHARED static thread_local
#endif

#ifdef __CUDA_ARCH__
/// @ingroup ch06
/// @brief Before a loop of a fixed trip count: `#pragma unroll` for nvcc's device code, so
///        that small arrays indexed by the loop (a thread's patch of C) live in registers;
///        nothing for the CPU, whose compiler would warn about an unknown pragma.
#define RESNET_UNROLL _Pragma("unroll")
#else
/// @ingroup ch06
/// @brief Before a loop of a fixed trip count: `#pragma unroll` for nvcc's device code, so
///        that small arrays indexed by the loop (a thread's patch of C) live in registers;
///        nothing for the CPU, whose compiler would warn about an unknown pragma.
#define RESNET_UNROLL
#endif

#ifdef __CUDA_ARCH__
/// @ingroup ch06
/// @brief A block's shared array of N values, `RESNET_SHARED BlockArray<float, 1024> tile;`:
///        a plain array on the GPU, an emulator::SharedArray (race-checked) on the CPU.
template <class T, std::size_t N>
using BlockArray = T[N];
#else
/// @ingroup ch06
/// @brief A block's shared array of N values, `RESNET_SHARED BlockArray<float, 1024> tile;`:
///        a plain array on the GPU, an emulator::SharedArray (race-checked) on the CPU.
template <class T, std::size_t N>
using BlockArray = emulator::SharedArray<T, N>;
#endif

/// @ingroup ch06
/// @brief The block's barrier: `__syncthreads()` on the GPU, emulator::sync_threads() under
///        host emulation. Every thread of the block must reach it.
RESNET_HOST_DEVICE inline void sync_threads() {
#ifdef __CUDA_ARCH__
  __syncthreads();
#else
  emulator::sync_threads();
#endif
}

/// @ingroup ch06
/// @brief The GPU side of launch() and launch_cooperative(): `body` as a CUDA kernel, its
///        launch checked; a DeviceError in a build without CUDA.
/// @param kernel the kernel's name, for error messages
/// @param grid   blocks and threads per block
/// @param body   a RESNET_HOST_DEVICE callable taking `const ThreadIndex&`
template <class Body>
void launch_on_gpu(const char* kernel, const Grid& grid, Body body) {
#ifdef __CUDACC__
  run_body_kernel<<<to_dim3(grid.blocks), to_dim3(grid.threads)>>>(body);
  check_launch(kernel);
#else
  (void)grid;  // only a CUDA build launches anything
  (void)body;
  no_cuda_in_this_build(kernel);
#endif
}

/// @ingroup ch06
/// @brief Runs `body(ThreadIndex)` once for every thread of `grid`: as a CUDA kernel
///        (Launch::gpu) or looping on the CPU (Launch::host_emulation).
/// @param kernel the kernel's name, for error messages
/// @param grid   blocks and threads per block
/// @param where  GPU or host emulation
/// @param body   a RESNET_HOST_DEVICE callable taking `const ThreadIndex&`
template <class Body>
void launch(const char* kernel, const Grid& grid, Launch where, Body body) {
  if (where == Launch::host_emulation) {
    ThreadIndex index{Dim3{}, Dim3{}, grid.threads, grid.blocks};
    for (index.block.z = 0; index.block.z < grid.blocks.z; ++index.block.z)
      for (index.block.y = 0; index.block.y < grid.blocks.y; ++index.block.y)
        for (index.block.x = 0; index.block.x < grid.blocks.x; ++index.block.x)
          for (index.thread.z = 0; index.thread.z < grid.threads.z; ++index.thread.z)
            for (index.thread.y = 0; index.thread.y < grid.threads.y; ++index.thread.y)
              for (index.thread.x = 0; index.thread.x < grid.threads.x; ++index.thread.x) body(index);
    return;
  }
  launch_on_gpu(kernel, grid, body);
}

/// @ingroup ch06
/// @brief launch() for kernels whose threads cooperate through shared memory and barriers:
///        on the GPU the same CUDA kernel; under host emulation the block emulator, which
///        runs the threads of each block as fibers so that sync_threads() waits for the
///        whole block, and reports shared-memory races (emulator::SharedMemoryRace).
/// @param kernel the kernel's name, for error messages
/// @param grid   blocks and threads per block (at most 1024)
/// @param where  GPU or host emulation
/// @param body   a RESNET_HOST_DEVICE callable taking `const ThreadIndex&`
template <class Body>
void launch_cooperative(const char* kernel, const Grid& grid, Launch where, Body body) {
  if (where == Launch::host_emulation) {
    emulator::run_blocks(kernel, grid, body);
    return;
  }
  launch_on_gpu(kernel, grid, body);
}

}  // namespace resnet::cuda
