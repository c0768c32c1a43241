// EXERCISE FILE, generated from solutions/06_cuda/elementwise.cu by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 6, task 6.1: elementwise kernels, one thread per value (see chapters/06_cuda/README.md).
//
// The simplest kernels there are: thread i reads x[i] and writes y[i]. Neighbouring
// threads of a warp touch neighbouring addresses, so every load and store is coalesced
// into a few wide memory transactions and the kernel runs at the speed of memory.
#include "resnet/cuda/kernels.hpp"
#include "resnet/exercise.hpp"  // todo() for the exercise stubs (on the GPU: resnet::cuda::todo)

namespace resnet::cuda {

// Thread t's value: y[i] = max(0, x[i]) with i its index in the grid.
template <class T>
RESNET_HOST_DEVICE void relu_forward_thread(const ThreadIndex& t, const T* x, T* y, std::size_t n) {
  // BEGIN EXERCISE 6.1: replace the next line with your code (./course hint 6.1)
  todo("6.1", "relu_forward_thread: launched with at least one thread per value (a 1-D grid, grid_1d(n)); the thread numbered i in the grid sets y[i] = max(0, x[i]), a NaN staying NaN; x and y hold n values");
  // END EXERCISE 6.1
}

// Thread t's value: dx[i] = dy[i] where x[i] > 0 (or NaN), 0 where x[i] <= 0.
template <class T>
RESNET_HOST_DEVICE void relu_backward_thread(const ThreadIndex& t, const T* x, const T* dy, T* dx, std::size_t n) {
  // BEGIN EXERCISE 6.1: replace the next line with your code (./course hint 6.1)
  todo("6.1", "relu_backward_thread: launched with at least one thread per value (a 1-D grid); the thread numbered i in the grid sets dx[i] = dy[i] where x[i] > 0 or is NaN, else 0; x, dy and dx hold n values");
  // END EXERCISE 6.1
}

template <class T>
void relu_forward(const T* x, T* y, std::size_t n, Launch where) {
  if (n == 0) return;
  launch("relu_forward", grid_1d(n), where,
         [=] RESNET_HOST_DEVICE(const ThreadIndex& t) { relu_forward_thread(t, x, y, n); });
}

template <class T>
void relu_backward(const T* x, const T* dy, T* dx, std::size_t n, Launch where) {
  if (n == 0) return;
  launch("relu_backward", grid_1d(n), where,
         [=] RESNET_HOST_DEVICE(const ThreadIndex& t) { relu_backward_thread(t, x, dy, dx, n); });
}

template <class T>
void add(const T* a, const T* b, T* out, std::size_t n, Launch where) {
  if (n == 0) return;
  launch("add", grid_1d(n), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t i = t.global_x();
    if (i < n) out[i] = a[i] + b[i];
  });
}

template <class T>
void scale(T* x, T factor, std::size_t n, Launch where) {
  if (n == 0) return;
  launch("scale", grid_1d(n), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t i = t.global_x();
    if (i < n) x[i] *= factor;
  });
}

template void relu_forward<float>(const float*, float*, std::size_t, Launch);
template void relu_forward<double>(const double*, double*, std::size_t, Launch);
template void relu_backward<float>(const float*, const float*, float*, std::size_t, Launch);
template void relu_backward<double>(const double*, const double*, double*, std::size_t, Launch);
template void add<float>(const float*, const float*, float*, std::size_t, Launch);
template void add<double>(const double*, const double*, double*, std::size_t, Launch);
template void scale<float>(float*, float, std::size_t, Launch);
template void scale<double>(double*, double, std::size_t, Launch);

}  // namespace resnet::cuda
