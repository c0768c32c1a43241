/// @file
/// @brief From a CIFAR-10 split to training batches: the epoch's order, normalisation,
///        augmentation and the batch itself (chapter 7, tasks 7.4-7.7).
///
/// These are the student's functions; resnet::DataLoader (resnet/data/loader.hpp) is the
/// machinery around them: it seeds their random numbers from (seed, epoch, batch), prepares
/// the next batch on a background thread and resumes mid-epoch.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "resnet/data/cifar10.hpp"
#include "resnet/random.hpp"
#include "resnet/tensor.hpp"

namespace resnet {

/// @ingroup ch07
/// @brief How pixels (0-255) become the network's input.
enum class Normalization {
  mean_half_std_half,  ///< the tutorial's: mean 0.5 and std 0.5 in every channel, values in [-1, 1]
  cifar10              ///< CIFAR-10's training-set mean and std of each channel
};

/// @ingroup ch07
/// @brief The name `--normalization` takes: "half" (the tutorial's 0.5 / 0.5) or "cifar10".
std::string to_string(Normalization normalization);
/// @ingroup ch07
/// @brief The normalization named by to_string(); throws std::invalid_argument otherwise.
Normalization normalization_from_string(const std::string& name);

/// @ingroup ch07
/// @brief The mean and the standard deviation of each channel (R, G, B), on the 0-1 scale of
///        torchvision's ToTensor.
struct ChannelStatistics {
  std::array<float, 3> mean;    ///< one per channel
  std::array<float, 3> stddev;  ///< one per channel
};

/// @ingroup ch07
/// @brief The statistics `normalization` uses: 0.5 and 0.5 for the tutorial's, or
///        CIFAR-10's training-set statistics (mean 0.4914, 0.4822, 0.4465; std 0.2470,
///        0.2435, 0.2616).
ChannelStatistics channel_statistics(Normalization normalization);

/// @ingroup ch07
/// @brief How a DataLoader makes its batches.
struct LoaderSettings {
  std::size_t batch_size = 128;                                     ///< images per batch
  bool shuffle = true;                                              ///< a new random order every epoch
  bool drop_last = false;                                           ///< drop the last, smaller batch of an epoch
  Normalization normalization = Normalization::mean_half_std_half;  ///< see Normalization
  bool augment = false;    ///< @brief random crop (4 pixels of zero padding) and horizontal flip, as
                           ///< torchvision's RandomCrop(32, padding=4) + RandomHorizontalFlip()
  std::uint64_t seed = 0;  ///< fixes the order and the augmentation of every epoch
  bool background = true;  ///< prepare the next batch on another thread
};

/// @ingroup ch07
/// @brief One batch: normalised images and their labels.
struct Batch {
  Tensor<float, 4> images;              ///< (B, 3, 32, 32)
  xt::xtensor<std::int64_t, 1> labels;  ///< (B), classes 0-9
};

/// @ingroup ch07
/// @brief Task 7.4: the order in which an epoch visits the images.
///
/// Without `shuffle`, 0, 1, ..., count - 1. With it, a uniformly random permutation of
/// them, every one of the count! orders equally likely, drawn from `generator` only (the
/// same generator state gives the same order on every platform).
/// @param count the number of images
/// @param shuffle whether to shuffle
/// @param generator the epoch's random numbers (DataLoader seeds it from the seed and the epoch)
/// @return the image indices, (count)
std::vector<std::size_t> epoch_order(std::size_t count, bool shuffle, Generator& generator);

/// @ingroup ch07
/// @brief Task 7.5: pixels (N, 3, H, W) in 0-255 to the network's input, as torchvision's
///        ToTensor followed by Normalize(mean, std) with channel_statistics(normalization).
/// @param pixels (N, 3, H, W) bytes
/// @param normalization which mean and std
/// @return (N, 3, H, W) floats
/// @throws ShapeError when the images do not have 3 channels
/// @see https://pytorch.org/vision/stable/generated/torchvision.transforms.Normalize.html
xt::xtensor<float, 4> normalize_images(const xt::xtensor<std::uint8_t, 4>& pixels, Normalization normalization);

/// @ingroup ch07
/// @brief One random crop-and-flip: the shift of the 32x32 window and whether to mirror.
struct CropAndFlip {
  int dy = 0;         ///< vertical shift, -4 to 4
  int dx = 0;         ///< horizontal shift, -4 to 4
  bool flip = false;  ///< mirror left to right
};

/// @ingroup ch07
/// @brief Task 7.6: one image (3, 32, 32) shifted by (dy, dx) inside 4 pixels of zero
///        padding, then, if `flip`, mirrored left to right.
///
/// The result is the 32x32 window at offset (4 + dy, 4 + dx) of the image padded to 40x40
/// with zeros: pixel (y, x) of the window is pixel (y + dy, x + dx) of the image, or 0
/// (black) where that lies outside it.
/// @param image (3, 32, 32) pixels
/// @param crop the shift (each -4 to 4) and the flip
/// @return (3, 32, 32) pixels
/// @see https://pytorch.org/vision/stable/generated/torchvision.transforms.RandomCrop.html
/// @see https://pytorch.org/vision/stable/generated/torchvision.transforms.RandomHorizontalFlip.html
xt::xtensor<std::uint8_t, 3> crop_and_flip(const xt::xtensor<std::uint8_t, 3>& image, const CropAndFlip& crop);

/// @ingroup ch07
/// @brief Task 7.6: a random crop-and-flip as RandomCrop(32, padding=4) and
///        RandomHorizontalFlip() draw them: each of the 9 shifts per axis equally likely,
///        the flip with probability 1/2, from `generator` only.
/// @param generator the batch's random numbers
CropAndFlip random_crop_and_flip(Generator& generator);

/// @ingroup ch07
/// @brief Task 7.7: the number of batches in an epoch of `images` images.
/// @param images images in the split
/// @param batch_size images per batch
/// @param drop_last whether the last, smaller batch is dropped
std::size_t batches_per_epoch(std::size_t images, std::size_t batch_size, bool drop_last);

/// @ingroup ch07
/// @brief Task 7.7: batch `index` of an epoch: the images `order` puts in that batch, each
///        with its own label, augmented when `settings.augment` says so (with `generator`),
///        and normalised.
/// @param data images (N, 3, 32, 32) and labels (N)
/// @param order the epoch's order (task 7.4), (N)
/// @param index the batch, from 0
/// @param settings the batch size, the normalisation and whether to augment
/// @param generator the batch's random numbers for the augmentation
/// @return images (B, 3, 32, 32) and labels (B); B = batch_size, or what is left for the
///         last batch of the epoch
Batch make_batch(const Cifar10Data& data, const std::vector<std::size_t>& order, std::size_t index,
                 const LoaderSettings& settings, Generator& generator);

}  // namespace resnet
