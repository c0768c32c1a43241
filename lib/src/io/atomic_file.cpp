#include "resnet/io/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "resnet/error.hpp"

namespace resnet {

void write_file_atomically(const std::string& path, const std::string& bytes) {
  // The temporary file sits next to the target: rename() is only atomic within one file system.
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw DataError("cannot write " + path + ": cannot create " + temporary + " (" +
                      std::strerror(errno) + ")");
    }
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::remove(temporary.c_str());
      throw DataError("cannot write " + path + ": writing " + std::to_string(bytes.size()) +
                      " bytes failed (disk full?)");
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temporary.c_str());
    throw DataError("cannot write " + path + ": rename from " + temporary + " failed (" +
                    reason + ")");
  }
}

}  // namespace resnet
