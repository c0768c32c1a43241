// EXERCISE FILE, generated from solutions/06_cuda/im2col.cu by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 6, task 6.5: im2col on the GPU, one thread per entry of the column matrix (see
// chapters/06_cuda/README.md and, for the layout, task 2.6).
//
// The CPU version walks rows and copies runs of values; here each of the C R S x N P Q
// entries is one thread, which works out which input value (or padding zero) it holds.
// Consecutive threads take consecutive columns, so the writes are coalesced; the reads
// are strided by `stride` but mostly land in the same cache lines.
#include "resnet/cuda/kernels.hpp"
#include "resnet/exercise.hpp"  // todo() for the exercise stubs (on the GPU: resnet::cuda::todo)

namespace resnet::cuda {

// Thread t writes columns[row, col] for the entry number e = t.global_x():
// row = e / (N P Q) is the kernel position (c, r, s), col = e % (N P Q) the window (n, p, q).
template <class T>
RESNET_HOST_DEVICE void im2col_thread(const ThreadIndex& t, const T* x, T* columns, const WindowShape& shape) {
  // BEGIN EXERCISE 6.5: replace the next line with your code (./course hint 6.5)
  todo("6.5", "im2col_thread: columns (C R S, N P Q), row-major, is task 2.6's im2col of x (N, C, H, W); one thread per entry: the thread numbered e in the 1-D grid writes entry e, for e < C R S N P Q");
  // END EXERCISE 6.5
}

template <class T>
void im2col(const T* x, T* columns, const WindowShape& shape, Launch where) {
  const std::size_t entries = shape.C * shape.R * shape.S * shape.N * shape.P * shape.Q;
  if (entries == 0) return;
  launch("im2col", grid_1d(entries), where,
         [=] RESNET_HOST_DEVICE(const ThreadIndex& t) { im2col_thread(t, x, columns, shape); });
}

template void im2col<float>(const float*, float*, const WindowShape&, Launch);
template void im2col<double>(const double*, double*, const WindowShape&, Launch);

}  // namespace resnet::cuda
