/// @file
/// @brief The data loader: CIFAR-10 images in shuffled, normalised, optionally augmented
///        batches, the next one prepared on a background thread while the current one trains.
#pragma once

#include <cstddef>
#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "resnet/data/cifar10.hpp"
#include "resnet/tensor.hpp"

namespace resnet {

/// @ingroup ch07
/// @brief How pixels (0-255) become the network's input.
enum class Normalization {
  half,    ///< the tutorial's: \f$ (x/255 - 0.5) / 0.5 \f$, values in [-1, 1]
  cifar10  ///< per channel c, \f$ (x/255 - \mu_c) / \sigma_c \f$ with CIFAR-10's training-set mean and std
};

/// @ingroup ch07
/// @brief "half" or "cifar10".
std::string to_string(Normalization normalization);
/// @ingroup ch07
/// @brief The normalization named by to_string(); throws std::invalid_argument otherwise.
Normalization normalization_from_string(const std::string& name);

/// @ingroup ch07
/// @brief How a DataLoader makes its batches.
struct LoaderSettings {
  std::size_t batch_size = 128;                      ///< images per batch
  bool shuffle = true;                               ///< a new random order every epoch
  bool drop_last = false;                            ///< drop the last, smaller batch of an epoch
  Normalization normalization = Normalization::half;  ///< see Normalization
  bool augment = false;  ///< @brief random crop (4 pixels of zero padding) and horizontal flip, as
                         ///< torchvision's RandomCrop(32, padding=4) + RandomHorizontalFlip()
  std::uint64_t seed = 0;  ///< fixes the order and the augmentation of every epoch
  bool background = true;  ///< prepare the next batch on another thread
};

/// @ingroup ch07
/// @brief One batch: normalised images and their labels.
struct Batch {
  Tensor<float, 4> images;              ///< (N, 3, 32, 32)
  xt::xtensor<std::int64_t, 1> labels;  ///< (N), classes 0-9
};

/// @ingroup ch07
/// @brief Batches of a CIFAR-10 split, like torch.utils.data.DataLoader with the usual
///        torchvision transforms.
///
/// The order and the augmentation of epoch e depend only on (seed, e), never on what ran
/// before, so a run resumed at epoch e sees exactly the batches an uninterrupted one would.
/// The loader keeps a reference to the data, which must outlive it.
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

  /// @brief Batches per epoch: \f$ \lceil \text{images} / \text{batch size} \rceil \f$, or
  ///        \f$ \lfloor \text{images} / \text{batch size} \rfloor \f$ with drop_last.
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
  Batch make_batch(std::size_t index) const;  // pure: safe to run on another thread
  void wait_for_pending();

  const Cifar10Data& data_;
  LoaderSettings settings_;
  std::size_t epoch_ = 0;
  std::vector<std::size_t> order_;  // image indices in this epoch's order
  std::size_t position_ = 0;        // the next batch to hand out
  std::future<Batch> pending_;      // batch position_, being prepared
};

/// @ingroup ch07
/// @brief Pixels (N, 3, 32, 32) in 0-255 to normalised floats:
///        \f$ y_{nchw} = (x_{nchw} / 255 - \mu_c) / \sigma_c \f$ (\f$ \mu_c = \sigma_c = 0.5 \f$
///        for Normalization::half).
/// @param pixels (N, 3, 32, 32) bytes
/// @param normalization which \f$ \mu \f$ and \f$ \sigma \f$
/// @return (N, 3, 32, 32) floats
/// @see https://pytorch.org/vision/stable/generated/torchvision.transforms.Normalize.html
xt::xtensor<float, 4> normalize_images(const xt::xtensor<std::uint8_t, 4>& pixels, Normalization normalization);

/// @ingroup ch07
/// @brief One image (3, 32, 32) of pixels, shifted by (dy, dx) within 4 pixels of zero
///        padding (the 32x32 window at offset (4 + dy, 4 + dx) of the padded 40x40 image)
///        and, if `flip`, mirrored left to right. dy, dx in [-4, 4].
/// @param image (3, 32, 32) pixels
/// @param dy vertical shift, -4 to 4
/// @param dx horizontal shift, -4 to 4
/// @param flip whether to mirror the result left to right
/// @return (3, 32, 32) pixels; the parts shifted in from outside are 0 (black)
/// @see https://pytorch.org/vision/stable/generated/torchvision.transforms.RandomCrop.html
/// @see https://pytorch.org/vision/stable/generated/torchvision.transforms.RandomHorizontalFlip.html
xt::xtensor<std::uint8_t, 3> crop_and_flip(const xt::xtensor<std::uint8_t, 3>& image, int dy, int dx, bool flip);

}  // namespace resnet
