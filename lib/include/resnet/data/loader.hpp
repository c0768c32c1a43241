/// @file
/// @brief The data loader: the machinery that turns the student's batch functions
///        (resnet/data/batches.hpp) into a stream of batches, reproducible from a seed,
///        with the next batch prepared on a background thread while the current one trains.
#pragma once

#include <cstddef>
#include <cstdint>
#include <future>
#include <optional>
#include <vector>

#include "resnet/data/batches.hpp"

namespace resnet {

/// @ingroup ch07
/// @brief The random numbers of epoch `epoch`'s order (task 7.4): they depend only on the
///        seed and the epoch, never on what ran before.
Generator order_generator(std::uint64_t seed, std::size_t epoch);

/// @ingroup ch07
/// @brief The random numbers of batch `batch`'s augmentation (task 7.6) in epoch `epoch`.
Generator augmentation_generator(std::uint64_t seed, std::size_t epoch, std::size_t batch);

/// @ingroup ch07
/// @brief Batches of a CIFAR-10 split, like torch.utils.data.DataLoader with the usual
///        torchvision transforms.
///
/// Each epoch takes its order from epoch_order() and each batch from make_batch(), with
/// random numbers that depend only on (seed, epoch, batch), so a run resumed at epoch e,
/// batch b sees exactly the batches an uninterrupted one would. The loader keeps a
/// reference to the data, which must outlive it.
/// @see https://pytorch.org/docs/stable/data.html#torch.utils.data.DataLoader
class DataLoader {
 public:
  /// @brief A loader over `data` (kept by reference), making batches as `settings` says.
  /// @param data images (N, 3, 32, 32) and labels (N)
  /// @param settings batch size, order, normalisation, augmentation, seed
  /// @throws std::invalid_argument for a zero batch size, empty data, or with drop_last
  ///         fewer images than one batch
  DataLoader(const Cifar10Data& data, const LoaderSettings& settings);
  ~DataLoader();
  /// @brief Not copyable: it holds a reference to the data and a pending batch.
  DataLoader(const DataLoader&) = delete;
  /// @brief Not copyable: it holds a reference to the data and a pending batch.
  DataLoader& operator=(const DataLoader&) = delete;

  /// @brief Batches per epoch (task 7.7's batches_per_epoch()).
  std::size_t batches_per_epoch() const;
  /// @brief Images per epoch (all of them, or those in full batches with drop_last).
  std::size_t images_per_epoch() const;
  /// @brief Starts epoch `epoch` (from 0): its order, from the seed and the epoch number.
  ///        With `first_batch`, the epoch starts there (a run resumed mid-epoch).
  void start_epoch(std::size_t epoch, std::size_t first_batch = 0);
  /// @brief The next batch of the epoch, or nothing at its end.
  /// @return images (B, 3, 32, 32) and labels (B), B = batch_size (less for the last batch
  ///         without drop_last)
  std::optional<Batch> next();

 private:
  Batch batch_at(std::size_t index) const;  // pure: safe to run on another thread
  void wait_for_pending();

  const Cifar10Data& data_;
  LoaderSettings settings_;
  std::size_t epoch_ = 0;
  std::vector<std::size_t> order_;  // image indices in this epoch's order
  std::size_t position_ = 0;        // the next batch to hand out
  std::future<Batch> pending_;      // batch position_, being prepared
};

}  // namespace resnet
