// The Flatten module: (N, C, H, W) to (N, C H W) and back, on whichever device x lives, and
// its summary row.
#include "resnet/nn/flatten.hpp"

#include "resnet/nn/cache_guard.hpp"
#include "resnet/nn/summary.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
Tensor<T, 2> Flatten<T>::forward(const Tensor<T, 4>& x) {
  input_shape_ = x.shape();
  return x.reshaped(std::array<std::size_t, 2>{x.dim(0), x.dim(1) * x.dim(2) * x.dim(3)});  // on x's device
}

template <class T>
Tensor<T, 4> Flatten<T>::backward(const Tensor<T, 2>& dy) {
  const auto& shape = forward_cache(input_shape_, "Flatten");
  require_shape("Flatten.backward", "dy", dy.shape(),
                std::array<std::size_t, 2>{shape[0], shape[1] * shape[2] * shape[3]});
  return dy.reshaped(shape);
}

template <class T>
std::vector<std::size_t> Flatten<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  const auto x = image_shape_for_summary("Flatten.summarize", input_shape);
  const std::vector<std::size_t> output{x[0], x[1] * x[2] * x[3]};
  summary.leaf("Flatten", output, 0, 0);
  return output;
}

template class Flatten<float>;
template class Flatten<double>;

}  // namespace resnet
