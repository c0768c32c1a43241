#include "resnet/data/loader.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include <xtensor/xview.hpp>

#include "resnet/error.hpp"
#include "resnet/random.hpp"
#include "resnet/shape.hpp"

namespace resnet {

std::string to_string(Normalization normalization) {
  return normalization == Normalization::half ? "half" : "cifar10";
}

Normalization normalization_from_string(const std::string& name) {
  if (name == "half") return Normalization::half;
  if (name == "cifar10") return Normalization::cifar10;
  throw std::invalid_argument("unknown normalization '" + name + "' (expected half or cifar10)");
}

xt::xtensor<float, 4> normalize_images(const xt::xtensor<std::uint8_t, 4>& pixels, Normalization normalization) {
  // x = (pixel / 255 - mean_c) / std_c, per channel c.
  const float half_mean[3] = {0.5f, 0.5f, 0.5f}, half_std[3] = {0.5f, 0.5f, 0.5f};
  const float cifar_mean[3] = {0.4914f, 0.4822f, 0.4465f}, cifar_std[3] = {0.2470f, 0.2435f, 0.2616f};
  if (pixels.shape()[1] != 3) {
    throw ShapeError("normalize_images: expects RGB images (N, 3, H, W), got shape " + format_shape(pixels.shape()));
  }
  const float* mean = normalization == Normalization::half ? half_mean : cifar_mean;
  const float* stddev = normalization == Normalization::half ? half_std : cifar_std;
  xt::xtensor<float, 4> result(pixels.shape());
  const std::size_t N = pixels.shape()[0], C = pixels.shape()[1], plane = pixels.shape()[2] * pixels.shape()[3];
  const std::uint8_t* in = pixels.data();
  float* out = result.data();
  for (std::size_t n = 0; n < N; ++n) {
    for (std::size_t c = 0; c < C; ++c) {
      const std::size_t offset = (n * C + c) * plane;
      for (std::size_t i = 0; i < plane; ++i) {
        out[offset + i] = (static_cast<float>(in[offset + i]) / 255.0f - mean[c]) / stddev[c];
      }
    }
  }
  return result;
}

xt::xtensor<std::uint8_t, 3> crop_and_flip(const xt::xtensor<std::uint8_t, 3>& image, int dy, int dx, bool flip) {
  const int C = static_cast<int>(image.shape()[0]), H = static_cast<int>(image.shape()[1]),
            W = static_cast<int>(image.shape()[2]);
  xt::xtensor<std::uint8_t, 3> result = xt::zeros<std::uint8_t>(image.shape());  // the padding is black
  for (int c = 0; c < C; ++c) {
    for (int y = 0; y < H; ++y) {
      const int source_y = y + dy;
      if (source_y < 0 || source_y >= H) continue;
      for (int x = 0; x < W; ++x) {
        const int source_x = x + dx;
        if (source_x < 0 || source_x >= W) continue;
        const int target_x = flip ? W - 1 - x : x;  // flipping after cropping, as torchvision's transforms run
        result(c, y, target_x) = image(c, source_y, source_x);
      }
    }
  }
  return result;
}

namespace {

// A seed for (seed, epoch, batch) that differs in every bit for nearby inputs (SplitMix64's mixer).
std::uint64_t mix(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (a + 1) + 0xBF58476D1CE4E5B9ull * (b + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

DataLoader::DataLoader(const Cifar10Data& data, const LoaderSettings& settings) : data_(data), settings_(settings) {
  if (settings.batch_size == 0) throw std::invalid_argument("DataLoader: the batch size must be at least 1");
  if (data.labels.size() == 0) throw std::invalid_argument("DataLoader: no images");
  if (settings.drop_last && data.labels.size() < settings.batch_size) {
    throw std::invalid_argument("DataLoader: " + std::to_string(data.labels.size()) + " images make no full batch of " +
                                std::to_string(settings.batch_size) + " (drop_last would leave nothing)");
  }
  start_epoch(0);
}

DataLoader::~DataLoader() { wait_for_pending(); }

void DataLoader::wait_for_pending() {
  if (pending_.valid()) pending_.wait();
}

std::size_t DataLoader::batches_per_epoch() const {
  const std::size_t images = data_.labels.size(), batch = settings_.batch_size;
  return settings_.drop_last ? images / batch : (images + batch - 1) / batch;
}

std::size_t DataLoader::images_per_epoch() const {
  return settings_.drop_last ? batches_per_epoch() * settings_.batch_size : data_.labels.size();
}

void DataLoader::start_epoch(std::size_t epoch, std::size_t first_batch) {
  wait_for_pending();
  pending_ = {};
  epoch_ = epoch;
  position_ = first_batch;
  order_.resize(data_.labels.size());
  std::iota(order_.begin(), order_.end(), std::size_t{0});
  if (settings_.shuffle) {
    // Fisher-Yates with our own generator, so the order is the same on every platform.
    Generator generator(mix(settings_.seed, epoch, 0xFFFFFFFF));
    for (std::size_t i = order_.size() - 1; i > 0; --i) std::swap(order_[i], order_[generator.below(i + 1)]);
  }
}

Batch DataLoader::make_batch(std::size_t index) const {
  const std::size_t first = index * settings_.batch_size;
  const std::size_t count = std::min(settings_.batch_size, order_.size() - first);
  xt::xtensor<std::uint8_t, 4> pixels = xt::xtensor<std::uint8_t, 4>::from_shape({count, 3, 32, 32});
  xt::xtensor<std::int64_t, 1> labels = xt::xtensor<std::int64_t, 1>::from_shape({count});
  Generator generator(mix(settings_.seed, epoch_, index));  // this batch's augmentation
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t source = order_[first + i];
    xt::xtensor<std::uint8_t, 3> image = xt::view(data_.images, source);
    if (settings_.augment) {
      const int dy = static_cast<int>(generator.below(9)) - 4, dx = static_cast<int>(generator.below(9)) - 4;
      image = crop_and_flip(image, dy, dx, generator.below(2) == 1);
    }
    xt::view(pixels, i) = image;
    labels(i) = data_.labels(source);
  }
  return {Tensor<float, 4>::from_host(normalize_images(pixels, settings_.normalization)), labels};
}

std::optional<Batch> DataLoader::next() {
  if (position_ >= batches_per_epoch()) return std::nullopt;
  Batch batch = pending_.valid() ? pending_.get() : make_batch(position_);
  ++position_;
  if (settings_.background && position_ < batches_per_epoch()) {
    // Prepare the following batch while the caller trains on this one.
    pending_ = std::async(std::launch::async, [this, index = position_] { return make_batch(index); });
  }
  return batch;
}

}  // namespace resnet
