/// @file
/// @brief CRC-32, the checksum of zlib, gzip and PNG (Python: `zlib.crc32`), for telling a
///        damaged file from an intact one.
///
/// A CRC is the remainder of dividing the data, read as a polynomial over GF(2), by a fixed
/// polynomial of degree 32 (here 0x04C11DB7, processed bit-reversed as 0xEDB88320). Any
/// change of one to 32 consecutive bits changes the remainder, and a random change goes
/// unnoticed with probability 2^-32. It is a check against accidents (bit rot, an
/// incomplete copy), not against someone who edits the file on purpose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace resnet {

/// @ingroup ch05
/// @brief The CRC-32 of `size` bytes, continuing from `crc` (the CRC of the bytes before
///        them; 0 to start), so a long stream can be checksummed in pieces.
/// @param data the bytes
/// @param size how many
/// @param crc the CRC-32 of what came before, or 0
/// @return the CRC-32 of everything so far; crc32("123456789") is 0xCBF43926
std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc = 0);

/// @ingroup ch05
/// @brief A CRC-32 as the 8 lower-case hex digits a checkpoint's metadata stores.
/// @param crc the checksum
std::string crc32_hex(std::uint32_t crc);

}  // namespace resnet
