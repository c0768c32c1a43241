#include "resnet/io/safetensors.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "resnet/error.hpp"
#include "resnet/io/atomic_file.hpp"
#include "resnet/io/crc32.hpp"
#include "resnet/shape.hpp"

namespace resnet {

namespace {

using nlohmann::json;

// The official reader refuses larger headers; a corrupt length is usually far larger.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
// A real header nests three deep (the tensors, each tensor's fields, its shape). A hostile
// one nested thousands deep overflowed the stack when an error message printed it with
// json::dump, which recurses (found by tests/fuzz/fuzz_readers).
constexpr int kMaxHeaderDepth = 64;
constexpr const char* kMetadataKey = "__metadata__";
// Metadata key "crc32:<name>" holds the CRC-32 of tensor <name>'s bytes, 8 hex digits.
constexpr const char* kChecksumPrefix = "crc32:";

bool is_checksum_key(const std::string& key) { return key.rfind(kChecksumPrefix, 0) == 0; }

std::size_t element_size(DType dtype) { return dtype == DType::float32 ? 4 : 8; }

std::size_t value_count(const std::vector<std::size_t>& shape) {
  std::size_t count = 1;
  for (std::size_t size : shape) count *= size;
  return count;
}

// ---- values <-> little-endian bytes (written byte by byte: right on any host) ----

void append_little_endian(std::string& out, std::uint64_t bits, std::size_t byte_count) {
  for (std::size_t i = 0; i < byte_count; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
}

std::uint64_t read_little_endian(const char* bytes, std::size_t byte_count) {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < byte_count; ++i) {
    bits |= std::uint64_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
  }
  return bits;
}

// The bits the file stores for one value. float32 rounds the double to nearest.
std::uint64_t value_bits(double value, DType dtype) {
  if (dtype == DType::int64) return static_cast<std::uint64_t>(static_cast<std::int64_t>(value));
  if (dtype == DType::float64) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
  }
  const float single = static_cast<float>(value);
  std::uint32_t bits = 0;
  std::memcpy(&bits, &single, sizeof bits);
  return bits;
}

double value_from_bits(std::uint64_t bits, DType dtype) {
  if (dtype == DType::int64) return static_cast<double>(static_cast<std::int64_t>(bits));
  if (dtype == DType::float64) {
    double value = 0;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }
  const auto low_bits = static_cast<std::uint32_t>(bits);
  float single = 0;
  std::memcpy(&single, &low_bits, sizeof single);
  return single;
}

// ---- writing ----

bool is_int64(double value) {
  // 2^63 is exactly representable; int64 holds [-2^63, 2^63). NaN fails the first test.
  return value == std::trunc(value) && value >= -9223372036854775808.0 && value < 9223372036854775808.0;
}

void check_entry(const std::string& name, const StateEntry& entry) {
  if (entry.values.size() != value_count(entry.shape)) {
    throw ShapeError("encode_safetensors: '" + name + "' has " + std::to_string(entry.values.size()) +
                     " values for shape " + format_shape(entry.shape));
  }
  if (entry.dtype != DType::int64) return;
  for (double value : entry.values) {
    if (!is_int64(value)) {
      throw ShapeError("encode_safetensors: int64 entry '" + name + "' holds " + std::to_string(value) +
                       ", which is not a whole number in the int64 range");
    }
  }
}

// The header: metadata first, then the tensors in the state dict's order, their data
// back to back; padded with spaces to a multiple of 8 bytes so the data is aligned.
// The metadata holds the caller's pairs and one "crc32:<name>" per tensor.
std::string header_text(const StateDict& tensors, const Metadata& metadata, const std::vector<std::uint32_t>& crcs) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  Metadata with_checksums = metadata;
  for (std::size_t i = 0; i < tensors.size(); ++i)
    with_checksums[kChecksumPrefix + tensors[i].first] = crc32_hex(crcs[i]);
  if (!with_checksums.empty()) header[kMetadataKey] = with_checksums;
  std::uint64_t offset = 0;
  for (const auto& [name, entry] : tensors) {
    if (name == kMetadataKey || header.contains(name)) {
      throw std::invalid_argument("encode_safetensors: the name '" + name +
                                  (name == kMetadataKey ? "' is reserved for the metadata" : "' appears twice"));
    }
    const std::uint64_t end = offset + entry.values.size() * element_size(entry.dtype);
    header[name] = {
        {"dtype", safetensors_dtype_name(entry.dtype)}, {"shape", entry.shape}, {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::type_error&) {
    throw std::invalid_argument("encode_safetensors: a tensor name or metadata string is not valid UTF-8");
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

// ---- reading: every check names the file ----

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw DataError(source + ": " + problem);
}

// The header's length N from the first 8 bytes, checked against the file's size.
std::uint64_t header_length(const std::string& bytes, const std::string& source) {
  if (bytes.size() < 8) {
    fail(source, "the file has " + std::to_string(bytes.size()) +
                     " bytes, fewer than the 8 that give a safetensors header's length "
                     "(an empty or truncated file?)");
  }
  const std::uint64_t length = read_little_endian(bytes.data(), 8);
  if (length > kMaxHeaderBytes) {
    fail(source, "the header length is " + std::to_string(length) + " bytes, more than the 100 MB " +
                     "a safetensors header may have: not a safetensors file, or a corrupt one");
  }
  if (length > bytes.size() - 8) {
    fail(source, "the header length is " + std::to_string(length) + " bytes but only " +
                     std::to_string(bytes.size() - 8) + " bytes follow: the file is truncated");
  }
  return length;
}

// Parses the JSON header, refusing duplicated keys (which JSON parsers silently merge).
json parse_header(const std::string& text, const std::string& source) {
  std::vector<std::set<std::string>> open_objects;  // the keys seen in each open object
  std::string duplicate;
  const json::parser_callback_t note_keys = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > kMaxHeaderDepth) {
      fail(source, "the header nests JSON deeper than " + std::to_string(kMaxHeaderDepth) +
                       " levels: not a safetensors header");
    }
    if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == json::parse_event_t::object_end) open_objects.pop_back();
    if (event == json::parse_event_t::key && !open_objects.back().insert(parsed.get<std::string>()).second &&
        duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  json header;
  try {
    header = json::parse(text, note_keys);
  } catch (const json::exception& error) {
    fail(source, std::string("the header is not valid JSON (") + error.what() + ")");
  }
  if (!duplicate.empty()) fail(source, "the header names '" + duplicate + "' twice");
  if (!header.is_object()) fail(source, "the header is JSON but not an object of named tensors");
  return header;
}

Metadata parse_metadata(const json& value, const std::string& source) {
  if (!value.is_object()) fail(source, "__metadata__ is not a JSON object of strings");
  Metadata metadata;
  for (const auto& [key, text] : value.items()) {
    if (!text.is_string()) {
      fail(source, "__metadata__ entry '" + key + "' is " + text.dump() +
                       ", not a string (safetensors metadata maps strings to strings)");
    }
    metadata[key] = text.get<std::string>();
  }
  return metadata;
}

// A tensor as its header entry describes it, checked against the data section's size.
struct TensorRecord {
  std::string name;
  DType dtype = DType::float32;
  std::vector<std::size_t> shape;
  std::uint64_t begin = 0;  // offsets into the data section: the tensor is [begin, end)
  std::uint64_t end = 0;
};

const json& field(const json& entry, const char* key, const std::string& name, const std::string& source) {
  if (!entry.is_object() || !entry.contains(key)) {
    fail(source, "tensor '" + name + "' has no \"" + key + "\" in the header");
  }
  return entry.at(key);
}

DType parse_dtype(const json& value, const std::string& name, const std::string& source) {
  if (!value.is_string()) fail(source, "tensor '" + name + "' has a dtype that is not a string");
  const std::string dtype = value.get<std::string>();
  if (dtype == "F32") return DType::float32;
  if (dtype == "F64") return DType::float64;
  if (dtype == "I64") return DType::int64;
  fail(source, "tensor '" + name + "' has dtype " + dtype +
                   ", which this reader does not support (supported: F32, F64, I64; convert "
                   "half-precision tensors to float32 before saving)");
}

// A JSON array of non-negative integers (a shape, or a pair of data offsets).
std::vector<std::uint64_t> parse_integers(const json& value, const std::string& what, const std::string& source) {
  const auto is_count = [](const json& item) { return item.is_number_unsigned(); };
  if (!value.is_array() || !std::all_of(value.begin(), value.end(), is_count)) {
    fail(source, what + " is " + value.dump() + ", not a list of non-negative integers");
  }
  return value.get<std::vector<std::uint64_t>>();
}

// The bytes a tensor takes, or nothing when the shape is too large to address.
std::optional<std::uint64_t> byte_size(const std::vector<std::size_t>& shape, DType dtype) {
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  std::uint64_t bytes = element_size(dtype);
  for (std::size_t size : shape) {
    if (size > std::numeric_limits<std::uint64_t>::max() / bytes) return std::nullopt;
    bytes *= size;
  }
  return bytes;
}

std::string byte_range(std::uint64_t begin, std::uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
}

TensorRecord parse_tensor(const std::string& name, const json& entry, std::uint64_t data_size,
                          const std::string& source) {
  TensorRecord record;
  record.name = name;
  record.dtype = parse_dtype(field(entry, "dtype", name, source), name, source);
  const auto shape = parse_integers(field(entry, "shape", name, source), "the shape of '" + name + "'", source);
  record.shape.assign(shape.begin(), shape.end());
  const auto offsets =
      parse_integers(field(entry, "data_offsets", name, source), "the data_offsets of '" + name + "'", source);
  if (offsets.size() != 2 || offsets[0] > offsets[1]) {
    fail(source, "tensor '" + name + "' has data_offsets " + entry.at("data_offsets").dump() +
                     ", not a pair [begin, end] with begin <= end");
  }
  record.begin = offsets[0];
  record.end = offsets[1];
  const auto bytes = byte_size(record.shape, record.dtype);
  const std::string described =
      "tensor '" + name + "' (" + safetensors_dtype_name(record.dtype) + ", shape " + format_shape(record.shape) + ")";
  if (!bytes || *bytes != record.end - record.begin) {
    fail(source, described + " needs " + (bytes ? std::to_string(*bytes) : std::string("more than 2^64")) +
                     " bytes, but its data_offsets " + byte_range(record.begin, record.end) + " hold " +
                     std::to_string(record.end - record.begin));
  }
  if (record.end > data_size) {
    fail(source, described + " lies at bytes " + byte_range(record.begin, record.end) +
                     " of the data section, which has only " + std::to_string(data_size) +
                     " bytes: the file is truncated");
  }
  return record;
}

// The tensors, sorted by offset, must tile the data section: no gap, no overlap, no rest.
void check_tiling(const std::vector<TensorRecord>& sorted, std::uint64_t data_size, const std::string& source) {
  std::uint64_t covered = 0;
  const TensorRecord* previous = nullptr;
  for (const TensorRecord& record : sorted) {
    const std::string where = "tensor '" + record.name + "' at bytes " + byte_range(record.begin, record.end);
    if (record.begin < covered) {
      fail(source,
           where + " overlaps tensor '" + previous->name + "' at bytes " + byte_range(previous->begin, previous->end));
    }
    if (record.begin > covered) {
      fail(source, "the data section has a gap: bytes " + byte_range(covered, record.begin) +
                       " belong to no tensor (the next one is " + where + ")");
    }
    covered = record.end;
    previous = &record;
  }
  if (covered != data_size) {
    fail(source, "the data section has " + std::to_string(data_size) + " bytes but the tensors use only the first " +
                     std::to_string(covered) + ": " + std::to_string(data_size - covered) +
                     " bytes at the end belong to no tensor");
  }
}

StateEntry read_values(const TensorRecord& record, const char* data) {
  StateEntry entry;
  entry.shape = record.shape;
  entry.dtype = record.dtype;
  const std::size_t size = element_size(record.dtype);
  entry.values.resize((record.end - record.begin) / size);
  for (std::size_t i = 0; i < entry.values.size(); ++i) {
    entry.values[i] = value_from_bits(read_little_endian(data + record.begin + i * size, size), record.dtype);
  }
  return entry;
}

// The checksums of the metadata ("crc32:<name>"), taken out of it, parsed and checked.
std::map<std::string, std::uint32_t> take_checksums(Metadata& metadata, const std::string& source) {
  std::map<std::string, std::uint32_t> checksums;
  for (auto key = metadata.begin(); key != metadata.end();) {
    if (!is_checksum_key(key->first)) {
      ++key;
      continue;
    }
    const std::string name = key->first.substr(std::string(kChecksumPrefix).size());
    const std::string& hex = key->second;
    if (hex.size() != 8 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
      fail(source, "the checksum of tensor '" + name + "' is '" + hex + "', not 8 lower-case hex digits");
    }
    checksums[name] = static_cast<std::uint32_t>(std::stoul(hex, nullptr, 16));
    key = metadata.erase(key);
  }
  return checksums;
}

// Checks every tensor's bytes against its CRC-32 in the metadata (and removes those keys).
// A file without checksums (written by another program) passes unchecked: returns false.
// One with checksums must have one for each tensor and for no other name.
bool verify_checksums(const std::vector<TensorRecord>& records, const char* data, Metadata& metadata,
                      const std::string& source) {
  std::map<std::string, std::uint32_t> checksums = take_checksums(metadata, source);
  if (checksums.empty()) return false;
  const std::size_t checksum_count = checksums.size();
  for (const TensorRecord& record : records) {
    const auto stored = checksums.find(record.name);
    if (stored == checksums.end()) {
      fail(source, "tensor '" + record.name + "' has no checksum, though " + std::to_string(checksum_count) +
                       " of the file's " + std::to_string(records.size()) +
                       " tensors have one: the header was edited or damaged");
    }
    const std::uint32_t computed = crc32(data + record.begin, record.end - record.begin);
    if (computed != stored->second) {
      fail(source, "tensor '" + record.name + "' does not match its checksum (stored CRC-32 " +
                       crc32_hex(stored->second) + ", its bytes give " + crc32_hex(computed) +
                       "): the file was damaged after it was written (a flipped bit, an incomplete copy); "
                       "use another copy or an earlier checkpoint");
    }
    checksums.erase(stored);
  }
  if (!checksums.empty()) {
    fail(source, "the metadata has a checksum for tensor '" + checksums.begin()->first +
                     "', which the file does not hold: the header was edited or damaged");
  }
  return true;
}

}  // namespace

std::string safetensors_dtype_name(DType dtype) {
  if (dtype == DType::float64) return "F64";
  if (dtype == DType::int64) return "I64";
  return "F32";
}

std::string encode_safetensors(const StateDict& tensors, const Metadata& metadata) {
  for (const auto& [name, entry] : tensors) check_entry(name, entry);
  for (const auto& [key, value] : metadata) {
    if (is_checksum_key(key)) {
      throw std::invalid_argument("encode_safetensors: the metadata key '" + key + "' is reserved (the keys '" +
                                  kChecksumPrefix + "<name>' hold the tensors' checksums)");
    }
  }
  // The header carries each tensor's checksum, known only once the data is laid out. A
  // checksum is always 8 hex digits, so a header with zeros in their place has the final
  // length: write it, then the data, then the header again with the real checksums.
  const std::vector<std::uint32_t> zeros(tensors.size(), 0);
  const std::string placeholder = header_text(tensors, metadata, zeros);
  std::size_t data_size = 0;
  for (const auto& named : tensors) data_size += named.second.values.size() * element_size(named.second.dtype);

  std::string bytes;
  bytes.reserve(8 + placeholder.size() + data_size);
  append_little_endian(bytes, placeholder.size(), 8);
  bytes += placeholder;
  std::vector<std::uint32_t> crcs;
  for (const auto& [name, entry] : tensors) {
    const std::size_t begin = bytes.size(), size = element_size(entry.dtype);
    for (double value : entry.values) append_little_endian(bytes, value_bits(value, entry.dtype), size);
    crcs.push_back(crc32(bytes.data() + begin, bytes.size() - begin));
  }
  const std::string header = header_text(tensors, metadata, crcs);
  if (header.size() != placeholder.size()) throw std::logic_error("encode_safetensors: the header changed length");
  bytes.replace(8, header.size(), header);
  return bytes;
}

SafetensorsContents decode_safetensors(const std::string& bytes, const std::string& source_name) {
  const std::uint64_t length = header_length(bytes, source_name);
  const json header = parse_header(bytes.substr(8, length), source_name);
  const std::uint64_t data_size = bytes.size() - 8 - length;

  SafetensorsContents contents;
  std::vector<TensorRecord> records;
  for (const auto& [name, entry] : header.items()) {
    if (name == kMetadataKey) {
      contents.metadata = parse_metadata(entry, source_name);
    } else {
      records.push_back(parse_tensor(name, entry, data_size, source_name));
    }
  }
  std::stable_sort(records.begin(), records.end(), [](const TensorRecord& a, const TensorRecord& b) {
    return std::make_pair(a.begin, a.end) < std::make_pair(b.begin, b.end);
  });
  check_tiling(records, data_size, source_name);

  const char* data = bytes.data() + 8 + length;
  contents.checksummed = verify_checksums(records, data, contents.metadata, source_name);
  for (const TensorRecord& record : records) contents.tensors.emplace_back(record.name, read_values(record, data));
  return contents;
}

void write_safetensors(const std::string& path, const StateDict& tensors, const Metadata& metadata) {
  write_file_atomically(path, encode_safetensors(tensors, metadata));
}

SafetensorsContents read_safetensors(const std::string& path) {
  if (std::filesystem::is_directory(path)) throw DataError("cannot read " + path + ": it is a folder");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw DataError("cannot open " + path + " (missing file or no permission)");
  std::string bytes(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!in) throw DataError("cannot read " + path + " (it changed or vanished while being read)");
  return decode_safetensors(bytes, path);
}

}  // namespace resnet
