// Sequential's summary rows. (Its forward and backward passes are task 3.4:
// solutions/03_batchnorm/sequential.cpp.)
#include "resnet/nn/sequential.hpp"

#include "resnet/nn/summary.hpp"

namespace resnet {

template <class T>
std::vector<std::size_t> Sequential<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  summary.begin("Sequential");
  std::vector<std::size_t> shape = input_shape;
  for (std::size_t i = 0; i < layers_.size(); ++i) shape = summary.child(std::to_string(i), *layers_[i], shape);
  summary.end(shape);
  return shape;
}

template std::vector<std::size_t> Sequential<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Sequential<double>::summarize(const std::vector<std::size_t>&, Summary&) const;

}  // namespace resnet
