/// @file
/// @brief The exceptions the framework throws, so callers can tell bad shapes from bad
///        files from a missing GPU.
#pragma once

#include <stdexcept>
#include <string>

namespace resnet {

/// @ingroup core
/// @brief An argument has the wrong shape, rank or value for the operation
///        (mismatched channels, a zero stride, an axis out of range...).
///
/// The message names the operation and the shapes involved, for example
/// `matmul_naive: a has shape (2, 3) and b has shape (4, 2); a's columns must equal b's rows`.
class ShapeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// @ingroup core
/// @brief A file is missing, truncated, or does not hold what it should
///        (a CIFAR-10 batch, an `.npy` array, a checkpoint). The message names the file.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// @ingroup core
/// @brief A tensor is on the wrong device for the operation, or CUDA is not available.
class DeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace resnet
