// Chapter 7, task 7.8: the training step (see chapters/07_training/README.md).
#include "resnet/exercise.hpp"
#include "resnet/train/batch_loss.hpp"
#include "resnet/train/training_step.hpp"

namespace resnet {

std::vector<std::size_t> predicted_classes(const xt::xtensor<float, 2>& logits) {  // (B, classes)
  // BEGIN SOLUTION 7.8 predicted_classes: for each row of logits (B, classes), the index of its largest value, the first one on a tie
  const std::size_t B = logits.shape()[0], classes = logits.shape()[1];
  std::vector<std::size_t> predicted(B, 0);
  for (std::size_t n = 0; n < B; ++n) {
    for (std::size_t k = 1; k < classes; ++k) {
      if (logits(n, k) > logits(n, predicted[n])) predicted[n] = k;
    }
  }
  return predicted;
  // END SOLUTION
}

StepResult train_step(Classifier<float>& model, Optimizer<float>& optimizer, const Batch& batch) {
  // BEGIN SOLUTION 7.8 train_step: one optimizer step on the gradient of `batch`'s mean cross-entropy alone; return that loss, the correct predictions and the image count, all from before the update
  optimizer.zero_grad();                                        // else the gradients of every earlier step add up
  const Tensor<float, 2> logits = model.forward(batch.images);  // (B, classes)
  const BatchLoss loss = cross_entropy_and_gradient_of_batch(logits, batch.labels);
  model.backward(loss.dlogits);  // every parameter's grad += dL/dw
  optimizer.step();
  StepResult result;
  result.loss = static_cast<double>(loss.loss);
  result.images = batch.labels.size();
  const std::vector<std::size_t> predicted = predicted_classes(loss.logits);
  for (std::size_t n = 0; n < result.images; ++n)
    result.correct += predicted[n] == static_cast<std::size_t>(batch.labels(n));
  return result;
  // END SOLUTION
}

}  // namespace resnet
