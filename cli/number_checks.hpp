/// @file
/// @brief Checks for the numeric options of the `resnet` commands, applied before a value
///        is converted: each refuses NaN, infinities, values out of range and text that is
///        not a number, with a message that CLI11 prefixes with the option's name
///        ("--lr: must be a finite number greater than 0, not 'nan'").
///
/// CLI11's own CLI::Range and CLI::PositiveNumber let NaN through (every comparison with NaN
/// is false, so NaN is never "out of range"), and an unsigned option takes "-1" as 2^64 - 1.
#pragma once

#include <cstdint>

#include <CLI/CLI.hpp>

namespace resnet::cli {

/// @brief A real number in [low, high]: finite, written as a decimal number.
CLI::Validator real_in(double low, double high);

/// @brief A real number greater than 0 and at most `high`: finite, written as a decimal number.
CLI::Validator positive_real(double high);

/// @brief A whole number in [low, high], written in decimal digits only (no sign, no exponent,
///        no hexadecimal): what a count, a size or a seed must look like.
CLI::Validator whole_in(std::uint64_t low, std::uint64_t high);

}  // namespace resnet::cli
