#include "resnet/io/npy.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <type_traits>
#include <vector>

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

// ---- reading: the header is checked against the file before anything is allocated ----
//
// A .npy file is, one after the other:
//   "\x93NUMPY" and two version bytes (major, minor);
//   the header's length: 2 bytes, little-endian, in version 1; 4 bytes in versions 2 and 3;
//   the header: a Python dict literal, padded with spaces and ended by a newline,
//       {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//   the values, raw, in row-major order (or column-major when fortran_order is True).
// xtensor's reader (xt::load_npy) trusts the header: it allocates whatever the shape asks
// for, and a shape whose product overflows becomes a tiny buffer under a huge shape. So we
// parse the header here and read the values only once the file is known to hold them.

// What a .npy header says about the values that follow it.
struct NpyHeader {
  std::string descr;           // the element type, e.g. "<f4"
  bool fortran_order = false;  // values stored in column-major order
  std::vector<std::size_t> shape;
  std::size_t data_offset = 0;  // where the values begin in the file
};

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("cannot open " + path + " (missing file or no permission)");
  std::ostringstream bytes;
  bytes << in.rdbuf();  // a folder or an empty file gives no bytes, and fails as "not a .npy file"
  if (in.bad()) throw DataError("cannot read " + path);
  return bytes.str();
}

// A cursor over the header's dict literal: a parser for the forms NumPy writes.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& path) : text_(text), path_(path) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw DataError(path_ + ": invalid .npy header (" + problem + "): " + excerpt());
  }

  // Consumes `c` (after any spaces) when it comes next.
  bool take(char c) {
    skip_spaces();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }

  void expect(char c) {
    if (!take(c)) fail(std::string("expected '") + c + "'");
  }

  // A string in single or double quotes (no escapes: NumPy's keys and types have none).
  std::string quoted() {
    skip_spaces();
    if (at_ >= text_.size() || (text_[at_] != '\'' && text_[at_] != '"')) fail("expected a quoted string");
    const char quote = text_[at_];
    const std::size_t close = text_.find(quote, at_ + 1);
    if (close == std::string::npos) fail("a string has no closing quote");
    std::string value = text_.substr(at_ + 1, close - at_ - 1);
    at_ = close + 1;
    return value;
  }

  bool boolean() {
    skip_spaces();
    if (text_.compare(at_, 4, "True") == 0) {
      at_ += 4;
      return true;
    }
    if (text_.compare(at_, 5, "False") == 0) {
      at_ += 5;
      return false;
    }
    fail("fortran_order is not True or False");
  }

  // A tuple of sizes: (), (5,) or (2, 3).
  std::vector<std::size_t> sizes() {
    expect('(');
    std::vector<std::size_t> values;
    while (!take(')')) {
      values.push_back(size());
      if (!take(',')) {
        expect(')');
        break;
      }
    }
    return values;
  }

  // Only padding may follow the dict.
  void expect_end() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\t' || text_[at_] == '\r'))
      ++at_;
    if (at_ != text_.size()) fail("something follows the dict");
  }

 private:
  void skip_spaces() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n')) ++at_;
  }

  // One size: decimal digits, at most std::size_t's largest value.
  std::size_t size() {
    skip_spaces();
    const std::size_t begin = at_;
    std::size_t value = 0;
    for (; at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9'; ++at_) {
      const auto digit = static_cast<std::size_t>(text_[at_] - '0');
      if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) fail("a size is too large");
      value = value * 10 + digit;
    }
    if (at_ == begin) fail("a size is not a non-negative integer");
    return value;
  }

  // The header's start for an error message, with any byte that is not printable ASCII as '?'.
  std::string excerpt() const {
    std::string shown = text_.substr(0, 80);
    for (char& c : shown) c = (c >= ' ' && c <= '~') ? c : '?';
    return text_.size() <= 80 ? shown : shown + "...";
  }

  const std::string& text_;
  const std::string& path_;
  std::size_t at_ = 0;
};

// Reads the dict {'descr': ..., 'fortran_order': ..., 'shape': ...}: each of the three
// keys once, in any order, and no other key (as numpy.load requires).
void parse_dict(HeaderParser& parser, NpyHeader& header) {
  std::set<std::string> seen;
  parser.expect('{');
  while (!parser.take('}')) {
    const std::string key = parser.quoted();
    if (!seen.insert(key).second) parser.fail("the key '" + key + "' appears twice");
    parser.expect(':');
    if (key == "descr") {
      header.descr = parser.quoted();
    } else if (key == "fortran_order") {
      header.fortran_order = parser.boolean();
    } else if (key == "shape") {
      header.shape = parser.sizes();
    } else {
      parser.fail("unknown key '" + key + "'");
    }
    if (!parser.take(',')) {
      parser.expect('}');
      break;
    }
  }
  if (seen.size() != 3) parser.fail("it needs the keys 'descr', 'fortran_order' and 'shape'");
  parser.expect_end();
}

