// Scratch memory for the library's kernels: uninitialised floats, aligned to 2 MiB and,
// on Linux, offered to the kernel as transparent huge pages. Private to lib/src/cpu.
//
// Why: the kernels' scratch matrices (Winograd's transformed tiles, a tile of im2col) are
// megabytes read with strides of several KiB, one 4 KiB page per row. With 4 KiB pages
// every row needs its own TLB entry and the walks dominate; with 2 MiB pages a whole
// matrix fits a few entries. Measured with perf on the Winograd convolution of CIFAR stage
// 1 (one thread): the packing of its B panels went from 22% of the time to 12%.
// Debian's kernels ship THP in "madvise" mode, so the advice is what turns them on. On
// other systems the memory is just aligned.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace resnet::cpu::detail {

class ScratchFloats {
 public:
  explicit ScratchFloats(std::size_t count) {
    constexpr std::size_t kHugePage = std::size_t{2} << 20;
    const std::size_t bytes = (count * sizeof(float) + kHugePage - 1) / kHugePage * kHugePage;
    if (bytes == 0) return;
    data_ = static_cast<float*>(std::aligned_alloc(kHugePage, bytes));
    if (data_ == nullptr) throw std::bad_alloc();
#if defined(__linux__)
    madvise(data_, bytes, MADV_HUGEPAGE);  // advice only: failure leaves ordinary pages
#endif
  }
  ~ScratchFloats() { std::free(data_); }
  ScratchFloats(const ScratchFloats&) = delete;
  ScratchFloats& operator=(const ScratchFloats&) = delete;

  float* data() const { return data_; }

 private:
  float* data_ = nullptr;
};

}  // namespace resnet::cpu::detail
