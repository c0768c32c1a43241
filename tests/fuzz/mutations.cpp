#include "mutations.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>

#include "resnet/random.hpp"

namespace resnet::fuzz {

namespace {

using Bytes = std::string;

constexpr std::size_t npos = std::string::npos;

std::size_t below(Generator& random, std::size_t n) { return static_cast<std::size_t>(random.below(n)); }

// A position in `bytes` whose byte satisfies `wanted`, searched from a random start (and
// around the end), or npos when there is none.
std::size_t random_position_where(Generator& random, const Bytes& bytes, const std::function<bool(char)>& wanted) {
  if (bytes.empty()) return npos;
  const std::size_t start = below(random, bytes.size());
  for (std::size_t step = 0; step < bytes.size(); ++step) {
    const std::size_t at = (start + step) % bytes.size();
    if (wanted(bytes[at])) return at;
  }
  return npos;
}

// ---- binary edits ----

void flip_bit(Generator& random, Bytes& bytes) {
  if (bytes.empty()) return;
  bytes[below(random, bytes.size())] ^= static_cast<char>(1 << below(random, 8));
}

// One byte set to a value that often sits on a boundary of a reader's checks.
void set_interesting_byte(Generator& random, Bytes& bytes) {
  static constexpr unsigned char values[] = {0x00, 0x01, 0x7F, 0x80, 0xFF};
  if (bytes.empty()) return;
  bytes[below(random, bytes.size())] = static_cast<char>(values[below(random, sizeof values)]);
}

void set_random_byte(Generator& random, Bytes& bytes) {
  if (bytes.empty()) return;
  bytes[below(random, bytes.size())] = static_cast<char>(below(random, 256));
}

// Cut the file short: the most common damage of a real file (an interrupted download).
void truncate(Generator& random, Bytes& bytes) { bytes.resize(below(random, bytes.size() + 1)); }

Bytes random_bytes(Generator& random, std::size_t count) {
  Bytes bytes(count, '\0');
  for (char& byte : bytes) byte = static_cast<char>(below(random, 256));
  return bytes;
}

void extend(Generator& random, Bytes& bytes) { bytes += random_bytes(random, 1 + below(random, 256)); }

void insert_random_bytes(Generator& random, Bytes& bytes) {
  bytes.insert(below(random, bytes.size() + 1), random_bytes(random, 1 + below(random, 16)));
}

void erase_chunk(Generator& random, Bytes& bytes) {
  if (bytes.empty()) return;
  const std::size_t at = below(random, bytes.size());
  bytes.erase(at, 1 + below(random, std::min<std::size_t>(bytes.size() - at, 64)));
}

// A chunk of another seed (or of this input) copied over or into this one: parts of
// valid files in the wrong place, which random bytes rarely make.
void splice(Generator& random, Bytes& bytes, const std::vector<Bytes>& seeds) {
  const Bytes& donor = seeds[below(random, seeds.size())];
  if (donor.empty()) return;
  const std::size_t from = below(random, donor.size());
  const Bytes chunk = donor.substr(from, 1 + below(random, std::min<std::size_t>(donor.size() - from, 256)));
  const std::size_t at = below(random, bytes.size() + 1);
  if (below(random, 2) == 0) {
    bytes.insert(at, chunk);
  } else {
    bytes.replace(at, chunk.size(), chunk);
  }
}

// A short chunk repeated many times: long runs of one token, deep nesting, huge numbers.
void repeat_chunk(Generator& random, Bytes& bytes) {
  if (bytes.empty()) return;
  static constexpr std::size_t counts[] = {2, 16, 256, 4096, 65536};
  const std::size_t at = below(random, bytes.size());
  const Bytes chunk = bytes.substr(at, 1 + below(random, 16));
  Bytes repeated;
  for (std::size_t i = counts[below(random, sizeof counts / sizeof counts[0])]; i > 0; --i) repeated += chunk;
  bytes.insert(at, repeated);
}

// A value for a length field: zero, one, the limits of the integer types of each width,
// and sizes near the input's own (a length just too large is the classic off-by-one).
std::uint64_t boundary_value(Generator& random, std::size_t input_size) {
  const std::uint64_t size = input_size;
  const std::uint64_t values[] = {0,
                                  1,
                                  0x7F,
                                  0x80,
                                  0xFF,
                                  0x7FFF,
                                  0x8000,
                                  0xFFFF,
                                  0x7FFFFFFF,
                                  0x80000000,
                                  0xFFFFFFFF,
                                  0x100000000,
                                  0x7FFFFFFFFFFFFFFF,
                                  0x8000000000000000,
                                  0xFFFFFFFFFFFFFFFF,
                                  size,
                                  size - 1,
                                  size + 1,
                                  size - 8,
                                  size * 2};
  return values[below(random, sizeof values / sizeof values[0])];
}

// An integer of 1, 2, 4 or 8 bytes, little- or big-endian (PNG and JPEG are big-endian),
// overwritten with a boundary value: at one of the format's length fields half the time,
// anywhere the other half.
void overwrite_integer(Generator& random, Bytes& bytes, const FormatHints& hints) {
  static constexpr std::size_t widths[] = {1, 2, 4, 8};
  const std::size_t width = widths[below(random, 4)];
  if (bytes.size() < width) return;
  std::size_t at = below(random, bytes.size() - width + 1);
  if (!hints.length_fields.empty() && below(random, 2) == 0) {
    at = hints.length_fields[below(random, hints.length_fields.size())];
    if (at + width > bytes.size()) return;
  }
  const std::uint64_t value = boundary_value(random, bytes.size());
  const bool little_endian = below(random, 2) == 0;
  for (std::size_t i = 0; i < width; ++i) {
    const std::size_t shift = 8 * (little_endian ? i : width - 1 - i);
    bytes[at + i] = static_cast<char>((value >> shift) & 0xFF);
  }
}

// ---- text edits, for the JSON of safetensors and the Python dict of .npy ----

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_structural(char c) { return std::strchr("{}[]()\"',:", c) != nullptr && c != '\0'; }
bool is_opening(char c) { return c == '{' || c == '[' || c == '('; }

// A number in the text replaced by one that tests a limit: negative, fractional, past
// 2^32, 2^63 or 2^64, or far beyond any integer type.
void edit_number(Generator& random, Bytes& bytes) {
  static const char* const numbers[] = {"0",
                                        "1",
                                        "-1",
                                        "0.5",
                                        "1e999",
                                        "4294967296",
                                        "9223372036854775807",
                                        "9223372036854775808",
                                        "18446744073709551615",
                                        "18446744073709551616",
                                        "99999999999999999999999999999999",
                                        ""};
  std::size_t begin = random_position_where(random, bytes, is_digit);
  if (begin == npos) return;
  while (begin > 0 && is_digit(bytes[begin - 1])) --begin;
  std::size_t end = begin;
  while (end < bytes.size() && is_digit(bytes[end])) ++end;
  bytes.replace(begin, end - begin, numbers[below(random, sizeof numbers / sizeof numbers[0])]);
}

// A bracket, quote, comma or colon deleted, doubled, or replaced by another one.
void edit_structure(Generator& random, Bytes& bytes) {
  static constexpr char replacements[] = "{}[]()\"',:";
  const std::size_t at = random_position_where(random, bytes, is_structural);
  if (at == npos) return;
  switch (below(random, 3)) {
    case 0: bytes.erase(at, 1); break;
    case 1: bytes.insert(at, 1, bytes[at]); break;
    default: bytes[at] = replacements[below(random, sizeof replacements - 1)]; break;
  }
}

// The bracket that closes the one opening at `open`, or npos (brackets inside strings
// are counted too: good enough for a mutation).
std::size_t matching_bracket(const Bytes& bytes, std::size_t open) {
  std::size_t depth = 0;
  for (std::size_t at = open; at < bytes.size(); ++at) {
    if (is_opening(bytes[at])) ++depth;
    if (bytes[at] == '}' || bytes[at] == ']' || bytes[at] == ')') {
      if (--depth == 0) return at;
    }
  }
  return npos;
}

// A bracketed value wrapped in many more brackets of its kind, [[[[2]]]]: still valid
// syntax, but nested deeper than any real file, which recursive code may not survive.
void nest_brackets(Generator& random, Bytes& bytes) {
  static constexpr std::size_t depths[] = {2, 100, 10000, 100000};
  const std::size_t open = random_position_where(random, bytes, is_opening);
  if (open == npos) return;
  const std::size_t close = matching_bracket(bytes, open);
  if (close == npos) return;
  const std::size_t depth = depths[below(random, sizeof depths / sizeof depths[0])];
  bytes.insert(close, depth, bytes[close]);
  bytes.insert(open, depth, bytes[open]);
}

// A text edit, made inside the format's text header when it has one, with the header's
// length field rewritten to the new length.
void edit_text(Generator& random, Bytes& bytes, const FormatHints& hints, void (*edit)(Generator&, Bytes&)) {
  const std::optional<TextHeader> header = hints.text_header ? hints.text_header(bytes) : std::nullopt;
  const std::size_t begin = header ? header->length_offset + header->length_bytes : 0;
  if (!header || begin > bytes.size()) {
    edit(random, bytes);
    return;
  }
  std::size_t length = 0;
  for (std::size_t i = 0; i < header->length_bytes; ++i) {
    length |= std::size_t{static_cast<unsigned char>(bytes[header->length_offset + i])} << (8 * i);
  }
  length = std::min(length, bytes.size() - begin);
  Bytes text = bytes.substr(begin, length);
  edit(random, text);
  for (std::size_t i = 0; i < header->length_bytes; ++i) {
    bytes[header->length_offset + i] = static_cast<char>((text.size() >> (8 * i)) & 0xFF);
  }
  bytes.replace(begin, length, text);
}

// One edit, chosen at random; the binary ones a little more often than the text ones.
void mutate_once(Generator& random, Bytes& bytes, const std::vector<Bytes>& seeds, const FormatHints& hints) {
  switch (below(random, 14)) {
    case 0:
    case 1: flip_bit(random, bytes); break;
    case 2: set_interesting_byte(random, bytes); break;
    case 3: set_random_byte(random, bytes); break;
    case 4: truncate(random, bytes); break;
    case 5: extend(random, bytes); break;
    case 6: insert_random_bytes(random, bytes); break;
    case 7: erase_chunk(random, bytes); break;
    case 8: splice(random, bytes, seeds); break;
    case 9: repeat_chunk(random, bytes); break;
    case 10: overwrite_integer(random, bytes, hints); break;
    case 11: edit_text(random, bytes, hints, edit_number); break;
    case 12: edit_text(random, bytes, hints, edit_structure); break;
    default: edit_text(random, bytes, hints, nest_brackets); break;
  }
}

// The generator of one input: a mix of the run's seed and the input's number, so that
// neighbouring inputs get unrelated sequences (SplitMix64's finaliser).
std::uint64_t input_seed(std::uint64_t seed, std::uint64_t iteration) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ull + iteration;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

std::string make_input(const std::vector<std::string>& seeds, const FormatHints& hints, std::uint64_t seed,
                       std::uint64_t iteration, std::size_t max_bytes) {
  Generator random(input_seed(seed, iteration));
  Bytes bytes = seeds[below(random, seeds.size())];
  // Mostly one or two edits (a file close to valid gets deep into the reader), sometimes
  // up to eight.
  const std::size_t edits = 1 + below(random, 1 + below(random, 8));
  for (std::size_t i = 0; i < edits; ++i) {
    mutate_once(random, bytes, seeds, hints);
    if (bytes.size() > max_bytes) bytes.resize(max_bytes);
  }
  // Most inputs get their checksums made right again, so that they pass the reader's first
  // check and reach the parser behind it; the rest test that first check.
  if (hints.repair_checksums && below(random, 8) != 0) hints.repair_checksums(bytes);
  return bytes;
}

}  // namespace resnet::fuzz