NpyHeader parse_header(const std::string& bytes, const std::string& path) {
  if (bytes.size() < 8 || bytes.compare(0, 6, "\x93NUMPY") != 0) {
    throw DataError(path + ": not a .npy file (missing the \\x93NUMPY magic bytes)");
  }
  const int major = static_cast<unsigned char>(bytes[6]), minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3) {
    throw DataError(path + ": .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                    " is not one this reader knows (1.0 to 3.0)");
  }
  const std::size_t length_bytes = major == 1 ? 2 : 4;  // little-endian, 2 bytes in v1, 4 in v2 and v3
  const std::size_t text_begin = 8 + length_bytes;
  if (bytes.size() < text_begin) throw DataError(path + ": the .npy header is truncated");
  std::size_t text_length = 0;
  for (std::size_t i = 0; i < length_bytes; ++i) {
    text_length |= std::size_t{static_cast<unsigned char>(bytes[8 + i])} << (8 * i);
  }
  if (text_length > bytes.size() - text_begin) {
    throw DataError(path + ": the .npy header is truncated: its length says " + std::to_string(text_length) +
                    " bytes, but only " + std::to_string(bytes.size() - text_begin) + " follow");
  }
  NpyHeader header;
  const std::string text = bytes.substr(text_begin, text_length);
  HeaderParser parser(text, path);
  parse_dict(parser, header);
  header.data_offset = text_begin + text_length;
  return header;
}

// The bytes the values of `shape` take, or nothing when that is more than 2^64.
std::optional<std::size_t> byte_count(const std::vector<std::size_t>& shape, std::size_t element_size) {
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  std::size_t bytes = element_size;
  for (std::size_t extent : shape) {
    if (bytes > std::numeric_limits<std::size_t>::max() / extent) return std::nullopt;
    bytes *= extent;
  }
  return bytes;
}

// The values of a file whose header has been checked, as stored (FileT) then converted to T.
// They are copied as raw bytes: '<' (little-endian) files on a little-endian host.
template <class FileT, class T, std::size_t N, xt::layout_type L>
xt::xtensor<T, N> values_as(const std::string& bytes, const NpyHeader& header) {
  std::array<std::size_t, N> shape{};
  std::copy(header.shape.begin(), header.shape.end(), shape.begin());
  auto result = xt::xtensor<T, N>::from_shape(shape);
  if (result.size() == 0) return result;
  auto stored = xt::xtensor<FileT, N, L>::from_shape(shape);
  std::memcpy(stored.data(), bytes.data() + header.data_offset, stored.size() * sizeof(FileT));
  // Iterating visits the elements in row-major order whatever the layout they are stored in.
  std::transform(stored.begin(), stored.end(), result.begin(), [](FileT value) { return static_cast<T>(value); });
  return result;
}

// The checks between the header and the values: rank, then enough bytes for the shape.
template <class FileT, class T, std::size_t N>
xt::xtensor<T, N> read_values(const std::string& bytes, const NpyHeader& header, const std::string& path) {
  if (header.shape.size() != N) {
    throw DataError(path + ": holds an array of shape " + format_shape(header.shape) + " (rank " +
                    std::to_string(header.shape.size()) + "), expected rank " + std::to_string(N));
  }
  const std::optional<std::size_t> needed = byte_count(header.shape, sizeof(FileT));
  const std::size_t available = bytes.size() - header.data_offset;
  if (!needed || *needed > available) {
    throw DataError(path + ": truncated: the header promises shape " + format_shape(header.shape) + " (" +
                    (needed ? std::to_string(*needed) : std::string("more than 2^64")) +
                    " bytes of values) but the file ends early, after " + std::to_string(available));
  }
  if (header.fortran_order) return values_as<FileT, T, N, xt::layout_type::column_major>(bytes, header);
  return values_as<FileT, T, N, xt::layout_type::row_major>(bytes, header);
}

}  // namespace

template <class T, std::size_t N>
xt::xtensor<T, N> load_npy(const std::string& path) {
  const std::string bytes = read_whole_file(path);
  const NpyHeader header = parse_header(bytes, path);
  if (header.descr == npy_type_name<T>()) return read_values<T, T, N>(bytes, header, path);
  // Floating-point files convert to the other floating-point type (goldens are written
  // once and read by both the float and the double tests).
  if constexpr (std::is_floating_point_v<T>) {
    if (header.descr == "<f4") return read_values<float, T, N>(bytes, header, path);
    if (header.descr == "<f8") return read_values<double, T, N>(bytes, header, path);
  }
  throw DataError(path + ": holds elements of type " + header.descr + ", expected " + npy_type_name<T>());
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
template xt::xtensor<std::uint8_t, 3> load_npy(const std::string&);
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
