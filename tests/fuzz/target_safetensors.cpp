// Fuzz target: safetensors checkpoints, header and data (resnet::decode_safetensors, which
// read_safetensors, load_model and load_checkpoint all go through).
#include "resnet/error.hpp"
#include "resnet/io/safetensors.hpp"
#include "targets.hpp"

namespace resnet::fuzz {

namespace {

constexpr const char* kName = "fuzz.safetensors";

// Valid files: what our writer makes (every dtype, a scalar, an empty tensor, metadata or
// none) and one written by Python's safetensors library.
std::vector<std::string> seeds(const FuzzFolders& folders) {
  const StateDict tensors = {{"conv1.weight", {{2, 1, 2, 2}, DType::float32, {1, -2, 0.5, 3, 0, 1e-3, -7, 8}}},
                             {"bn1.num_batches_tracked", {{}, DType::int64, {42}}},
                             {"fc.bias", {{3}, DType::float64, {0.25, -1e300, 3}}}};
  return {encode_safetensors(tensors, {{"epoch", "3"}, {"format", "resnet-checkpoint"}}),
          encode_safetensors({{"empty", {{0, 4}, DType::float32, {}}}}),
          encode_safetensors({}, {{"note", "metadata only"}}),
          read_file(folders.source / "tests/golden/ch05/safetensors/written_by_python.safetensors")};
}

// Documented: a DataError naming the file. A file that reads must describe itself
// consistently: one value per element of each tensor's shape.
bool read(const std::string& bytes) {
  try {
    const SafetensorsContents contents = decode_safetensors(bytes, kName);
    for (const auto& [name, entry] : contents.tensors) {
      require_one_value_per_element(entry.shape, entry.values.size(), "tensor '" + name + "'");
    }
    return true;
  } catch (const DataError& error) {
    require_names_file(error, kName);
    return false;
  }
}

}  // namespace

FuzzTarget safetensors_target(const FuzzFolders& folders) {
  FuzzTarget target;
  target.name = "safetensors";
  target.seeds = seeds(folders);
  target.read = read;
  // The 8-byte length of the JSON header, at offset 0, is the one binary length field.
  target.hints.length_fields = {0};
  target.hints.text_header = [](const std::string&) { return TextHeader{0, 8}; };
  // Up to 1 MiB: room for JSON nested 100,000 deep.
  target.max_bytes = 1 << 20;
  return target;
}

}  // namespace resnet::fuzz
