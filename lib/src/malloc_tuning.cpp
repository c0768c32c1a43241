#include "resnet/malloc_tuning.hpp"

#include <cstdlib>  // any C library header defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace resnet {

bool keep_freed_memory() {
#if defined(__GLIBC__)
  // No block gets its own mmap (so none is unmapped when freed), and free() never trims
  // the top of the heap back to the kernel (-1 disables trimming: see `man mallopt`).
  const bool no_mmap = mallopt(M_MMAP_MAX, 0) == 1;
  const bool no_trim = mallopt(M_TRIM_THRESHOLD, -1) == 1;
  return no_mmap && no_trim;
#else
  return false;
#endif
}

}  // namespace resnet
