/// @file
/// @brief The CIFAR-10 data set in its official binary layout (`cifar-10-batches-bin`).
///
/// A batch file is a sequence of 3073-byte records: 1 label byte (0-9), then 3072 pixel
/// bytes, the 1024 red values of the 32x32 image row by row, then the 1024 green, then the
/// 1024 blue. That is planar (C, H, W) order already, so a record copies straight into
/// one (3, 32, 32) slice of an NCHW batch.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup core
/// @brief Sizes of the CIFAR-10 binary format.
struct Cifar10Format {
  static constexpr std::size_t channels = 3;                             ///< RGB
  static constexpr std::size_t height = 32;                              ///< rows
  static constexpr std::size_t width = 32;                               ///< columns
  static constexpr std::size_t pixel_bytes = channels * height * width;  ///< 3072
  static constexpr std::size_t record_bytes = 1 + pixel_bytes;           ///< 3073
  static constexpr std::size_t classes = 10;                             ///< labels 0-9
};

/// @ingroup core
/// @brief The ten class names in label order: airplane, automobile, bird, cat, deer, dog,
///        frog, horse, ship, truck.
const std::array<std::string, 10>& cifar10_class_names();

/// @ingroup core
/// @brief Images with their labels, as stored on disk (bytes, not yet normalised).
struct Cifar10Data {
  xt::xtensor<std::uint8_t, 4> images;  ///< (N, 3, 32, 32), pixel values 0-255
  xt::xtensor<std::uint8_t, 1> labels;  ///< (N), class indices 0-9
};

/// @ingroup core
/// @brief Which part of the data set.
enum class Split {
  train,  ///< data_batch_1.bin ... data_batch_5.bin (50,000 images in the full set)
  test    ///< test_batch.bin (10,000 images in the full set)
};

/// @ingroup core
/// @brief Reads one batch file and checks all of it.
/// @param path the file, e.g. `data_batch_1.bin`
/// @return images (N, 3, 32, 32) and labels (N), N = the file's size / 3073
/// @throws DataError naming the file when it is missing or unreadable, empty, not a whole
///         number of 3073-byte records (truncated download?), or holds a label above 9
Cifar10Data read_cifar10_file(const std::string& path);

/// @ingroup core
/// @brief Reads a split from a `cifar-10-batches-bin` folder.
///
/// The test split is `test_batch.bin`. The training split is `data_batch_1.bin`,
/// `data_batch_2.bin`, ... for as many consecutive files as exist (five in the official
/// set, one in the committed sample); a gap in the numbering is an error.
/// @param directory the `cifar-10-batches-bin` folder
/// @param split Split::train or Split::test
/// @return images (N, 3, 32, 32) and labels (N)
/// @throws DataError naming the missing or invalid file
/// @see https://pytorch.org/vision/stable/generated/torchvision.datasets.CIFAR10.html
Cifar10Data load_cifar10(const std::string& directory, Split split);

/// @ingroup core
/// @brief Where the data was found by find_cifar10().
struct Cifar10Location {
  std::string directory;  ///< the `cifar-10-batches-bin` folder
  bool is_sample;         ///< @brief true when no data was requested and no full set was found,
                          ///< so the small sample committed with the repository is used
};

/// @ingroup core
/// @brief Finds the data to use.
///
/// With `requested` set (a `--data` option), that folder or its `cifar-10-batches-bin`
/// subfolder must hold the data. Otherwise the full set in
/// `data/cifar-10-batches-bin` of the repository is used when complete (put there by
/// tools/download_cifar10.sh), and else the committed 1,000 + 200 image sample in
/// `data/cifar10-sample/cifar-10-batches-bin`.
/// @param requested the folder asked for, or "" to search the repository's `data/` folder
/// @return the folder to read, and whether it is the sample
/// @throws DataError when `requested` does not hold CIFAR-10 data, or nothing is found
Cifar10Location find_cifar10(const std::string& requested = "");

}  // namespace resnet
