/// @file
/// @brief Task 3.4: Sequential, layers applied one after another.
#pragma once

#include <memory>
#include <vector>

#include "resnet/nn/module.hpp"

namespace resnet {

/// @ingroup ch03
/// @brief `torch.nn.Sequential` of image layers: forward runs them in order, backward in the
///        reverse order. Children are named "0", "1", ... as in PyTorch, so the first
///        layer's weight is "0.weight".
/// @see https://pytorch.org/docs/stable/generated/torch.nn.Sequential.html
template <class T>
class Sequential : public ImageLayer<T> {
 public:
  /// @brief Adds a layer at the end (registered under its position).
  /// @tparam L the layer's type, an ImageLayer
  /// @param layer the layer; the Sequential owns it from now on
  /// @return the layer, for the caller's convenience
  template <class L>
  L& append(std::unique_ptr<L> layer) {
    L& reference = *layer;
    this->register_module(std::to_string(layers_.size()), reference);
    layers_.push_back(std::move(layer));
    return reference;
  }
  /// @brief The number of layers.
  std::size_t size() const { return layers_.size(); }
  /// @brief Layer i.
  /// @throws std::out_of_range when i >= size()
  ImageLayer<T>& operator[](std::size_t i) { return *layers_.at(i); }

  /// @brief Each layer's forward pass on the previous one's output.
  /// @param x (N, C, H, W), the first layer's input
  /// @return the last layer's output, (N, K, P, Q)
  Tensor<T, 4> forward(const Tensor<T, 4>& x) override;
  /// @brief Each layer's backward pass, last layer first.
  /// @param dy (N, K, P, Q), the gradient of the last layer's output
  /// @return dx (N, C, H, W), the gradient of the first layer's input
  Tensor<T, 4> backward(const Tensor<T, 4>& dy) override;
  /// @brief Adds this module's rows to a model summary; returns its output shape.
  std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const override;

 private:
  std::vector<std::unique_ptr<ImageLayer<T>>> layers_;
};

}  // namespace resnet
