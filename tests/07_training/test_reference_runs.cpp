// The "where a correct implementation is after this epoch" bands of `resnet train`: given
// for the tutorial's recipe on the full data set only, and drawn from the reference run
// recorded in bench/results (so the bands and the record cannot drift apart).
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "resnet/train/reference_runs.hpp"
#include "test_paths.hpp"

using namespace resnet;

namespace {

// The test accuracy of each epoch in a metrics.jsonl file (one JSON object per line).
std::vector<double> test_accuracies(const std::string& path) {
  std::ifstream file(path);
  INFO("reading " << path);
  REQUIRE(file.good());
  std::vector<double> accuracies;
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) accuracies.push_back(nlohmann::json::parse(line).at("test_accuracy").get<double>());
  }
  return accuracies;
}

}  // namespace

TEST_CASE("the reference band is given for the tutorial's recipe on the full data only", "[ch07][reference]") {
  const TrainingOptions tutorial;
  CHECK(is_tutorial_recipe(tutorial));
  for (std::size_t epoch = 1; epoch <= 10; ++epoch) {
    const auto band = tutorial_reference_band(tutorial, 50000, 10000, epoch);
    REQUIRE(band.has_value());
    CHECK(band->low > 0.1);  // well above chance (10%)
    CHECK(band->low < band->high);
    CHECK(band->high < 1.0);
  }
  CHECK_FALSE(tutorial_reference_band(tutorial, 50000, 10000, 0));
  CHECK_FALSE(tutorial_reference_band(tutorial, 50000, 10000, 11));
  CHECK_FALSE(tutorial_reference_band(tutorial, 1000, 10000, 1));  // the committed sample
  CHECK_FALSE(tutorial_reference_band(tutorial, 50000, 500, 1));

  TrainingOptions other = tutorial;
  other.seed = 7;
  other.epochs = 3;
  other.run_directory = "elsewhere";
  CHECK(is_tutorial_recipe(other));  // none of these change what to expect
  other.augment = true;
  CHECK_FALSE(is_tutorial_recipe(other));
  CHECK_FALSE(tutorial_reference_band(other, 50000, 10000, 1));
  other = tutorial;
  other.stem = Stem::cifar;
  CHECK_FALSE(is_tutorial_recipe(other));
  other = tutorial;
  other.learning_rate = 1e-2;
  CHECK_FALSE(is_tutorial_recipe(other));
}

TEST_CASE("the reference bands are centred on the recorded reference run", "[ch07][reference]") {
  const std::string record =
      std::string(resnet::testing::paths::bench_results_directory) + "/training/tutorial-seed0/metrics.jsonl";
  const std::vector<double> accuracies = test_accuracies(record);
  REQUIRE(accuracies.size() == 10);
  const TrainingOptions tutorial;
  for (std::size_t epoch = 1; epoch <= accuracies.size(); ++epoch) {
    INFO("epoch " << epoch << ": the reference run reached " << accuracies[epoch - 1]);
    const auto band = tutorial_reference_band(tutorial, 50000, 10000, epoch);
    REQUIRE(band.has_value());
    // The band is the recorded accuracy (to 4 decimals) plus and minus the same margin.
    CHECK((band->low + band->high) / 2 == Approx(accuracies[epoch - 1]).margin(5e-5));
    CHECK(band->high - band->low == Approx(0.12).margin(1e-9));
  }
}
