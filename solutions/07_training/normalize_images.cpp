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
  // BEGIN SOLUTION 7.5 normalize_images: fill result (N, 3, H, W) with pixels (N, 3, H, W) as torchvision's ToTensor then Normalize(statistics.mean, statistics.stddev) give them
  const std::size_t N = pixels.shape()[0], C = pixels.shape()[1], plane = pixels.shape()[2] * pixels.shape()[3];
  const std::uint8_t* in = pixels.data();
  float* out = result.data();
  for (std::size_t n = 0; n < N; ++n) {
    for (std::size_t c = 0; c < C; ++c) {
      const std::size_t offset = (n * C + c) * plane;  // the H x W plane of image n, channel c
      for (std::size_t i = 0; i < plane; ++i) {
        out[offset + i] = (static_cast<float>(in[offset + i]) / 255.0f - statistics.mean[c]) / statistics.stddev[c];
      }
    }
  }
  // END SOLUTION
  return result;
}

}  // namespace resnet
