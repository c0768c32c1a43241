// EXERCISE FILE, generated from solutions/07_training/augmentation.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 7, task 7.6: random crop and horizontal flip (see chapters/07_training/README.md).
#include "resnet/data/batches.hpp"
#include "resnet/exercise.hpp"

namespace resnet {

xt::xtensor<std::uint8_t, 3> crop_and_flip(const xt::xtensor<std::uint8_t, 3>& image,  // (3, 32, 32)
                                           const CropAndFlip& crop) {
  xt::xtensor<std::uint8_t, 3> result = xt::zeros<std::uint8_t>(image.shape());  // (3, 32, 32), black
  // BEGIN EXERCISE 7.6: replace the next line with your code (./course hint 7.6)
  todo("7.6", "crop_and_flip: fill result (3, 32, 32) with the window of `image` (3, 32, 32) shifted by (crop.dy, crop.dx) in zero padding, then mirrored left to right if crop.flip");
  // END EXERCISE 7.6
  return result;
}

CropAndFlip random_crop_and_flip(Generator& generator) {
  // BEGIN EXERCISE 7.6: replace the next line with your code (./course hint 7.6)
  todo("7.6", "random_crop_and_flip: a CropAndFlip with dy and dx each uniform in -4..4 and flip true with probability 1/2, drawn from `generator` only");
  // END EXERCISE 7.6
}

}  // namespace resnet
