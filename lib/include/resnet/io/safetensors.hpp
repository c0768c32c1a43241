/// @file
/// @brief Named tensors to and from the safetensors format, the checkpoint format that
///        Python reads with `safetensors.torch.load_file` (and tools/convert_checkpoint.py).
///
/// A safetensors file is three parts, one after the other:
///
/// @verbatim
///     [8 bytes]  N, the header's length: an unsigned 64-bit integer, little-endian
///     [N bytes]  the header: JSON, padded with spaces to a multiple of 8 bytes
///                {"__metadata__": {"epoch": "3"},
///                 "conv1.weight": {"dtype": "F32", "shape": [64, 3, 7, 7],
///                                  "data_offsets": [0, 37632]}, ...}
///     [rest]     the data section: every tensor's raw little-endian values, row-major,
///                at [begin, end) counted from the start of the data section
/// @endverbatim
///
/// The tensors tile the data section exactly: no gaps, no overlaps, nothing left over.
/// Nothing else is in the file (no pickled Python objects), so reading one cannot run code.
/// @see https://github.com/huggingface/safetensors (the format's specification)
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "resnet/nn/state.hpp"

namespace resnet {

/// @ingroup ch05
/// @brief The string -> string table stored as a safetensors file's `__metadata__`.
using Metadata = std::map<std::string, std::string>;

/// @ingroup ch05
/// @brief Everything a safetensors file holds: its tensors and its metadata.
struct SafetensorsContents {
  StateDict tensors;         ///< in the order of their data in the file
  Metadata metadata;         ///< empty when the file has no `__metadata__`; without the checksums
  bool checksummed = false;  ///< every tensor had a CRC-32 in the metadata, and it matched
};

/// @ingroup ch05
/// @brief The safetensors name of a dtype: "F32", "F64" or "I64".
/// @param dtype the element type
std::string safetensors_dtype_name(DType dtype);

/// @ingroup ch05
/// @brief The bytes of a safetensors file holding `tensors` (in their order) and `metadata`.
///
/// float32 entries are stored as IEEE single precision: each value is rounded from double
/// by `static_cast<float>`, so a float64 value saved as float32 loses its last digits.
/// float64 entries are stored exactly. int64 entries must hold whole numbers in the int64
/// range. The metadata gets one more key per tensor, `"crc32:" + name` (`"crc32:fc.bias"`):
/// the CRC-32 (crc32.hpp) of the tensor's bytes in the file, as 8 hex digits. Other safetensors readers see them
/// as ordinary metadata strings; decode_safetensors() checks them.
/// @param tensors the named tensors; names must be distinct and not `__metadata__`
/// @param metadata string pairs kept in the header (epoch, RNG state, ...)
/// @return the file's bytes: header length, header, data
/// @throws ShapeError when an entry's value count is not its shape's product, or an
///         int64 entry holds a value that is not a whole number in range
/// @throws std::invalid_argument on a duplicated or reserved name (a tensor called
///         `__metadata__`, a metadata key starting with `crc32:`)
std::string encode_safetensors(const StateDict& tensors, const Metadata& metadata = {});

/// @ingroup ch05
/// @brief Reads the bytes of a safetensors file, checking everything before trusting it.
///
/// Checked, each failure a DataError naming `source_name` and the problem: the 8-byte
/// length is present and the header fits in the file (and is at most 100 MB); the header
/// is a JSON object with no duplicated key; every tensor has a supported dtype (F32, F64,
/// I64), a shape of non-negative integers and two data offsets whose distance is exactly
/// the shape's product times the element size; the tensors cover the data section exactly
/// (no gap, no overlap, no missing bytes at the end: a truncated file is caught here);
/// `__metadata__` maps strings to strings; when it holds checksums (`"crc32:" + name`, as
/// encode_safetensors() writes), every tensor has one, and its bytes match it. A file with
/// no checksum at all (written by PyTorch's or another tool's writer) is read unchecked,
/// with `checksummed` false. The checksum keys are not returned in `metadata`.
/// Any order of tensors in the header is accepted; they come back in data-offset order.
/// @param bytes the whole file
/// @param source_name the file's name, for the error messages
/// @return the tensors, each with its shape, dtype and values, and the metadata
/// @throws DataError naming `source_name` and what is wrong
SafetensorsContents decode_safetensors(const std::string& bytes, const std::string& source_name);

/// @ingroup ch05
/// @brief Writes encode_safetensors(tensors, metadata) to `path` atomically (a temporary
///        file renamed into place), so a crash mid-save never leaves a half-written file.
/// @param path the file to write
/// @param tensors the named tensors (see encode_safetensors())
/// @param metadata string pairs kept in the header
/// @throws DataError when the file cannot be written; see encode_safetensors() for the rest
/// @see https://huggingface.co/docs/safetensors/api/torch#safetensors.torch.save_file
void write_safetensors(const std::string& path, const StateDict& tensors, const Metadata& metadata = {});

/// @ingroup ch05
/// @brief Reads and checks a safetensors file (see decode_safetensors()).
/// @param path the file to read
/// @return the tensors, in data-offset order, and the metadata
/// @throws DataError naming the file: missing or unreadable, or not valid safetensors
/// @see https://huggingface.co/docs/safetensors/api/torch#safetensors.torch.load_file
SafetensorsContents read_safetensors(const std::string& path);

}  // namespace resnet
