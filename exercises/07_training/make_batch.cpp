// EXERCISE FILE, generated from solutions/07_training/make_batch.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 7, task 7.7: one batch of an epoch (see chapters/07_training/README.md).
#include <algorithm>

#include <xtensor/xview.hpp>

#include "resnet/data/batches.hpp"
#include "resnet/exercise.hpp"

namespace resnet {

std::size_t batches_per_epoch(std::size_t images, std::size_t batch_size, bool drop_last) {
  // BEGIN EXERCISE 7.7: replace the next line with your code (./course hint 7.7)
  todo("7.7", "batches_per_epoch: how many batches of batch_size an epoch of `images` images makes, the last, smaller one dropped when drop_last");
  // END EXERCISE 7.7
}

Batch make_batch(const Cifar10Data& data,                // images (N, 3, 32, 32), labels (N)
                 const std::vector<std::size_t>& order,  // (N)
                 std::size_t index, const LoaderSettings& settings, Generator& generator) {
  // BEGIN EXERCISE 7.7: replace the next line with your code (./course hint 7.7)
  todo("7.7", "make_batch: batch `index` of the epoch's `order`: images (B, 3, 32, 32), augmented with `generator` when settings.augment and normalised, and their labels (B)");
  // END EXERCISE 7.7
}

}  // namespace resnet
