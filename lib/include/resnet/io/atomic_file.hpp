/// @file
/// @brief Writing a file so that it is either complete or absent, never half-written.
#pragma once

#include <string>

namespace resnet {

/// @ingroup core
/// @brief Writes `bytes` to `path` atomically: first to a temporary file in the same
///        folder, flushed to disk (fsync) and closed, then renamed over `path` (rename is
///        atomic on POSIX), and the folder flushed too.
///
/// A run killed at any moment, or a power loss, therefore leaves either the complete old
/// file or the complete new one, which is what keeps a checkpoint safe mid-save. What a
/// killed writer leaves, its temporary file (`path` + ".tmp-" + its process id), is removed
/// by the next write of `path`, once that process no longer runs and no process holds the
/// lock each writer takes on its temporary file (which covers writers in other PID
/// namespaces, whose ids this process cannot see).
/// @param path the file to write (replaced if it exists)
/// @param bytes its complete contents
/// @throws DataError naming the file when any step fails (a full disk, a file size limit):
///         the temporary file is removed, and the message says that the previous file, if
///         there was one, is intact
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace resnet
