// Fuzz target: NumPy .npy files (resnet::load_npy, for every element type and rank the
// project reads).
#include <cstdint>

#include <xtensor/xnpy.hpp>

#include "resnet/error.hpp"
#include "resnet/io/npy.hpp"
#include "targets.hpp"

namespace resnet::fuzz {

namespace {

// The same file with a version 2.0 header: a 4-byte header length instead of 2 bytes.
std::string as_version_2(const std::string& version_1) {
  std::string bytes = version_1;
  bytes[6] = 2;
  bytes.insert(10, 2, '\0');
  return bytes;
}

// Valid files: our writer's (every element type, ranks 1 to 4, C and Fortran order, both
// header versions) and one written by NumPy itself.
std::vector<std::string> seeds(const FuzzFolders& folders) {
  const xt::xtensor<float, 4> floats = {{{{1, 2, 3}, {4, 5, 6}}, {{-1, 0.5, 1e-3f}, {7, 8, 9}}}};
  const xt::xtensor<double, 2> doubles = {{0.25, -3}, {1e300, 4}};
  const xt::xtensor<std::uint8_t, 1> bytes = {0, 7, 255};
  const xt::xtensor<std::int64_t, 2> integers = {{1, -2, 3}, {4, 5, 6}};
  const xt::xtensor<float, 2, xt::layout_type::column_major> fortran = {{1, 2, 3}, {4, 5, 6}};
  return {xt::dump_npy(floats),
          xt::dump_npy(doubles),
          xt::dump_npy(bytes),
          xt::dump_npy(integers),
          xt::dump_npy(fortran),
          as_version_2(xt::dump_npy(doubles)),
          read_file(folders.source / "tests/golden/ch01/fortran_order.npy")};
}

// Documented: a DataError naming the file. A file that reads has the requested rank and
// one value per element of its shape.
template <class T, std::size_t N>
bool read_as(const std::string& path) {
  try {
    const xt::xtensor<T, N> array = load_npy<T, N>(path);
    require_one_value_per_element(array.shape(), array.size(), "the array");
    return true;
  } catch (const DataError& error) {
    require_names_file(error, path);
    return false;
  }
}

// Every type the project reads, at the ranks it reads them: most inputs then reach the
// values of one of the readers, and the others stop at the type or rank check.
bool read(const std::filesystem::path& path, const std::string& bytes) {
  write_file(path, bytes);
  const std::string name = path.string();
  // Every reader runs (no short-circuit): `|` not `||`.
  return read_as<float, 1>(name) | read_as<float, 2>(name) | read_as<float, 3>(name) | read_as<float, 4>(name) |
         read_as<double, 2>(name) | read_as<std::uint8_t, 1>(name) | read_as<std::uint8_t, 4>(name) |
         read_as<std::int64_t, 1>(name) | read_as<std::int64_t, 2>(name);
}

}  // namespace

FuzzTarget npy_target(const FuzzFolders& folders) {
  FuzzTarget target;
  target.name = "npy";
  target.seeds = seeds(folders);
  const std::filesystem::path path = folders.scratch / "fuzz.npy";
  target.read = [path](const std::string& bytes) { return read(path, bytes); };
  // The header's length: 2 bytes at offset 8 in version 1, 4 bytes in versions 2 and 3.
  target.hints.length_fields = {8};
  target.hints.text_header = [](const std::string& bytes) -> std::optional<TextHeader> {
    if (bytes.size() < 8 || bytes.compare(0, 6, "\x93NUMPY") != 0) return std::nullopt;
    return TextHeader{8, bytes[6] == 1 ? std::size_t{2} : std::size_t{4}};
  };
  // At most 64 KiB: each input is written to a file and read nine times.
  target.max_bytes = 64 << 10;
  return target;
}

}  // namespace resnet::fuzz
