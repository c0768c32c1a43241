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
  // BEGIN SOLUTION 7.10 evaluate: fill result: mean loss, accuracy and confusion[true][predicted] (classes x classes, the logits' width) over every image of `data`, in evaluation mode, the model left in the mode it was in
  const bool was_training = model.is_training();
  model.eval();  // batch norm uses its running statistics and updates nothing
  LoaderSettings settings;
  settings.batch_size = batch_size;
  settings.shuffle = false;  // and no augmentation: the test images as they are
  settings.normalization = normalization;
  DataLoader loader(data, settings);
  const Device device = model.device();
  double loss_sum = 0.0;
  std::size_t correct = 0, seen = 0;
  while (std::optional<Batch> batch = loader.next()) {
    const Tensor<float, 2> logits = model.forward(device == Device::cpu ? batch->images : batch->images.to(device));
    const BatchLoss loss = cross_entropy_of_batch(logits, batch->labels);
    const std::size_t n = batch->labels.size(), classes = loss.logits.shape()[1];
    if (result.confusion.empty()) result.confusion.assign(classes, std::vector<std::size_t>(classes, 0));
    loss_sum += static_cast<double>(loss.loss) * static_cast<double>(n);
    const std::vector<std::size_t> predicted = predicted_classes(loss.logits);
    for (std::size_t i = 0; i < n; ++i) {
      const auto truth = static_cast<std::size_t>(batch->labels(i));
      ++result.confusion.at(truth).at(predicted[i]);
      correct += predicted[i] == truth;
    }
    seen += n;
  }
  model.train(was_training);
  result.loss = loss_sum / static_cast<double>(seen);
  result.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
  // END SOLUTION
  return result;
}

}  // namespace resnet
