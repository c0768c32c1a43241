// The mutations of the fuzzer: small random edits that turn a valid file into a hostile one.
//
// Each input is one seed (a valid file) with a few edits stacked on it. The edits are the
// classic ones of mutation fuzzers (AFL, libFuzzer), plus two aimed at what our readers
// trust most: the length fields of binary headers and the digits and brackets of text
// headers (the JSON of safetensors, the Python dict of .npy).
//
// Everything is drawn from resnet::Generator seeded by (run seed, iteration), so input
// number i of a run is the same on every machine and can be made again on its own: a
// finding is replayed with `--seed S --iteration I`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace resnet::fuzz {

/// A text header that follows its length field (safetensors' JSON, the dict of .npy).
struct TextHeader {
  std::size_t length_offset = 0;  ///< where the length field is
  std::size_t length_bytes = 0;   ///< its width; little-endian
};

/// What a target tells the mutator about its format.
struct FormatHints {
  /// Offsets of the integers that give a length or a size (the 8-byte header length of
  /// safetensors, the 2-byte header length of .npy, a PNG's width): one mutation writes
  /// boundary values there, since a reader that trusts them allocates or reads too much.
  std::vector<std::size_t> length_fields;
  /// Where a file's text header is, if the format has one. Text edits (numbers, brackets,
  /// quotes) then go into the header and its length field is rewritten to match: otherwise
  /// a longer header would be cut by its old length, and the edit would never reach the
  /// parser of the values it changed.
  std::function<std::optional<TextHeader>(const std::string&)> text_header;
  /// Recomputes the checksums a format keeps (a PNG chunk's CRC-32), if it keeps any. A
  /// reader that checks them first would otherwise refuse almost every edited file there,
  /// and the decoder behind the check would never see one.
  std::function<void(std::string&)> repair_checksums;
};

/// Input number `iteration` of the run with seed `seed`: a copy of one of `seeds` with 1 to
/// 8 random edits, at most `max_bytes` long.
/// @param seeds valid files of the format (at least one)
/// @param hints where the format keeps its length fields
/// @param seed the run's seed
/// @param iteration the input's number in the run
/// @param max_bytes the longest input to make
std::string make_input(const std::vector<std::string>& seeds, const FormatHints& hints, std::uint64_t seed,
                       std::uint64_t iteration, std::size_t max_bytes);

}  // namespace resnet::fuzz
