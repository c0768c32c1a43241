#include "resnet/threads.hpp"

#include <omp.h>

// OpenBLAS's own setting (declared in its cblas.h, which this file does not otherwise need).
extern "C" void openblas_set_num_threads(int threads);

namespace resnet {

void set_thread_count(int threads) {
  if (threads <= 0) return;
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
}

int thread_count() { return omp_get_max_threads(); }

}  // namespace resnet
