/// @file
/// @brief Seeded random numbers that are the same on every machine and compiler.
///
/// `std::normal_distribution` and `std::uniform_int_distribution` use algorithms the C++
/// standard leaves to each library, so the same seed gives different numbers with
/// libstdc++ and libc++. The engine (`std::mt19937_64`) is fully specified, so we keep it
/// and write the three transforms ourselves (53-bit uniform, Box-Muller normal, rejection
/// sampling for integers): a seed then means the same weights everywhere.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup core
/// @brief A seeded source of random numbers (Mersenne Twister 19937, 64-bit).
///
/// Pass it by reference to whatever needs randomness; there is no hidden global
/// generator. Its whole state can be saved and restored (checkpoints use this so that a
/// resumed run draws the same numbers as an uninterrupted one).
/// @see https://pytorch.org/docs/stable/generated/torch.Generator.html
class Generator {
 public:
  /// @brief A generator whose sequence is fixed by `seed`.
  explicit Generator(std::uint64_t seed = 0);

  /// @brief The next raw 64-bit value.
  std::uint64_t next_u64();
  /// @brief Uniform in [0, 1), with 53 random bits (every double in the range is reachable
  ///        on the 2^-53 grid).
  double uniform();
  /// @brief Standard normal N(0, 1) by the Box-Muller transform:
  ///        \f$ z = \sqrt{-2 \ln u_1}\, \cos(2 \pi u_2) \f$, \f$ u_1 \in (0, 1] \f$,
  ///        \f$ u_2 \in [0, 1) \f$; the paired sine value is kept for the next call.
  double normal();
  /// @brief Uniform integer in [0, n) without modulo bias (rejection sampling). n > 0.
  std::uint64_t below(std::uint64_t n);

  /// @brief The complete state as text (engine plus the cached normal value).
  std::string state() const;
  /// @brief Restores a state produced by state(); throws std::invalid_argument on
  ///        malformed text.
  void set_state(const std::string& state);

 private:
  std::mt19937_64 engine_;
  bool has_cached_normal_ = false;
  double cached_normal_ = 0.0;
};

/// @ingroup core
/// @brief A tensor of independent normal values with the given mean and standard deviation.
/// @param shape the shape of the result
/// @param generator the seeded source (advanced by one draw per value)
/// @param mean the mean of every value
/// @param stddev the standard deviation of every value
/// @return a tensor of shape `shape`
/// @see https://pytorch.org/docs/stable/generated/torch.normal.html
template <class T, std::size_t N>
xt::xtensor<T, N> random_normal(const std::array<std::size_t, N>& shape, Generator& generator, double mean = 0.0,
                                double stddev = 1.0) {
  xt::xtensor<T, N> result(shape);
  for (T& value : result) value = static_cast<T>(mean + stddev * generator.normal());
  return result;
}

/// @ingroup core
/// @brief A tensor of independent values uniform in [low, high).
/// @param shape the shape of the result
/// @param generator the seeded source (advanced by one draw per value)
/// @param low the smallest possible value
/// @param high the bound the values stay below
/// @return a tensor of shape `shape`
/// @see https://pytorch.org/docs/stable/generated/torch.rand.html
template <class T, std::size_t N>
xt::xtensor<T, N> random_uniform(const std::array<std::size_t, N>& shape, Generator& generator, double low = 0.0,
                                 double high = 1.0) {
  xt::xtensor<T, N> result(shape);
  for (T& value : result) value = static_cast<T>(low + (high - low) * generator.uniform());
  return result;
}

}  // namespace resnet
