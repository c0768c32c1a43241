// Chapter 7, task 7.7: one batch of an epoch (see chapters/07_training/README.md).
#include <algorithm>

#include <xtensor/xview.hpp>

#include "resnet/data/batches.hpp"
#include "resnet/exercise.hpp"

namespace resnet {

std::size_t batches_per_epoch(std::size_t images, std::size_t batch_size, bool drop_last) {
  // BEGIN SOLUTION 7.7 batches_per_epoch: how many batches of batch_size an epoch of `images` images makes, the last, smaller one dropped when drop_last
  return drop_last ? images / batch_size : (images + batch_size - 1) / batch_size;
  // END SOLUTION
}

Batch make_batch(const Cifar10Data& data,                // images (N, 3, 32, 32), labels (N)
                 const std::vector<std::size_t>& order,  // (N)
                 std::size_t index, const LoaderSettings& settings, Generator& generator) {
  // BEGIN SOLUTION 7.7 make_batch: batch `index` of the epoch's `order`: images (B, 3, 32, 32), augmented with `generator` when settings.augment and normalised, and their labels (B)
  const std::size_t first = index * settings.batch_size;
  const std::size_t count = std::min(settings.batch_size, order.size() - first);  // the last batch may be smaller
  xt::xtensor<std::uint8_t, 4> pixels = xt::xtensor<std::uint8_t, 4>::from_shape({count, 3, 32, 32});
  xt::xtensor<std::int64_t, 1> labels = xt::xtensor<std::int64_t, 1>::from_shape({count});
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t source = order[first + i];
    xt::xtensor<std::uint8_t, 3> image = xt::view(data.images, source);
    if (settings.augment) image = crop_and_flip(image, random_crop_and_flip(generator));
    xt::view(pixels, i) = image;
    labels(i) = data.labels(source);  // the label travels with its image
  }
  return {Tensor<float, 4>::from_host(normalize_images(pixels, settings.normalization)), labels};
  // END SOLUTION
}

}  // namespace resnet
