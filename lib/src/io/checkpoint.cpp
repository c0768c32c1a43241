#include "resnet/io/checkpoint.hpp"

#include <stdexcept>

#include "resnet/error.hpp"

namespace resnet {

namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Model tensors as they are, then optimizer tensors with the `optimizer.` prefix.
StateDict file_tensors(const Checkpoint& checkpoint) {
  StateDict tensors;
  tensors.reserve(checkpoint.model.size() + checkpoint.optimizer.size());
  for (const auto& [name, entry] : checkpoint.model) {
    if (starts_with(name, kOptimizerPrefix)) {
      throw std::invalid_argument("save_checkpoint: model tensor '" + name + "' starts with '" + kOptimizerPrefix +
                                  "', which marks optimizer state in the file");
    }
    tensors.emplace_back(name, entry);
  }
  for (const auto& [name, entry] : checkpoint.optimizer) tensors.emplace_back(kOptimizerPrefix + name, entry);
  return tensors;
}

// Our checkpoint, plain weights (no "format" key), or refused (another format).
bool is_our_checkpoint(const Metadata& metadata, const std::string& path) {
  const auto format = metadata.find("format");
  if (format == metadata.end()) return false;
  if (format->second != kCheckpointFormat) {
    throw DataError(path + ": its metadata says \"format\": \"" + format->second + "\", but this program reads \"" +
                    kCheckpointFormat + "\" (or plain weights with no \"format\" key)");
  }
  return true;
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  Metadata metadata = checkpoint.metadata;
  const auto format = metadata.find("format");
  if (format != metadata.end() && format->second != kCheckpointFormat) {
    throw std::invalid_argument("save_checkpoint: the metadata key \"format\" is reserved (it is set to \"" +
                                std::string(kCheckpointFormat) + "\")");
  }
  metadata["format"] = kCheckpointFormat;
  write_safetensors(path, file_tensors(checkpoint), metadata);
}

Checkpoint load_checkpoint(const std::string& path) {
  SafetensorsContents contents = read_safetensors(path);
  Checkpoint checkpoint;
  const bool ours = is_our_checkpoint(contents.metadata, path);
  for (auto& [name, entry] : contents.tensors) {
    if (ours && starts_with(name, kOptimizerPrefix)) {
      checkpoint.optimizer.emplace_back(name.substr(std::string(kOptimizerPrefix).size()), std::move(entry));
    } else {
      checkpoint.model.emplace_back(name, std::move(entry));
    }
  }
  contents.metadata.erase("format");
  checkpoint.checksummed = contents.checksummed;
  checkpoint.metadata = std::move(contents.metadata);
  return checkpoint;
}

template <class T>
void save_model(const std::string& path, const Module<T>& module, const Metadata& metadata) {
  save_checkpoint(path, Checkpoint{module.state_dict(), {}, metadata});
}

template <class T>
Checkpoint load_model(const std::string& path, Module<T>& module) {
  Checkpoint checkpoint = load_checkpoint(path);
  try {
    module.load_state_dict(checkpoint.model);  // checks everything before writing anything
  } catch (const ShapeError& error) {
    throw DataError(path + ": does not fit the model (" + error.what() + "); the model is unchanged");
  }
  return checkpoint;
}

template void save_model(const std::string&, const Module<float>&, const Metadata&);
template void save_model(const std::string&, const Module<double>&, const Metadata&);
template Checkpoint load_model(const std::string&, Module<float>&);
template Checkpoint load_model(const std::string&, Module<double>&);

}  // namespace resnet
