/// @file
/// @brief GPU memory: the few CUDA runtime calls a tensor needs to live on the device.
///
/// Compiled against the CUDA runtime when the build found nvcc, and as clear
/// "this build has no CUDA" errors otherwise, so code above this header never needs an
/// `#ifdef`. Every CUDA call's status is checked; a failure throws DeviceError naming
/// the call.
#pragma once

#include <cstddef>
#include <utility>

#include "resnet/cuda/launch.hpp"

namespace resnet::cuda {

/// @ingroup core
/// @brief True when this build was compiled with CUDA support (nvcc was found).
bool is_built() noexcept;

/// @ingroup core
/// @brief The number of real CUDA devices; 0 when the build has no CUDA, when there is
///        no GPU, or when the driver is missing. Any CUDA error here means "no device"
///        (with the toolkit but no driver, `cudaGetDeviceCount` fails with
///        cudaErrorInsufficientDriver instead of returning 0). The emulated device does not
///        count: GPU tests skip under it.
/// @see https://pytorch.org/docs/stable/generated/torch.cuda.device_count.html
int device_count() noexcept;

/// @ingroup core
/// @brief True when at least one real CUDA device can be used.
/// @see https://pytorch.org/docs/stable/generated/torch.cuda.is_available.html
inline bool is_available() noexcept { return device_count() > 0; }

/// @ingroup ch06
/// @brief Switches this process's `Device::cuda` to the emulated device (or back): device
///        memory is then host memory and every kernel runs under host emulation
///        (Launch::host_emulation), so the whole GPU path, `train --device cuda` included,
///        runs and can be tested on a machine without a GPU, in any build. Setting the
///        environment variable `RESNET_CUDA_EMULATE=1` does the same for a whole program.
///        Switch only while no tensor lives on the device.
/// @param emulate true for the emulated device, false for the real GPU
void use_emulated_device(bool emulate = true);
/// @ingroup ch06
/// @brief True when `Device::cuda` is the emulated device (see use_emulated_device()).
bool is_emulated() noexcept;
/// @ingroup ch06
/// @brief True when tensors can live on `Device::cuda`: a real GPU, or the emulated device.
inline bool device_usable() noexcept { return is_emulated() || is_available(); }
/// @ingroup ch06
/// @brief How the layers launch kernels on tensors of `Device::cuda`: Launch::gpu on a
///        real GPU, Launch::host_emulation on the emulated device.
/// @throws DeviceError when neither is usable, naming what is missing
Launch device_launch();

/// @ingroup ch06
/// @brief What the caching allocator holds (see allocate()).
struct MemoryStats {
  std::size_t bytes_in_use = 0;        ///< in live allocations (rounded sizes)
  std::size_t bytes_cached = 0;        ///< freed and kept for reuse
  std::size_t device_allocations = 0;  ///< calls to cudaMalloc (or host allocations when emulated) so far
  std::size_t reuses = 0;              ///< requests served from the cache so far
};
/// @ingroup ch06
/// @brief The caching allocator's counters.
/// @see https://pytorch.org/docs/stable/generated/torch.cuda.memory_stats.html
MemoryStats memory_stats();
/// @ingroup ch06
/// @brief Gives every cached (freed) block back to the device.
/// @see https://pytorch.org/docs/stable/generated/torch.cuda.empty_cache.html
void empty_cache();

/// @ingroup core
/// @brief `bytes` of device memory, through a caching allocator: sizes are rounded up to
///        a multiple of 512 bytes, and a freed block is kept and handed out again for the
///        next request of the same rounded size, because `cudaMalloc` and `cudaFree` are
///        slow and `cudaFree` waits for the GPU. When the GPU is out of memory, the cache
///        is given back and the allocation tried once more. All kernels run on one stream,
///        in order, so a block freed while a queued kernel still reads it is only written
///        by kernels queued after it.
/// @throws DeviceError when no device is usable, or when the GPU is out of memory
/// @see https://pytorch.org/docs/stable/notes/cuda.html#memory-management
void* allocate(std::size_t bytes);
/// @ingroup core
/// @brief Returns an allocate() block to the cache; a null pointer is ignored. Never throws
///        (used in destructors).
void release(void* pointer) noexcept;
/// @ingroup core
/// @brief Copies `bytes` from host memory `source` to device memory `destination`.
void copy_host_to_device(void* destination, const void* source, std::size_t bytes);
/// @ingroup core
/// @brief Copies `bytes` from device memory `source` to host memory `destination`.
void copy_device_to_host(void* destination, const void* source, std::size_t bytes);
/// @ingroup core
/// @brief Copies `bytes` between two device allocations.
void copy_device_to_device(void* destination, const void* source, std::size_t bytes);
/// @ingroup core
/// @brief Sets `bytes` of device memory to zero.
void fill_zero(void* destination, std::size_t bytes);

/// @ingroup core
/// @brief Waits until the GPU has finished all work launched so far (`cudaDeviceSynchronize`);
///        throws DeviceError when any of it failed.
/// @see https://pytorch.org/docs/stable/generated/torch.cuda.synchronize.html
void synchronize();

/// @ingroup ch06
/// @brief Copies batches to the GPU on a copy stream of its own, so that the next batch
///        travels while the GPU still computes on the current one (double buffering).
///
/// Uploads go to two slots in turn; the caller keeps one device destination per slot
/// (next_slot() says which comes next). upload() copies the values into the slot's
/// page-locked staging buffer (so the caller's memory may change at once) and queues the
/// copy to the device on the copy stream. The copy waits until the GPU has run the kernels
/// queued before the previous upload (the last ones that read this slot), and every kernel
/// launched after upload() waits for the copy. The CPU waits for neither: at most for the
/// copy of two uploads ago to leave its staging buffer. On the emulated device, upload()
/// is a plain memcpy.
///
/// The contract: after upload(), queue the kernels that read the slot before the next
/// upload() (the one after that overwrites the slot), and keep each destination alive until
/// the GPU has run those kernels (e.g. cuda::synchronize() before freeing it).
/// @see https://developer.nvidia.com/blog/how-overlap-data-transfers-cuda-cc/
class BatchUploader {
 public:
  /// @brief Two page-locked staging buffers of `max_bytes`, a copy stream and its events.
  /// @throws DeviceError when no device is usable
  explicit BatchUploader(std::size_t max_bytes);
  ~BatchUploader();
  /// @brief Not copyable: it owns a stream, events and page-locked memory.
  BatchUploader(const BatchUploader&) = delete;
  /// @brief Not copyable.
  BatchUploader& operator=(const BatchUploader&) = delete;

