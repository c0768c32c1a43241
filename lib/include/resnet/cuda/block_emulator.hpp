/// @file
/// @brief Running a block of CUDA threads on the CPU with the GPU's barrier semantics, and
///        reporting shared-memory races.
///
/// launch() under Launch::host_emulation runs a block's threads one after another, which
/// is right only for kernels whose threads do not cooperate. This emulator runs each thread
/// of a block as a *fiber*: its own stack, switched to and from on one CPU thread. A call
/// to sync_threads() (the emulator's `__syncthreads()`) suspends the calling thread until
/// every thread of its block has reached a barrier, exactly the guarantee the GPU gives, so a
/// kernel's real body runs unchanged, barriers included.
///
/// Kernels use it through launch.hpp: launch_cooperative() runs a kernel body here under
/// Launch::host_emulation, sync_threads() is its barrier and `RESNET_SHARED BlockArray<T, N>`
/// its shared memory (a SharedArray on the CPU, a `__shared__ T[N]` on the GPU).
///
/// Shared memory is a SharedArray. Under the emulator, every access to it is checked
/// against the accesses of the other threads of the block since the last barrier:
///
///   - a read of a word that another thread wrote since the last barrier,
///   - a write of a word that another thread read or wrote since the last barrier,
///   - a read of a word that no thread of the block has written yet,
///
/// are errors (SharedMemoryRace), naming the kernel, both threads and the word. So is a
/// barrier that not every thread of the block reaches (a thread that returned while others
/// wait at sync_threads()). On the GPU the same kind of bug gives wrong results only
/// sometimes; compute-sanitizer's racecheck and synccheck find it there.
///
/// Each fiber has a stack of 128 KiB with a guard page below it. A kernel body that needs
/// more (a large local array, deep recursion) stops the program with a message naming the
/// kernel and the thread, rather than overwriting another fiber's stack.
///
/// The order in which fibers run is fixed (thread 0 first, up to its barrier or its end,
/// then thread 1, ...), so a run is reproducible; the race checks do not depend on it.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "resnet/cuda/thread_index.hpp"
#include "resnet/error.hpp"

namespace resnet::cuda::emulator {

/// @ingroup ch06
/// @brief A race on shared memory, or a barrier not every thread reached, found by the
///        emulator; the message names the kernel, the threads and the word.
class SharedMemoryRace : public DeviceError {
 public:
  /// @brief The error with its message.
  using DeviceError::DeviceError;
};

/// @ingroup ch06
/// @brief Runs `body(ThreadIndex)` for every thread of every block of `grid`, one block
///        after another, each block's threads as fibers that sync_threads() synchronises.
///
/// An exception thrown by a thread (NotImplemented from a stub, a SharedMemoryRace, a
/// ShapeError) stops the launch and is rethrown here; the other threads of the block are
/// abandoned where they were, as a GPU abandons a kernel that traps.
/// @param kernel the kernel's name, for messages
/// @param grid blocks and threads per block (at most 1024 threads per block, as on the GPU)
/// @param body a callable taking `const ThreadIndex&`: the work of one thread
/// @throws DeviceError for more than 1024 threads per block or an empty grid
void run_blocks(const char* kernel, const Grid& grid, const std::function<void(const ThreadIndex&)>& body);

/// @ingroup ch06
/// @brief The emulator's `__syncthreads()`: returns once every thread of the calling
///        thread's block has called it.
/// @throws SharedMemoryRace (through run_blocks) when a thread of the block returned
///         instead of reaching the barrier; DeviceError when called outside run_blocks()
void sync_threads();

namespace detail {

/// What the emulator remembers about one word of shared memory since the last barrier.
struct WordAccesses {
  unsigned long long epoch = 0;             ///< the barrier interval these entries belong to (0: never)
  int writer = -1;                          ///< the thread that wrote it in this interval, or -1
  int reader = -1;                          ///< a thread that read it in this interval, or -1
  int other_reader = -1;                    ///< a second, different thread that read it, or -1
  unsigned long long written_in_block = 0;  ///< the block run in which it was last written (0: never)
};

/// Checks a read (is_write false) or a write of word `index` of a shared array against the
/// block's other threads, and records it; throws SharedMemoryRace on a race.
void record_access(WordAccesses& word, const void* address, std::size_t index, bool is_write);

}  // namespace detail

/// @ingroup ch06
/// @brief A proxy for one word of a SharedArray: reading it or assigning to it goes through
///        the emulator's race checks.
template <class T>
class SharedWord {
 public:
  /// @brief The word `index` of an array, its value and its record of accesses.
  SharedWord(T& value, detail::WordAccesses& accesses, std::size_t index)
      : value_(value), accesses_(accesses), index_(index) {}
  /// @brief Reads the word.
  operator T() const {
    detail::record_access(accesses_, &value_, index_, false);
    return value_;
  }
  /// @brief Writes the word.
  SharedWord& operator=(T value) {
    detail::record_access(accesses_, &value_, index_, true);
    value_ = value;
    return *this;
  }
  /// @brief Copies another word's value into this one: a read, then a write.
  SharedWord& operator=(const SharedWord& other) { return *this = static_cast<T>(other); }
  /// @brief A read, then a write of the sum.
  SharedWord& operator+=(T value) { return *this = static_cast<T>(*this) + value; }

 private:
  T& value_;
  detail::WordAccesses& accesses_;
  std::size_t index_;
};

/// @ingroup ch06
/// @brief An array of `N` values in a block's shared memory, for kernels run by the
///        emulator: `a_tile[i]` reads and writes go through the race checks.
///
/// Kernels declare it as `RESNET_SHARED BlockArray<T, N>` (launch.hpp), which on the CPU is
/// `static thread_local SharedArray<T, N>`: one array per CPU thread, so
/// every fiber of a block (they share the CPU thread) sees the same array, as the threads of
/// a block share `__shared__` memory on the GPU.
template <class T, std::size_t N>
class SharedArray {
 public:
  /// @brief Word i, checked.
  SharedWord<T> operator[](std::size_t i) {
    if (i >= N) {
      throw SharedMemoryRace("shared memory: index " + std::to_string(i) + " is outside an array of " +
                             std::to_string(N) + " values");
    }
    return SharedWord<T>(values_[i], accesses_[i], i);
  }
  /// @brief The number of values.
  static constexpr std::size_t size() { return N; }

 private:
  T values_[N] = {};
  detail::WordAccesses accesses_[N];
};

}  // namespace resnet::cuda::emulator
