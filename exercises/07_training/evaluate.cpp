// EXERCISE FILE, generated from solutions/07_training/evaluate.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 7, task 7.10: evaluation (see chapters/07_training/README.md).
#include "resnet/data/loader.hpp"
#include "resnet/exercise.hpp"
#include "resnet/train/batch_loss.hpp"
#include "resnet/train/evaluation.hpp"
#include "resnet/train/training_step.hpp"

namespace resnet {

Evaluation evaluate(Classifier<float>& model, const Cifar10Data& data, Normalization normalization,
                    std::size_t batch_size) {
  Evaluation result;
  // BEGIN EXERCISE 7.10: replace the next line with your code (./course hint 7.10)
  todo("7.10", "evaluate: fill result: mean loss, accuracy and confusion[true][predicted] (classes x classes, the logits' width) over every image of `data`, in evaluation mode, the model left in the mode it was in");
  // END EXERCISE 7.10
  return result;
}

}  // namespace resnet