  /// @brief Queues the copy of `bytes` from host memory `source` to `destination`, the
  ///        device memory of slot next_slot(), as described above.
  /// @throws DeviceError when bytes > max_bytes or a CUDA call fails
  void upload(void* destination, const void* source, std::size_t bytes);
  /// @brief The slot the next upload() uses: 0 or 1.
  std::size_t next_slot() const { return next_slot_; }

 private:
  std::size_t max_bytes_;
  bool emulated_;
  void* stream_ = nullptr;
  void* staging_[2] = {nullptr, nullptr};   // page-locked host memory
  void* copied_[2] = {nullptr, nullptr};    // events: the slot's last copy has arrived
  void* released_[2] = {nullptr, nullptr};  // events: the kernels that read the slot have run
  std::size_t next_slot_ = 0;
  std::size_t uploads_ = 0;
};

/// @ingroup core
/// @brief An owned array of `size` values of type T in GPU memory (RAII over
///        allocate/release). Copying copies the device memory; moving moves ownership.
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  /// @brief Allocates room for `size` values (uninitialised).
  explicit DeviceBuffer(std::size_t size)
      : data_(size == 0 ? nullptr : static_cast<T*>(allocate(size * sizeof(T)))), size_(size) {}
  ~DeviceBuffer() { release(data_); }

  /// @brief A new allocation holding a copy of `other`'s values (device to device).
  DeviceBuffer(const DeviceBuffer& other) : DeviceBuffer(other.size_) {
    if (size_ > 0) copy_device_to_device(data_, other.data_, size_ * sizeof(T));
  }
  /// @brief Replaces this buffer by a copy of `other`.
  DeviceBuffer& operator=(const DeviceBuffer& other) {
    if (this != &other) {
      DeviceBuffer copy(other);
      swap(copy);
    }
    return *this;
  }
  /// @brief Takes over `other`'s allocation, leaving `other` empty.
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  /// @brief Exchanges allocations with `other` (which frees ours when it is destroyed).
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    swap(other);
    return *this;
  }
  /// @brief Exchanges the contents of two buffers.
  void swap(DeviceBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
  }

  /// @brief Device pointer to the first value (null when empty).
  T* data() noexcept { return data_; }
  /// @brief Device pointer to the first value (null when empty).
  const T* data() const noexcept { return data_; }
  /// @brief Number of values.
  std::size_t size() const noexcept { return size_; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace resnet::cuda
