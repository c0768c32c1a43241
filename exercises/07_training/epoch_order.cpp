// EXERCISE FILE, generated from solutions/07_training/epoch_order.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 7, task 7.4: the order in which an epoch visits the images (see chapters/07_training/README.md).
#include <numeric>
#include <utility>

#include "resnet/data/batches.hpp"
#include "resnet/exercise.hpp"

namespace resnet {

std::vector<std::size_t> epoch_order(std::size_t count, bool shuffle, Generator& generator) {
  // BEGIN EXERCISE 7.4: replace the next line with your code (./course hint 7.4)
  todo("7.4", "epoch_order: the `count` image indices in the epoch's order: 0 to count - 1 without `shuffle`, else a uniformly random permutation drawn from `generator` only");
  // END EXERCISE 7.4
}

}  // namespace resnet
