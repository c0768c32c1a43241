/// @file
/// @brief Writing a file so that it is either complete or absent, never half-written.
#pragma once

#include <string>

namespace resnet {

/// @ingroup core
/// @brief Writes `bytes` to `path` atomically: first to a temporary file in the same
///        folder, flushed and closed, then renamed over `path` (rename is atomic on POSIX).
///
/// An interrupted run therefore leaves either the old file or the new one, which is what
/// keeps a checkpoint safe when training is killed mid-save.
/// @throws DataError naming the file when any step fails (the temporary file is removed)
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace resnet
