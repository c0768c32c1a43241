// The files of a training run besides its checkpoints: metrics.jsonl and the two curves.
// An internal header of lib/src/train.
#pragma once

#include <string>
#include <vector>

#include "resnet/train/trainer.hpp"

namespace resnet {

// metrics.jsonl: one JSON object per epoch.
std::string metrics_lines(const std::vector<EpochMetrics>& history);
// The epochs of a metrics.jsonl file (none when it does not exist).
std::vector<EpochMetrics> read_metrics(const std::string& path);
// loss.svg and accuracy.svg in `directory`: training and test curves per epoch.
void write_curves(const std::string& directory, const std::vector<EpochMetrics>& history, const std::string& title);

}  // namespace resnet
