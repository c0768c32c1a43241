#include "resnet/error.hpp"
#include "resnet/ops/cross_entropy.hpp"
#include "resnet/shape.hpp"

namespace resnet {

void check_class_labels(const xt::xtensor<std::int64_t, 1>& labels, std::size_t batch, std::size_t classes,
                        const std::string& what) {
  if (labels.size() != batch || batch == 0) {
    throw ShapeError(what + ": " + std::to_string(batch) + " rows of logits and labels " +
                     format_shape(labels.shape()) + " must describe the same non-empty batch");
  }
  for (std::size_t n = 0; n < batch; ++n) {
    if (labels(n) < 0 || static_cast<std::size_t>(labels(n)) >= classes) {
      throw ShapeError(what + ": label " + std::to_string(labels(n)) + " of example " + std::to_string(n) +
                       " is not a class of " + std::to_string(classes));
    }
  }
}

}  // namespace resnet
