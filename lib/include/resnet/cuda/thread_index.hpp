/// @file
/// @brief Where a CUDA thread is, CUDA's blockIdx, threadIdx, blockDim and gridDim, and the
///        macro that marks code for both the CPU and the GPU. Shared by launch.hpp and the
///        block emulator (block_emulator.hpp).
#pragma once

#include <cstddef>

#ifdef __CUDACC__
/// @ingroup ch06
/// @brief Marks a function that runs both on the CPU and, compiled by nvcc, on the GPU:
///        `__host__ __device__` under nvcc, nothing for a plain C++ compiler.
#define RESNET_HOST_DEVICE __host__ __device__
#else
/// @ingroup ch06
/// @brief Marks a function that runs both on the CPU and, compiled by nvcc, on the GPU:
///        `__host__ __device__` under nvcc, nothing for a plain C++ compiler.
#define RESNET_HOST_DEVICE
#endif

namespace resnet::cuda {

/// @ingroup ch06
/// @brief Sizes or positions in up to three dimensions, like CUDA's `dim3`.
struct Dim3 {
  unsigned x = 1;  ///< fastest-varying
  unsigned y = 1;  ///< middle
  unsigned z = 1;  ///< slowest-varying
};

/// @ingroup ch06
/// @brief How many blocks, of how many threads each, a launch starts.
struct Grid {
  Dim3 blocks;   ///< the grid: gridDim
  Dim3 threads;  ///< one block: blockDim
};

/// @ingroup ch06
/// @brief Where one thread is: its block in the grid and its place in the block, with the
///        sizes of both, i.e. CUDA's blockIdx, threadIdx, blockDim and gridDim.
struct ThreadIndex {
  Dim3 block;       ///< blockIdx
  Dim3 thread;      ///< threadIdx
  Dim3 block_size;  ///< blockDim
  Dim3 grid_size;   ///< gridDim

  /// @brief The thread's index along x over the whole grid: blockIdx.x * blockDim.x + threadIdx.x.
  RESNET_HOST_DEVICE std::size_t global_x() const {
    return static_cast<std::size_t>(block.x) * block_size.x + thread.x;
  }
  /// @brief The thread's index along y over the whole grid: blockIdx.y * blockDim.y + threadIdx.y.
  RESNET_HOST_DEVICE std::size_t global_y() const {
    return static_cast<std::size_t>(block.y) * block_size.y + thread.y;
  }
  /// @brief The number of threads along x in the whole grid: gridDim.x * blockDim.x (the
  ///        stride of a grid-stride loop).
  RESNET_HOST_DEVICE std::size_t threads_x() const { return static_cast<std::size_t>(grid_size.x) * block_size.x; }
};

}  // namespace resnet::cuda
