#include "resnet/io/crc32.hpp"

#include <array>
#include <cstdio>

namespace resnet {

namespace {

constexpr std::uint32_t kReversedPolynomial = 0xEDB88320u;  // 0x04C11DB7 with its bits reversed

// tables[0][b] is the remainder of byte b followed by 32 zero bits: the 8 steps of long
// division for one byte at once. tables[k][b] is the same for byte b followed by k more
// zero bytes, so that 8 bytes can be divided in one step ("slicing by 8"): their 8 table
// entries, one per byte position, are simply XORed, as remainders of a sum add up.
using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

Tables make_tables() {
  Tables tables{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t remainder = byte;
    for (int bit = 0; bit < 8; ++bit)
      remainder = (remainder & 1) ? (remainder >> 1) ^ kReversedPolynomial : remainder >> 1;
    tables[0][byte] = remainder;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t byte = 0; byte < 256; ++byte) {
      const std::uint32_t previous = tables[k - 1][byte];
      tables[k][byte] = tables[0][previous & 0xFF] ^ (previous >> 8);  // one more zero byte
    }
  }
  return tables;
}

}  // namespace

std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc) {
  static const Tables tables = make_tables();
  const auto* bytes = static_cast<const unsigned char*>(data);
  // The register starts (and ends) inverted, so that leading zero bytes change the result.
  std::uint32_t state = ~crc;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {  // 8 bytes per step: the first 4 are XORed into the register
    const std::uint32_t low = state ^ (std::uint32_t{bytes[i]} | std::uint32_t{bytes[i + 1]} << 8 |
                                       std::uint32_t{bytes[i + 2]} << 16 | std::uint32_t{bytes[i + 3]} << 24);
    state = tables[7][low & 0xFF] ^ tables[6][(low >> 8) & 0xFF] ^ tables[5][(low >> 16) & 0xFF] ^
            tables[4][low >> 24] ^ tables[3][bytes[i + 4]] ^ tables[2][bytes[i + 5]] ^ tables[1][bytes[i + 6]] ^
            tables[0][bytes[i + 7]];
  }
  for (; i < size; ++i) state = tables[0][(state ^ bytes[i]) & 0xFF] ^ (state >> 8);  // the rest, byte by byte
  return ~state;
}

std::string crc32_hex(std::uint32_t crc) {
  char text[9];
  std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(crc));
  return text;
}

}  // namespace resnet
