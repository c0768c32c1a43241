// Test inputs computed from a seed by an integer hash, identically here and in
// tests/golden/make_golden.py (hash_uniform), so large inputs need not be stored.
//
// Value i of a tensor is u_i * scale rounded to the tensor's type, where u_i in [-1, 1)
// is SplitMix64 of seed + (i + 1) * 0x9E3779B97F4A7C15 scaled by 2^-53. Every step is
// exact in IEEE double, so Python and C++ produce the same bits.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include <xtensor/xtensor.hpp>

namespace resnet::testing {

/// u_i in [-1, 1) for index i of the stream `seed`.
inline double hash_uniform(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53 * 2.0 - 1.0;
}

/// A tensor of hashed values: element i (row-major) is T(hash_uniform(seed, i) * scale).
/// For T = double the values are first rounded to float32, as the goldens' inputs are.
template <class T, std::size_t N>
xt::xtensor<T, N> hash_tensor(std::uint64_t seed, const std::array<std::size_t, N>& shape, double scale = 1.0) {
  xt::xtensor<T, N> tensor = xt::xtensor<T, N>::from_shape(shape);
  std::uint64_t i = 0;
  for (T& value : tensor) value = static_cast<T>(static_cast<float>(hash_uniform(seed, i++) * scale));
  return tensor;
}

}  // namespace resnet::testing
