// Device memory as the rest of the library sees it (resnet/cuda/memory.hpp): the emulated
// device, and the caching allocator in front of cudaMalloc (or, emulated, host memory).
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "gpu_runtime.hpp"
#include "resnet/cuda/memory.hpp"
#include "resnet/error.hpp"

namespace resnet::cuda {

namespace {

// The emulated device: on when use_emulated_device() said so, else when RESNET_CUDA_EMULATE=1.
bool& emulation_flag() {
  static bool flag = [] {
    const char* value = std::getenv("RESNET_CUDA_EMULATE");
    return value != nullptr && std::string(value) == "1";
  }();
  return flag;
}

constexpr std::size_t block_granularity = 512;  // bytes; also the alignment of emulated blocks

std::size_t rounded_size(std::size_t bytes) {
  return bytes == 0 ? block_granularity : (bytes + block_granularity - 1) / block_granularity * block_granularity;
}

// Where blocks come from when the cache has none of the size: the GPU, or host memory.
void* new_block(std::size_t bytes, bool emulated) {
  if (emulated) return std::aligned_alloc(block_granularity, bytes);  // bytes is a multiple of the alignment
  return runtime::allocate(bytes);                                    // null: out of memory
}

void free_block(void* block, bool emulated) noexcept {
  if (emulated) {
    std::free(block);
  } else {
    runtime::release(block);
  }
}

// Freed blocks by rounded size, and the size of every live block. Blocks remember whether
// they came from the emulated device, so that switching does not mix them up.
class CachingAllocator {
 public:
  void* allocate(std::size_t bytes) {
    const bool emulated = is_emulated();
    if (!emulated && runtime::device_count() == 0) {
      throw DeviceError(is_built() ? "cudaMalloc: no CUDA device is available (no GPU, or no driver); "
                                     "RESNET_CUDA_EMULATE=1 runs the GPU path on the CPU"
                                   : "cudaMalloc: this build has no CUDA support (nvcc was not found "
                                     "when CMake configured it); RESNET_CUDA_EMULATE=1 runs the GPU "
                                     "path on the CPU");
    }
    const std::size_t size = rounded_size(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    auto& cached = free_[{size, emulated}];
    void* block = nullptr;
    if (!cached.empty()) {
      block = cached.back();
      cached.pop_back();
      stats_.bytes_cached -= size;
      ++stats_.reuses;
    } else {
      block = new_block(size, emulated);
      if (block == nullptr) {  // out of memory: give the cache back and try once more
        release_cache_locked();
        block = new_block(size, emulated);
      }
      if (block == nullptr) {
        throw DeviceError("cudaMalloc(" + std::to_string(bytes) +
                          " bytes): out of memory, even after "
                          "releasing the allocator's cache (" +
                          std::to_string(stats_.bytes_in_use) + " bytes in use); try a smaller batch");
      }
      ++stats_.device_allocations;
    }
    live_[block] = Block{size, emulated};
    stats_.bytes_in_use += size;
    return block;
  }

  void release(void* pointer) noexcept {
    if (pointer == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = live_.find(pointer);
    if (found == live_.end()) return;  // not ours: never happens through DeviceBuffer
    const Block block = found->second;
    live_.erase(found);
    stats_.bytes_in_use -= block.size;
    stats_.bytes_cached += block.size;
    try {
      free_[{block.size, block.emulated}].push_back(pointer);
    } catch (...) {  // no memory for the list: give the block back instead
      stats_.bytes_cached -= block.size;
      free_block(pointer, block.emulated);
    }
  }

  MemoryStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

  void release_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cache_locked();
  }

 private:
  struct Block {
    std::size_t size;
    bool emulated;
  };

  void release_cache_locked() {
    for (auto& [key, blocks] : free_) {
      for (void* block : blocks) free_block(block, key.second);
      stats_.bytes_cached -= key.first * blocks.size();
      blocks.clear();
    }
  }

  std::mutex mutex_;
  std::map<std::pair<std::size_t, bool>, std::vector<void*>> free_;
  std::unordered_map<void*, Block> live_;
  MemoryStats stats_;
};

// Never destroyed: DeviceBuffers in static objects may be released after main returns.
CachingAllocator& allocator() {
  static auto* instance = new CachingAllocator();
  return *instance;
}

// Copies involving the device: plain memcpy when the device is emulated.
void copy_bytes(void* destination, const void* source, std::size_t bytes, runtime::Copy direction) {
  if (bytes == 0) return;
  if (is_emulated()) {
    std::memcpy(destination, source, bytes);
  } else {
    runtime::copy(destination, source, bytes, direction);
  }
}

}  // namespace

int device_count() noexcept { return runtime::device_count(); }

void use_emulated_device(bool emulate) { emulation_flag() = emulate; }
bool is_emulated() noexcept { return emulation_flag(); }

Launch device_launch() {
  if (is_emulated()) return Launch::host_emulation;
  if (is_available()) return Launch::gpu;
  throw DeviceError(std::string("no CUDA device to run on (") +
                    (is_built() ? "no GPU or no driver" : "this build has no CUDA support") +
                    "); RESNET_CUDA_EMULATE=1 runs the GPU path on the CPU");
}

MemoryStats memory_stats() { return allocator().stats(); }
void empty_cache() { allocator().release_cache(); }

void* allocate(std::size_t bytes) { return allocator().allocate(bytes); }
void release(void* pointer) noexcept { allocator().release(pointer); }

void copy_host_to_device(void* destination, const void* source, std::size_t bytes) {
  copy_bytes(destination, source, bytes, runtime::Copy::host_to_device);
}
void copy_device_to_host(void* destination, const void* source, std::size_t bytes) {
  copy_bytes(destination, source, bytes, runtime::Copy::device_to_host);
}
void copy_device_to_device(void* destination, const void* source, std::size_t bytes) {
  copy_bytes(destination, source, bytes, runtime::Copy::device_to_device);
}

void fill_zero(void* destination, std::size_t bytes) {
  if (bytes == 0) return;
  if (is_emulated()) {
    std::memset(destination, 0, bytes);
  } else {
    runtime::fill_zero(destination, bytes);
  }
}

void synchronize() {
  if (!is_emulated()) runtime::synchronize();
}

BatchUploader::BatchUploader(std::size_t max_bytes) : max_bytes_(max_bytes), emulated_(is_emulated()) {
  device_launch();  // a clear error when there is no device
  if (emulated_) return;
  stream_ = runtime::create_stream();
  for (int slot = 0; slot < 2; ++slot) {
    staging_[slot] = runtime::allocate_pinned(max_bytes_);
    copied_[slot] = runtime::create_event();
    released_[slot] = runtime::create_event();
    // The first copy into a slot waits for the kernels queued so far: the slot's memory may
    // be a block that one of them still reads (the caching allocator hands blocks out again).
    runtime::record_event(released_[slot], nullptr);
  }
}

BatchUploader::~BatchUploader() {
  if (emulated_) return;
  for (int slot = 0; slot < 2; ++slot) {
    try {
      if (copied_[slot] != nullptr)
        runtime::synchronize_event(copied_[slot]);  // nothing still reads the staging buffer
    } catch (...) {  // a failed copy was reported where it was waited for; free what we can
    }
    runtime::release_pinned(staging_[slot]);
    runtime::destroy_event(copied_[slot]);
    runtime::destroy_event(released_[slot]);
  }
  runtime::destroy_stream(stream_);
}

void BatchUploader::upload(void* destination, const void* source, std::size_t bytes) {
  if (bytes > max_bytes_) {
    throw DeviceError("BatchUploader::upload: " + std::to_string(bytes) + " bytes, more than the " +
                      std::to_string(max_bytes_) + " it was made for");
  }
  const std::size_t slot = next_slot_, other = 1 - slot;
  next_slot_ = other;
  if (emulated_) {
    std::memcpy(destination, source, bytes);
    return;
  }
  // The previous upload's kernels (they read the other slot) are all queued by now.
  if (uploads_++ > 0) runtime::record_event(released_[other], nullptr);
  runtime::synchronize_event(copied_[slot]);  // this slot's last copy has left its staging buffer
  std::memcpy(staging_[slot], source, bytes);
  runtime::stream_wait_event(stream_, released_[slot]);  // nothing reads the destination any more
  runtime::copy_to_device_async(destination, staging_[slot], bytes, stream_);
  runtime::record_event(copied_[slot], stream_);
  runtime::stream_wait_event(nullptr, copied_[slot]);  // kernels from now on wait for the copy
}

}  // namespace resnet::cuda
