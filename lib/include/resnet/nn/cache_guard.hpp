/// @file
/// @brief A clear error for a backward pass without a forward pass.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace resnet {

/// @ingroup ch03
/// @brief The cache of the last forward pass, or std::logic_error("<layer>.backward called
///        before forward") when there was none.
template <class Cache>
const Cache& forward_cache(const std::optional<Cache>& cache, const char* layer) {
  if (!cache) {
    throw std::logic_error(std::string(layer) +
                           ".backward called before forward: there is no "
                           "forward pass to go back through");
  }
  return *cache;
}

}  // namespace resnet
