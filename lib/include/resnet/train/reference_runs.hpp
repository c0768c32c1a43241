/// @file
/// @brief Where a correct implementation is after each epoch of the tutorial's recipe:
///        test-accuracy bands measured from a reference run, so a student sees early
///        that something is off.
#pragma once

#include <cstddef>
#include <optional>

#include "resnet/train/trainer.hpp"

namespace resnet {

/// @ingroup ch07
/// @brief A range of test accuracy (fractions, 0-1) around what the reference run reached.
struct AccuracyBand {
  double low = 0.0;   ///< lowest accuracy a correct implementation is expected to reach
  double high = 1.0;  ///< highest
};

/// @ingroup ch07
/// @brief True when `options` are the tutorial's recipe (TrainingOptions' defaults), up to
///        the things that do not change what to expect: the seed, the number of epochs
///        (the schedule is constant) and the run folder.
/// @param options the run's options
bool is_tutorial_recipe(const TrainingOptions& options);

/// @ingroup ch07
/// @brief The band of test accuracy after `epoch` (from 1) of the tutorial's recipe on the
///        full CIFAR-10 set, or nothing when the run is another recipe, trains or tests on
///        fewer images than the full set, or has gone past the epochs measured.
///
/// The bands come from the reference run recorded in bench/results/training.md.
/// @param options         the run's options
/// @param training_images images the run trains on (the full set has 50,000)
/// @param test_images     images it tests on (the full set has 10,000)
/// @param epoch           the epoch just finished, from 1
/// @return the band, or nothing when no reference applies
std::optional<AccuracyBand> tutorial_reference_band(const TrainingOptions& options, std::size_t training_images,
                                                    std::size_t test_images, std::size_t epoch);

}  // namespace resnet
