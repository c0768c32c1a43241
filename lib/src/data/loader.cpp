#include "resnet/data/loader.hpp"

#include <stdexcept>

namespace resnet {

std::string to_string(Normalization normalization) {
  return normalization == Normalization::mean_half_std_half ? "half" : "cifar10";
}

Normalization normalization_from_string(const std::string& name) {
  if (name == "half") return Normalization::mean_half_std_half;
  if (name == "cifar10") return Normalization::cifar10;
  throw std::invalid_argument("unknown normalization '" + name + "' (expected half or cifar10)");
}

ChannelStatistics channel_statistics(Normalization normalization) {
  if (normalization == Normalization::mean_half_std_half) return {{0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f}};
  return {{0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}};
}

namespace {

// A seed for (seed, a, b) that differs in every bit for nearby inputs (SplitMix64's mixer).
std::uint64_t mix(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (a + 1) + 0xBF58476D1CE4E5B9ull * (b + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

Generator order_generator(std::uint64_t seed, std::size_t epoch) { return Generator(mix(seed, epoch, 0xFFFFFFFF)); }

Generator augmentation_generator(std::uint64_t seed, std::size_t epoch, std::size_t batch) {
  return Generator(mix(seed, epoch, batch));
}

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
  return resnet::batches_per_epoch(data_.labels.size(), settings_.batch_size, settings_.drop_last);
}

std::size_t DataLoader::images_per_epoch() const {
  return settings_.drop_last ? batches_per_epoch() * settings_.batch_size : data_.labels.size();
}

void DataLoader::start_epoch(std::size_t epoch, std::size_t first_batch) {
  wait_for_pending();
  pending_ = {};
  epoch_ = epoch;
  position_ = first_batch;
  Generator generator = order_generator(settings_.seed, epoch);
  order_ = epoch_order(data_.labels.size(), settings_.shuffle, generator);
  if (order_.size() != data_.labels.size()) {
    throw std::logic_error("epoch_order returned " + std::to_string(order_.size()) + " indices for " +
                           std::to_string(data_.labels.size()) + " images");
  }
}

Batch DataLoader::batch_at(std::size_t index) const {
  Generator generator = augmentation_generator(settings_.seed, epoch_, index);
  return make_batch(data_, order_, index, settings_, generator);
}

std::optional<Batch> DataLoader::next() {
  if (position_ >= batches_per_epoch()) return std::nullopt;
  Batch batch = pending_.valid() ? pending_.get() : batch_at(position_);
  ++position_;
  if (settings_.background && position_ < batches_per_epoch()) {
    // Prepare the following batch while the caller trains on this one.
    pending_ = std::async(std::launch::async, [this, index = position_] { return batch_at(index); });
  }
  return batch;
}

}  // namespace resnet
