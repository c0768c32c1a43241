// The Dropout module: masks drawn from (seed, pass number), the op on the CPU, the device op
// on the GPU, and its summary row.
#include "resnet/nn/dropout.hpp"

#include <stdexcept>
#include <string>

#include "resnet/nn/cache_guard.hpp"
#include "resnet/nn/summary.hpp"

namespace resnet {

namespace {

// SplitMix64's mixer: a generator seed for pass k that differs in every bit from pass k + 1's.
std::uint64_t mix(std::uint64_t seed, std::uint64_t k) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (k + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

template <class T>
Dropout<T>::Dropout(double p_, Generator& generator) : p(p_), seed_(generator.next_u64()) {
  if (!(p >= 0.0 && p < 1.0)) {
    throw std::invalid_argument("Dropout: the probability of dropping must be in [0, 1), got " + std::to_string(p));
  }
  this->register_buffer("masks_drawn", masks_drawn);
}

template <class T>
Tensor<T, 2> Dropout<T>::forward(const Tensor<T, 2>& x) {
  identity_ = !this->is_training();
  if (identity_) return x;
  Generator generator(mix(seed_, static_cast<std::uint64_t>(masks_drawn.count++)));
  const xt::xtensor<std::uint8_t, 2> keep = dropout_mask(x.shape(), p, generator);
  if (x.device() == Device::cuda) {  // chapter 6
    cache_.reset();
    auto out = device::dropout_forward(x, keep, p);
    gpu_scaled_keep_ = std::move(out.scaled_keep);
    return std::move(out.y);
  }
  auto out = dropout_forward(x.host(), keep, p);
  cache_ = std::move(out.cache);
  return Tensor<T, 2>::from_host(std::move(out.y));
}

template <class T>
Tensor<T, 2> Dropout<T>::backward(const Tensor<T, 2>& dy) {
  if (identity_) return dy;
  if (dy.device() == Device::cuda) return device::dropout_backward(dy, forward_cache(gpu_scaled_keep_, "Dropout"));
  return Tensor<T, 2>::from_host(dropout_backward(dy.host(), forward_cache(cache_, "Dropout")));
}

template <class T>
std::vector<std::size_t> Dropout<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  summary.leaf("Dropout", input_shape, 0, 0);
  return input_shape;
}

template class Dropout<float>;
template class Dropout<double>;

}  // namespace resnet
