#include "resnet/io/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include "resnet/error.hpp"

namespace resnet {

namespace {

std::string system_error_text() { return std::strerror(errno); }

// What a failed write leaves behind: the file as it was.
std::string what_is_left(const std::string& path) {
  return std::filesystem::exists(path) ? "; the previous " + path + " is intact" : "; nothing was written";
}

// Writes all of `bytes` to an open file descriptor, retrying short writes.
bool write_all(int descriptor, const std::string& bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t result = ::write(descriptor, bytes.data() + written, bytes.size() - written);
    if (result < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    written += static_cast<std::size_t>(result);
  }
  return true;
}

// Flushes a folder's entries to disk, so that a rename inside it survives a power loss.
void sync_directory(const std::filesystem::path& folder) {
  const int descriptor = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (descriptor >= 0) {
    ::fsync(descriptor);
    ::close(descriptor);
  }
}

// True for the name of a temporary file of `file_name` ("last.safetensors.tmp-4711") whose
// writer, process 4711, no longer runs: it was killed mid-write and left the file behind.
bool is_temporary_of_a_dead_process(const std::string& name, const std::string& file_name) {
  const std::string prefix = file_name + ".tmp-";
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return false;
  const std::string digits = name.substr(prefix.size());
  if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  const long process = std::stol(digits);
  // kill with signal 0 only asks whether the process exists; ESRCH: it does not (EPERM: it
  // runs, under another user).
  return process > 0 && ::kill(static_cast<pid_t>(process), 0) != 0 && errno == ESRCH;
}

// True when no process holds the lock every writer takes on its temporary file. The process
// id alone can mislead: a writer in another PID namespace (a container sharing the folder)
// has an id this process cannot see.
bool no_writer_holds(const std::filesystem::path& temporary) {
  const int descriptor = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) return false;
  const bool free = ::flock(descriptor, LOCK_EX | LOCK_NB) == 0;
  ::close(descriptor);  // releases the lock, if it was taken
  return free;
}

// Removes what killed writers of `path` left: a SIGKILL during a save leaves its temporary
// file (a checkpoint's is 255 MB), and runs resumed after such kills would pile them up.
void remove_leftovers_of_killed_writers(const std::filesystem::path& path) {
  const std::filesystem::path folder = path.parent_path().empty() ? "." : path.parent_path();
  // Best effort: an unreadable folder fails the write itself just after.
  std::error_code error;
  for (std::filesystem::directory_iterator entry(folder, error), end; !error && entry != end; entry.increment(error)) {
    if (is_temporary_of_a_dead_process(entry->path().filename().string(), path.filename().string()) &&
        no_writer_holds(entry->path())) {
      std::error_code ignored;
      std::filesystem::remove(entry->path(), ignored);
    }
  }
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& bytes) {
  remove_leftovers_of_killed_writers(path);
  // The temporary file sits next to the target: rename() is atomic only within one file system.
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (descriptor < 0) {
    const std::string reason = system_error_text();
    throw DataError("cannot write " + path + ": cannot create " + temporary + " (" + reason + ")" + what_is_left(path));
  }
  // Held until the descriptor is closed: tells remove_leftovers_of_killed_writers, in this
  // process or another, that this file is being written.
  ::flock(descriptor, LOCK_EX | LOCK_NB);
  // fsync before the rename: otherwise a power loss can leave the new name pointing at a
  // file whose contents never reached the disk.
  const bool ok = write_all(descriptor, bytes) && ::fsync(descriptor) == 0;
  const std::string reason = ok ? "" : system_error_text();
  if (::close(descriptor) != 0 || !ok) {
    std::remove(temporary.c_str());
    throw DataError("cannot write " + path + ": writing " + std::to_string(bytes.size()) + " bytes failed (" +
                    (ok ? system_error_text() : reason) + ": is the disk full?)" + what_is_left(path));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string rename_reason = system_error_text();
    std::remove(temporary.c_str());
    throw DataError("cannot write " + path + ": rename from " + temporary + " failed (" + rename_reason + ")" +
                    what_is_left(path));
  }
  sync_directory(std::filesystem::path(path).parent_path());
}

}  // namespace resnet
