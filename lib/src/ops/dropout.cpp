// Inverted dropout for a given mask (resnet/ops/dropout.hpp).
#include "resnet/ops/dropout.hpp"

#include <stdexcept>
#include <string>

#include "resnet/error.hpp"
#include "resnet/shape.hpp"

namespace resnet {

namespace {

void require_probability(double p) {
  if (!(p >= 0.0 && p < 1.0)) {
    throw std::invalid_argument("dropout: the probability of dropping must be in [0, 1), got " + std::to_string(p));
  }
}

}  // namespace

template <std::size_t N>
xt::xtensor<std::uint8_t, N> dropout_mask(const std::array<std::size_t, N>& shape, double p, Generator& generator) {
  require_probability(p);
  xt::xtensor<std::uint8_t, N> keep = xt::xtensor<std::uint8_t, N>::from_shape(shape);
  for (auto& value : keep) value = generator.uniform() >= p ? 1 : 0;
  return keep;
}

template <class T, std::size_t N>
DropoutOutput<T, N> dropout_forward(const xt::xtensor<T, N>& x, const xt::xtensor<std::uint8_t, N>& keep, double p) {
  require_probability(p);
  require_shape("dropout_forward", "keep", keep.shape(), x.shape());
  const T scale = static_cast<T>(1.0 / (1.0 - p));
  DropoutOutput<T, N> out{xt::xtensor<T, N>::from_shape(x.shape()), {keep, scale}};
  for (std::size_t i = 0; i < x.size(); ++i) out.y.data()[i] = keep.data()[i] ? x.data()[i] * scale : T(0);
  return out;
}

template <class T, std::size_t N>
xt::xtensor<T, N> dropout_backward(const xt::xtensor<T, N>& dy, const DropoutCache<T, N>& cache) {
  require_shape("dropout_backward", "dy", dy.shape(), cache.keep.shape());
  xt::xtensor<T, N> dx = xt::xtensor<T, N>::from_shape(dy.shape());
  for (std::size_t i = 0; i < dy.size(); ++i) dx.data()[i] = cache.keep.data()[i] ? dy.data()[i] * cache.scale : T(0);
  return dx;
}

template xt::xtensor<std::uint8_t, 2> dropout_mask(const std::array<std::size_t, 2>&, double, Generator&);
template xt::xtensor<std::uint8_t, 4> dropout_mask(const std::array<std::size_t, 4>&, double, Generator&);
template DropoutOutput<float, 2> dropout_forward(const xt::xtensor<float, 2>&, const xt::xtensor<std::uint8_t, 2>&,
                                                 double);
template DropoutOutput<double, 2> dropout_forward(const xt::xtensor<double, 2>&, const xt::xtensor<std::uint8_t, 2>&,
                                                  double);
template xt::xtensor<float, 2> dropout_backward(const xt::xtensor<float, 2>&, const DropoutCache<float, 2>&);
template xt::xtensor<double, 2> dropout_backward(const xt::xtensor<double, 2>&, const DropoutCache<double, 2>&);

}  // namespace resnet
