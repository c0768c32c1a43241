/// @file
/// @brief Arrays to and from NumPy's `.npy` files, with every problem reported as a
///        DataError naming the file. Writing goes through xtensor's xnpy; reading has a
///        parser of its own, because xnpy's trusts the header (a hostile one makes it
///        allocate gigabytes, or report a huge shape for a one-element buffer).
#pragma once

#include <cstddef>
#include <string>

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup core
/// @brief Loads a rank-N array from a `.npy` file written by `numpy.save` or save_npy().
///
/// A float32 file can be read as double and a float64 file as float (the values are
/// converted); every other type must match exactly. Checked, before anything is allocated
/// from the header: the file exists and opens, its header is valid (version 1, 2 or 3, a
/// dict with exactly the keys 'descr', 'fortran_order' and 'shape', as numpy.load requires),
/// its rank is N, and it holds all the bytes its header promises.
/// Fortran-order files are read correctly (the values come back in row-major order).
/// @tparam T float, double, std::uint8_t or std::int64_t
/// @tparam N the expected rank, 1 to 4
/// @param path the file to read
/// @return the array, with the shape stored in the file (N axes)
/// @throws DataError naming the file and the problem
/// @see https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
template <class T, std::size_t N>
xt::xtensor<T, N> load_npy(const std::string& path);

/// @ingroup core
/// @brief Saves an array as a `.npy` file that `numpy.load` reads. The file is written to a
///        temporary name and renamed, so a crash never leaves a half-written file behind.
/// @param path where to write
/// @param array the values, any shape
/// @throws DataError when the file cannot be written
template <class T, std::size_t N>
void save_npy(const std::string& path, const xt::xtensor<T, N>& array);

}  // namespace resnet
