// Printing an evaluation: accuracy, per-class accuracy, confusion matrix.
#pragma once

#include <string>

#include "resnet/train/trainer.hpp"

namespace resnet::cli {

/// Prints the accuracy, the accuracy of each class and the confusion matrix (rows: true
/// class, columns: predicted class), under `title`.
void print_report(const Evaluation& evaluation, const std::string& title);

}  // namespace resnet::cli
