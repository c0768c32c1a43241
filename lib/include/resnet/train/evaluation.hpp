/// @file
/// @brief Chapter 7, task 7.10: how a model does on a data set, the tutorial's test loop.
#pragma once

#include <cstddef>
#include <vector>

#include "resnet/data/batches.hpp"
#include "resnet/nn/module.hpp"

namespace resnet {

/// @ingroup ch07
/// @brief How a model does on a data set.
struct Evaluation {
  double loss = 0.0;                                ///< mean cross-entropy over every image
  double accuracy = 0.0;                            ///< fraction right, 0-1
  std::vector<std::vector<std::size_t>> confusion;  ///< [true class][predicted class] counts
  /// @brief Accuracy of each true class (0-1; NaN for a class with no images).
  std::vector<double> class_accuracy() const;
};

/// @ingroup ch07
/// @brief Task 7.10: loss, accuracy and confusion matrix of `model` on `data`, in
///        evaluation mode, in batches of `batch_size`, the images in their order, normalised
///        as in training and never augmented; the model is left in the mode it was in.
///
/// The loss is the mean cross-entropy over all N images,
/// \f$ -\frac{1}{N} \sum_n \log \operatorname{softmax}(z_n)_{y_n} \f$. The batches go to the device
/// the model lives on (chapter 6: after `model.to(Device::cuda)`).
/// @param model images (B, 3, 32, 32) to logits (B, classes)
/// @param data images (N, 3, 32, 32) and labels (N)
/// @param normalization as in training
/// @param batch_size images per forward pass
/// @see the tutorial's `model.eval()` and `with torch.no_grad():` test loop
Evaluation evaluate(Classifier<float>& model, const Cifar10Data& data, Normalization normalization,
                    std::size_t batch_size = 256);

}  // namespace resnet
