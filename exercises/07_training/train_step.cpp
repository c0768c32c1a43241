// EXERCISE FILE, generated from solutions/07_training/train_step.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 7, task 7.8: the training step (see chapters/07_training/README.md).
#include "resnet/exercise.hpp"
#include "resnet/train/batch_loss.hpp"
#include "resnet/train/training_step.hpp"

namespace resnet {

std::vector<std::size_t> predicted_classes(const xt::xtensor<float, 2>& logits) {  // (B, classes)
  // BEGIN EXERCISE 7.8: replace the next line with your code (./course hint 7.8)
  todo("7.8", "predicted_classes: for each row of logits (B, classes), the index of its largest value, the first one on a tie");
  // END EXERCISE 7.8
}

StepResult train_step(Classifier<float>& model, Optimizer<float>& optimizer, const Batch& batch) {
  // BEGIN EXERCISE 7.8: replace the next line with your code (./course hint 7.8)
  todo("7.8", "train_step: one optimizer step on the gradient of `batch`'s mean cross-entropy alone; return that loss, the correct predictions and the image count, all from before the update");
  // END EXERCISE 7.8
}

}  // namespace resnet
