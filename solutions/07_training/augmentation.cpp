// Chapter 7, task 7.6: random crop and horizontal flip (see chapters/07_training/README.md).
#include "resnet/data/batches.hpp"
#include "resnet/exercise.hpp"

namespace resnet {

xt::xtensor<std::uint8_t, 3> crop_and_flip(const xt::xtensor<std::uint8_t, 3>& image,  // (3, 32, 32)
                                           const CropAndFlip& crop) {
  xt::xtensor<std::uint8_t, 3> result = xt::zeros<std::uint8_t>(image.shape());  // (3, 32, 32), black
  // BEGIN SOLUTION 7.6 crop_and_flip: fill result (3, 32, 32) with the window of `image` (3, 32, 32) shifted by (crop.dy, crop.dx) in zero padding, then mirrored left to right if crop.flip
  const int C = static_cast<int>(image.shape()[0]), H = static_cast<int>(image.shape()[1]),
            W = static_cast<int>(image.shape()[2]);
  for (int c = 0; c < C; ++c) {
    for (int y = 0; y < H; ++y) {
      const int source_y = y + crop.dy;
      if (source_y < 0 || source_y >= H) continue;  // shifted in from the padding: stays 0
      for (int x = 0; x < W; ++x) {
        const int source_x = x + crop.dx;
        if (source_x < 0 || source_x >= W) continue;
        const int target_x = crop.flip ? W - 1 - x : x;  // flip after the crop, as torchvision's transforms run
        result(c, y, target_x) = image(c, source_y, source_x);
      }
    }
  }
  // END SOLUTION
  return result;
}

CropAndFlip random_crop_and_flip(Generator& generator) {
  // BEGIN SOLUTION 7.6 random_crop_and_flip: a CropAndFlip with dy and dx each uniform in -4..4 and flip true with probability 1/2, drawn from `generator` only
  CropAndFlip crop;
  crop.dy = static_cast<int>(generator.below(9)) - 4;
  crop.dx = static_cast<int>(generator.below(9)) - 4;
  crop.flip = generator.below(2) == 1;
  return crop;
  // END SOLUTION
}

}  // namespace resnet
