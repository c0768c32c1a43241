#include "resnet/train/evaluation.hpp"

#include <limits>

namespace resnet {

std::vector<double> Evaluation::class_accuracy() const {
  std::vector<double> result;
  for (std::size_t k = 0; k < confusion.size(); ++k) {
    std::size_t total = 0;
    for (std::size_t count : confusion[k]) total += count;
    result.push_back(total == 0 ? std::numeric_limits<double>::quiet_NaN()
                                : static_cast<double>(confusion[k][k]) / static_cast<double>(total));
  }
  return result;
}

}  // namespace resnet
