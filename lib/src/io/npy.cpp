#include "resnet/io/npy.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include <xtensor/xnpy.hpp>

#include "resnet/error.hpp"
#include "resnet/io/atomic_file.hpp"
#include "resnet/shape.hpp"

namespace resnet {

namespace {

// NumPy's name for each element type we read and write (little-endian).
template <class T>
std::string npy_type_name() {
  if constexpr (std::is_same_v<T, float>) return "<f4";
  if constexpr (std::is_same_v<T, double>) return "<f8";
  if constexpr (std::is_same_v<T, std::uint8_t>) return "|u1";
  if constexpr (std::is_same_v<T, std::int64_t>) return "<i8";
}

// The element type ('descr') written in a .npy header, e.g. "<f4". The header is
// "\x93NUMPY", two version bytes, the header length, then a Python dict literal.
std::string read_element_type(std::istream& in, const std::string& path) {
  char magic[6] = {};
  unsigned char version[2] = {};
  in.read(magic, 6);
  in.read(reinterpret_cast<char*>(version), 2);
  if (!in || std::string(magic, 6) != "\x93NUMPY") {
    throw DataError(path + ": not a .npy file (missing the \\x93NUMPY magic bytes)");
  }
  std::size_t header_length = 0;
  const int length_bytes = version[0] == 1 ? 2 : 4;  // little-endian, 2 bytes in v1, 4 in v2+
  for (int i = 0; i < length_bytes; ++i) {
    header_length |= static_cast<std::size_t>(static_cast<unsigned char>(in.get())) << (8 * i);
  }
  std::string header(header_length, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_length));
  const std::size_t key = header.find("'descr'");
  const std::size_t open_quote = header.find('\'', header.find(':', key));
  const std::size_t close_quote = header.find('\'', open_quote + 1);
  if (!in || key == std::string::npos || open_quote == std::string::npos || close_quote == std::string::npos) {
    throw DataError(path + ": the .npy header is truncated or has no 'descr' entry");
  }
  return header.substr(open_quote + 1, close_quote - open_quote - 1);
}

// Reads the array stored as FileT and converts it to a rank-N xtensor of T.
template <class FileT, class T, std::size_t N>
xt::xtensor<T, N> read_as(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  auto loaded = [&] {
    try {
      return xt::load_npy<FileT>(in);
    } catch (const std::exception& error) {
      // xnpy throws runtime_error on a malformed header; a corrupt shape can also make
      // the allocation fail (bad_alloc, length_error).
      throw DataError(path + ": invalid .npy file (" + error.what() + ")");
    }
  }();
  if (!in) {
    throw DataError(path + ": truncated: the header promises shape " + format_shape(loaded.shape()) +
                    " but the file ends early");
  }
  if (loaded.dimension() != N) {
    throw DataError(path + ": holds an array of shape " + format_shape(loaded.shape()) + " (rank " +
                    std::to_string(loaded.dimension()) + "), expected rank " + std::to_string(N));
  }
  std::array<std::size_t, N> shape{};
  std::copy(loaded.shape().begin(), loaded.shape().end(), shape.begin());
  xt::xtensor<T, N> result(shape);
  std::transform(loaded.begin(), loaded.end(), result.begin(), [](FileT value) { return static_cast<T>(value); });
  return result;
}

}  // namespace

template <class T, std::size_t N>
xt::xtensor<T, N> load_npy(const std::string& path) {
  std::ifstream probe(path, std::ios::binary);
  if (!probe) throw DataError("cannot open " + path + " (missing file or no permission)");
  const std::string file_type = read_element_type(probe, path);
  probe.close();

  if (file_type == npy_type_name<T>()) return read_as<T, T, N>(path);
  // Floating-point files convert to the other floating-point type (goldens are written
  // once and read by both the float and the double tests).
  if constexpr (std::is_floating_point_v<T>) {
    if (file_type == "<f4") return read_as<float, T, N>(path);
    if (file_type == "<f8") return read_as<double, T, N>(path);
  }
  throw DataError(path + ": holds elements of type " + file_type + ", expected " + npy_type_name<T>());
}

template <class T, std::size_t N>
void save_npy(const std::string& path, const xt::xtensor<T, N>& array) {
  write_file_atomically(path, xt::dump_npy(array));
}

template xt::xtensor<float, 1> load_npy(const std::string&);
template xt::xtensor<float, 2> load_npy(const std::string&);
template xt::xtensor<float, 3> load_npy(const std::string&);
template xt::xtensor<float, 4> load_npy(const std::string&);
template xt::xtensor<double, 1> load_npy(const std::string&);
template xt::xtensor<double, 2> load_npy(const std::string&);
template xt::xtensor<double, 3> load_npy(const std::string&);
template xt::xtensor<double, 4> load_npy(const std::string&);
template xt::xtensor<std::uint8_t, 1> load_npy(const std::string&);
template xt::xtensor<std::uint8_t, 4> load_npy(const std::string&);
template xt::xtensor<std::int64_t, 1> load_npy(const std::string&);
template xt::xtensor<std::int64_t, 2> load_npy(const std::string&);

template void save_npy(const std::string&, const xt::xtensor<float, 1>&);
template void save_npy(const std::string&, const xt::xtensor<float, 2>&);
template void save_npy(const std::string&, const xt::xtensor<float, 3>&);
template void save_npy(const std::string&, const xt::xtensor<float, 4>&);
template void save_npy(const std::string&, const xt::xtensor<double, 1>&);
template void save_npy(const std::string&, const xt::xtensor<double, 2>&);
template void save_npy(const std::string&, const xt::xtensor<double, 3>&);
template void save_npy(const std::string&, const xt::xtensor<double, 4>&);
template void save_npy(const std::string&, const xt::xtensor<std::uint8_t, 1>&);
template void save_npy(const std::string&, const xt::xtensor<std::uint8_t, 4>&);
template void save_npy(const std::string&, const xt::xtensor<std::int64_t, 1>&);
template void save_npy(const std::string&, const xt::xtensor<std::int64_t, 2>&);

}  // namespace resnet
