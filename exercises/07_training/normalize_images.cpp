// EXERCISE FILE, generated from solutions/07_training/normalize_images.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 7, task 7.5: from pixels to the network's input (see chapters/07_training/README.md).
#include "resnet/data/batches.hpp"
#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

xt::xtensor<float, 4> normalize_images(const xt::xtensor<std::uint8_t, 4>& pixels,  // (N, 3, H, W)
                                       Normalization normalization) {
  if (pixels.shape()[1] != 3) {
    throw ShapeError("normalize_images: expects RGB images (N, 3, H, W), got shape " + format_shape(pixels.shape()));
  }
  const ChannelStatistics statistics = channel_statistics(normalization);
  xt::xtensor<float, 4> result(pixels.shape());  // (N, 3, H, W)
  // BEGIN EXERCISE 7.5: replace the next line with your code (./course hint 7.5)
  todo("7.5", "normalize_images: fill result (N, 3, H, W) with pixels (N, 3, H, W) as torchvision's ToTensor then Normalize(statistics.mean, statistics.stddev) give them");
  // END EXERCISE 7.5
  return result;
}

}  // namespace resnet
