#include "run_files.hpp"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "resnet/viz/plot.hpp"

namespace resnet {

namespace {

nlohmann::json to_json(const EpochMetrics& m) {
  return {{"epoch", m.epoch},
          {"train_loss", m.train_loss},
          {"train_accuracy", m.train_accuracy},
          {"test_loss", m.test_loss},
          {"test_accuracy", m.test_accuracy},
          {"learning_rate", m.learning_rate},
          {"seconds", m.seconds},
          {"images_per_second", m.images_per_second}};
}

EpochMetrics from_json(const nlohmann::json& j) {
  EpochMetrics m;
  m.epoch = j.at("epoch");
  m.train_loss = j.at("train_loss");
  m.train_accuracy = j.at("train_accuracy");
  m.test_loss = j.at("test_loss");
  m.test_accuracy = j.at("test_accuracy");
  m.learning_rate = j.at("learning_rate");
  m.seconds = j.at("seconds");
  m.images_per_second = j.at("images_per_second");
  return m;
}

}  // namespace

std::string metrics_lines(const std::vector<EpochMetrics>& history) {
  std::string lines;
  for (const EpochMetrics& m : history) lines += to_json(m).dump() + "\n";
  return lines;
}

std::vector<EpochMetrics> read_metrics(const std::string& path) {
  std::vector<EpochMetrics> history;
  std::ifstream metrics(path);
  for (std::string line; std::getline(metrics, line);) {
    if (!line.empty()) history.push_back(from_json(nlohmann::json::parse(line)));
  }
  return history;
}

void write_curves(const std::string& directory, const std::vector<EpochMetrics>& history, const std::string& title) {
  PlotSeries train_loss{"train", {}, {}}, test_loss{"test", {}, {}}, train_accuracy{"train", {}, {}},
      test_accuracy{"test", {}, {}};
  for (const EpochMetrics& m : history) {
    const double x = static_cast<double>(m.epoch);
    for (PlotSeries* series : {&train_loss, &test_loss, &train_accuracy, &test_accuracy}) series->x.push_back(x);
    train_loss.y.push_back(m.train_loss);
    test_loss.y.push_back(m.test_loss);
    train_accuracy.y.push_back(100.0 * m.train_accuracy);
    test_accuracy.y.push_back(100.0 * m.test_accuracy);
  }
  PlotSettings plot;
  plot.x_label = "epoch";
  plot.title = "Loss: " + title;
  plot.y_label = "cross-entropy";
  write_line_plot((std::filesystem::path(directory) / "loss.svg").string(), {train_loss, test_loss}, plot);
  plot.title = "Accuracy: " + title;
  plot.y_label = "accuracy (%)";
  write_line_plot((std::filesystem::path(directory) / "accuracy.svg").string(), {train_accuracy, test_accuracy}, plot);
}

}  // namespace resnet
