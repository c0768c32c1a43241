// Chapter 7, task 7.4: the order in which an epoch visits the images (see chapters/07_training/README.md).
#include <numeric>
#include <utility>

#include "resnet/data/batches.hpp"
#include "resnet/exercise.hpp"

namespace resnet {

std::vector<std::size_t> epoch_order(std::size_t count, bool shuffle, Generator& generator) {
  // BEGIN SOLUTION 7.4 epoch_order: the `count` image indices in the epoch's order: 0 to count - 1 without `shuffle`, else a uniformly random permutation drawn from `generator` only
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (shuffle && count > 1) {
    // Fisher-Yates: position i takes one of the i + 1 values not yet placed, each equally likely.
    for (std::size_t i = count - 1; i > 0; --i) std::swap(order[i], order[generator.below(i + 1)]);
  }
  return order;
  // END SOLUTION
}

}  // namespace resnet
