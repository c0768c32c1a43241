// Test-accuracy bands for the tutorial's recipe, from the reference run recorded in
// bench/results/training.md (its metrics in bench/results/training/tutorial-seed0/).
#include "resnet/train/reference_runs.hpp"

#include <array>

namespace resnet {

namespace {

constexpr std::size_t kFullTrainingSet = 50000;
constexpr std::size_t kFullTestSet = 10000;

// Test accuracy after each epoch (index 0 = epoch 1) of the reference run, widened on
// each side by kBandMargin. The margin is chosen, not measured: there is one reference
// run, so the spread between seeds and machines is unknown; the run itself moves by up to
// 4 points between consecutive epochs after epoch 2. A second seed's run would replace
// this guess. A test checks these numbers against the run's committed metrics.jsonl.
constexpr std::array<double, 10> kReferenceAccuracy = {0.5616, 0.6618, 0.6928, 0.7089, 0.7047,
                                                       0.7250, 0.7063, 0.7456, 0.7321, 0.7413};
constexpr double kBandMargin = 0.06;

}  // namespace

bool is_tutorial_recipe(const TrainingOptions& options) {
  const TrainingOptions tutorial;
  return options.model == tutorial.model && options.stem == tutorial.stem &&
         options.batch_size == tutorial.batch_size && options.drop_last == tutorial.drop_last &&
         options.optimizer == tutorial.optimizer && options.learning_rate == tutorial.learning_rate &&
         options.weight_decay == tutorial.weight_decay && options.schedule == tutorial.schedule &&
         options.normalization == tutorial.normalization && options.augment == tutorial.augment;
}

std::optional<AccuracyBand> tutorial_reference_band(const TrainingOptions& options, std::size_t training_images,
                                                    std::size_t test_images, std::size_t epoch) {
  if (!is_tutorial_recipe(options) || training_images != kFullTrainingSet || test_images != kFullTestSet ||
      epoch == 0 || epoch > kReferenceAccuracy.size()) {
    return std::nullopt;
  }
  const double reached = kReferenceAccuracy[epoch - 1];
  return AccuracyBand{reached - kBandMargin, reached + kBandMargin};
}

}  // namespace resnet
