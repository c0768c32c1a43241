/// @file
/// @brief Checkpoints: a model's weights and buffers, the optimizer's state and the run's
///        bookkeeping (epoch, random generator state, ...) in one safetensors file.
///
/// The file is an ordinary safetensors file (see safetensors.hpp), readable from Python:
///   - model tensors under their torchvision names (`conv1.weight`, `bn1.running_mean`,
///     `bn1.num_batches_tracked` as int64, `layer1.0.conv1.weight`, ..., `fc.bias`);
///   - optimizer tensors under `optimizer.` + their name (`optimizer.fc.bias.exp_avg`);
///   - string metadata, always with `"format": "resnet-from-scratch checkpoint 1"`, and
///     whatever the caller adds ("epoch", "rng", "model", ...).
///
/// tools/convert_checkpoint.py converts between this and PyTorch's `.pth` files.
#pragma once

#include <string>

#include "resnet/io/safetensors.hpp"
#include "resnet/nn/module.hpp"
#include "resnet/nn/state.hpp"

namespace resnet {

/// @ingroup ch05
/// @brief The value of the "format" metadata key that marks a file as our checkpoint.
inline constexpr const char* kCheckpointFormat = "resnet-from-scratch checkpoint 1";

/// @ingroup ch05
/// @brief The prefix that optimizer tensors carry in a checkpoint file.
inline constexpr const char* kOptimizerPrefix = "optimizer.";

/// @ingroup ch05
/// @brief What a checkpoint holds: everything needed to resume a training run.
struct Checkpoint {
  StateDict model;           ///< Module::state_dict(): parameters and buffers, torchvision names
  StateDict optimizer;       ///< the optimizer's state, names without the `optimizer.` prefix
  Metadata metadata;         ///< @brief e.g. "epoch", "rng" (Generator::state()), "model", "classes";
                             ///< the reserved "format" key is added on save and removed on load
  bool checksummed = false;  ///< on load: every tensor's bytes matched the CRC-32 saved with it
                             ///< (false for files written by other tools, which carry none)
};

/// @ingroup ch05
/// @brief Saves a checkpoint as a safetensors file, atomically (temporary file + rename):
///        a crash mid-save leaves the previous checkpoint intact.
///
/// Model tensors keep their names, optimizer tensors get the `optimizer.` prefix, and the
/// metadata gets `"format": kCheckpointFormat`. float32 tensors are stored as float32
/// (see encode_safetensors()).
/// @param path where to write (usually ending in `.safetensors`)
/// @param checkpoint what to write
/// @throws std::invalid_argument when a model name starts with `optimizer.` (it would be
///         read back as optimizer state) or the metadata sets "format" to something else
/// @throws DataError when the file cannot be written
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

/// @ingroup ch05
/// @brief Reads a checkpoint written by save_checkpoint(), or plain weights.
///
/// A file whose metadata says `"format": kCheckpointFormat` is split into model and
/// optimizer tensors by the `optimizer.` prefix. A safetensors file without a "format"
/// key (weights converted from torchvision, or written by `safetensors.torch.save_file`)
/// is read as plain weights: every tensor is a model tensor. Any other "format" is refused.
/// @param path the file to read
/// @return the model tensors, the optimizer tensors (prefix removed) and the metadata
///         (without "format")
/// @throws DataError naming the file: missing, corrupt (see decode_safetensors()), or of
///         another format
Checkpoint load_checkpoint(const std::string& path);

/// @ingroup ch05
/// @brief Saves a module's state dict (and `metadata`) as a checkpoint without optimizer state.
/// @param path where to write
/// @param module the model whose Module::state_dict() is saved
/// @param metadata string pairs to keep with it
/// @throws DataError when the file cannot be written
template <class T>
void save_model(const std::string& path, const Module<T>& module, const Metadata& metadata = {});

/// @ingroup ch05
/// @brief Loads a checkpoint's model tensors into `module` and returns the checkpoint (its
///        optimizer state and metadata, for resuming a run).
///
/// The file is read and checked completely, then Module::load_state_dict() checks every
/// name, shape and kind (integer or floating point) before writing anything: a corrupt
/// file, or one saved from another architecture, leaves the module exactly as it was.
/// float64 values loaded into a float module are rounded to float.
/// @param path the file to read
/// @param module the model to load into; the file's model tensors must fit it (see
///        Module::load_state_dict())
/// @return the whole checkpoint, model tensors included
/// @throws DataError naming the file and the problem (including the first tensor that
///         does not fit the module)
template <class T>
Checkpoint load_model(const std::string& path, Module<T>& module);

}  // namespace resnet
