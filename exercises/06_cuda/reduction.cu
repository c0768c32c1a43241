// EXERCISE FILE, generated from solutions/06_cuda/reduction.cu by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 6, task 6.2: per-channel sums, the reduction batch norm needs (see
// chapters/06_cuda/README.md).
//
// One block per channel c. Its m = N * HW values are far more than its threads, so:
//   1. each thread adds up a strided share of them (thread k takes values k, k + blockDim,
//      k + 2 blockDim, ...: neighbouring threads read neighbouring addresses) into
//      partial[k], an array in the block's shared memory;
//   2. barrier; then a tree: partial[k] += partial[k + stride] for k < stride, with stride
//      halving from blockDim / 2 to 1, a barrier after each step; partial[0] is the sum.
// The threads of a block cooperate through shared memory, so every barrier matters: a
// thread must not read partial[k + stride] before its owner has written it, nor write
// partial[k] while another thread may still read its old value.
//
// The whole kernel is one function of one thread, channel_sums_thread, with its barriers.
// Under host emulation the block emulator runs it (resnet/cuda/block_emulator.hpp): each
// thread of a block is a fiber, a barrier waits for all of them, and a barrier left out is
// reported as a shared-memory race naming the two threads.
#include "resnet/cuda/kernels.hpp"
#include "resnet/exercise.hpp"  // todo() for the exercise stubs (on the GPU: resnet::cuda::todo)

namespace resnet::cuda {

// Phase 1 of block c = t.block.x: partial[k] = the sum of value(x[n, c, i], c) over this
// thread's share of the channel's values (k = t.thread.x).
template <class T, class Value, class Partials>
RESNET_HOST_DEVICE void partial_sum_thread(const ThreadIndex& t, const T* x, std::size_t N, std::size_t C,
                                           std::size_t HW, Value value, Partials& partial) {
  // BEGIN EXERCISE 6.2: replace the next line with your code (./course hint 6.2)
  todo("6.2", "partial_sum_thread: block c (one per channel) of x (N, C, HW); thread k writes partial[k] in shared memory so that the block's partials add up to the sum over n, i of value(x[n, c, i], c)");
  // END EXERCISE 6.2
}

// Phase 2, one step of the tree: the first `stride` threads each add the value `stride`
// places to their right.
template <class Partials>
RESNET_HOST_DEVICE void tree_step_thread(const ThreadIndex& t, Partials& partial, unsigned stride) {
  // BEGIN EXERCISE 6.2: replace the next line with your code (./course hint 6.2)
  todo("6.2", "tree_step_thread: one step of the block's tree sum in shared memory: afterwards partial[k] holds partial[k] + partial[k + stride] for every k < stride, the rest unchanged");
  // END EXERCISE 6.2
}

namespace {

// Applied to each value before it is summed: the value itself, or its squared distance
// to the channel's mean (the second pass of the variance).
template <class T>
struct Identity {
  RESNET_HOST_DEVICE T operator()(T value, std::size_t) const { return value; }
};
template <class T>
struct SquaredDeviation {
  const T* mean;
  RESNET_HOST_DEVICE T operator()(T value, std::size_t c) const { return (value - mean[c]) * (value - mean[c]); }
};

}  // namespace

// The whole kernel, one thread's part: phase 1 into the block's shared partial sums, then
// the tree, then thread 0 writes the channel's result, sums[c] = scale_by * partial[0].
template <class T, class Value>
RESNET_HOST_DEVICE void channel_sums_thread(const ThreadIndex& t, const T* x, T* sums, std::size_t N, std::size_t C,
                                            std::size_t HW, Value value, T scale_by) {
  // BEGIN EXERCISE 6.2: replace the next line with your code (./course hint 6.2)
  todo("6.2", "channel_sums_thread: the kernel of block c, one thread's part: the block's kReductionThreads partial sums in shared memory (RESNET_SHARED BlockArray), partial_sum_thread into them, the tree's steps (stride kReductionThreads / 2 down to 1) with tree_step_thread, and thread 0 writes sums[c] = scale_by * partial[0]; with the barriers the threads need between them");
  // END EXERCISE 6.2
}

namespace {

// sums[c] = scale_by * (sum of value(x, c) over channel c), on the GPU or emulated.
template <class T, class Value>
void reduce_channels(const char* kernel, const T* x, T* sums, std::size_t N, std::size_t C, std::size_t HW, Value value,
                     T scale_by, Launch where) {
  if (C == 0) return;
  const Grid grid{Dim3{static_cast<unsigned>(C), 1, 1}, Dim3{kReductionThreads, 1, 1}};
  launch_cooperative(kernel, grid, where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    channel_sums_thread(t, x, sums, N, C, HW, value, scale_by);
  });
}

}  // namespace

template <class T>
void channel_sums(const T* x, T* sums, std::size_t N, std::size_t C, std::size_t HW, Launch where) {
  reduce_channels("channel_sums", x, sums, N, C, HW, Identity<T>{}, T(1), where);
}

template <class T>
void channel_mean_variance(const T* x, T* mean, T* variance, std::size_t N, std::size_t C, std::size_t HW,
                           Launch where) {
  const T one_over_m = T(1) / static_cast<T>(N * HW);
  reduce_channels("channel_mean", x, mean, N, C, HW, Identity<T>{}, one_over_m, where);
  reduce_channels("channel_variance", x, variance, N, C, HW, SquaredDeviation<T>{mean}, one_over_m, where);
}

template void channel_sums<float>(const float*, float*, std::size_t, std::size_t, std::size_t, Launch);
template void channel_sums<double>(const double*, double*, std::size_t, std::size_t, std::size_t, Launch);
template void channel_mean_variance<float>(const float*, float*, float*, std::size_t, std::size_t, std::size_t, Launch);
template void channel_mean_variance<double>(const double*, double*, double*, std::size_t, std::size_t, std::size_t,
                                            Launch);

}  // namespace resnet::cuda
