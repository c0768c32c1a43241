// The data loader, the machinery around tasks 7.4-7.7 (hence the tag [7.7]): every image
// once per epoch, reproducible order and augmentation, the background thread.
#include <algorithm>
#include <set>

#include <catch2/catch.hpp>
#include <xtensor/xview.hpp>

#include "resnet/data/loader.hpp"
#include "support/all_close.hpp"
#include "support/tolerances.hpp"
#include "test_paths.hpp"

using namespace resnet;
using resnet::testing::AllClose;
namespace tolerance = resnet::testing::tolerance;

namespace {

const Cifar10Data& sample() {
  static const Cifar10Data data = load_cifar10(
      std::string(resnet::testing::paths::data_directory) + "/cifar10-sample/cifar-10-batches-bin", Split::train);
  return data;
}

// Every batch of one epoch.
std::vector<Batch> epoch(DataLoader& loader, std::size_t number) {
  loader.start_epoch(number);
  std::vector<Batch> batches;
  while (auto batch = loader.next()) batches.push_back(std::move(*batch));
  return batches;
}

// An image's identity: its label and the sum of its normalised values.
std::multiset<std::pair<std::int64_t, long>> fingerprints(const std::vector<Batch>& batches) {
  std::multiset<std::pair<std::int64_t, long>> result;
  for (const Batch& batch : batches) {
    for (std::size_t i = 0; i < batch.labels.size(); ++i) {
      const double sum = xt::sum(xt::view(batch.images.host(), i))();
      result.emplace(batch.labels(i), std::lround(sum * 100));
    }
  }
  return result;
}

}  // namespace

TEST_CASE("an epoch holds every image once, in batches of the asked size", "[ch07][loader][7.7]") {
  LoaderSettings settings;
  settings.batch_size = 128;
  DataLoader loader(sample(), settings);
  const auto batches = epoch(loader, 0);
  REQUIRE(sample().labels.size() == 1000);
  CHECK(loader.batches_per_epoch() == 8);
  REQUIRE(batches.size() == 8);
  CHECK(batches[0].images.shape() == std::array<std::size_t, 4>{128, 3, 32, 32});
  CHECK(batches[7].labels.size() == 1000 - 7 * 128);  // the last, partial batch is kept
  LoaderSettings in_order = settings;
  in_order.shuffle = false;
  DataLoader unshuffled(sample(), in_order);
  CHECK(fingerprints(batches) == fingerprints(epoch(unshuffled, 0)));  // the same images, shuffled

  settings.drop_last = true;
  DataLoader dropping(sample(), settings);
  CHECK(dropping.batches_per_epoch() == 7);
  CHECK(dropping.images_per_epoch() == 7 * 128);
  CHECK(epoch(dropping, 0).back().labels.size() == 128);
}

TEST_CASE("the order depends on the seed and the epoch only", "[ch07][loader][7.7]") {
  LoaderSettings settings;
  settings.batch_size = 100;
  DataLoader a(sample(), settings), b(sample(), settings);
  epoch(a, 0);  // what ran before must not matter: b starts directly at epoch 1
  const auto a1 = epoch(a, 1), b1 = epoch(b, 1);
  INFO(
      "epoch 1's order must depend only on the seed and the epoch number, not on the epochs run before (a ran "
      "epoch 0 first, b did not): resuming a run at epoch k must see the batches the uninterrupted run saw");
  CHECK((a1[0].labels == b1[0].labels));
  const auto a2 = epoch(a, 2);
  INFO("another epoch, or another seed, must give another order; without shuffling the order is the storage order");
  CHECK((a2[0].labels != a1[0].labels));
  settings.seed = 1;
  DataLoader c(sample(), settings);
  CHECK((epoch(c, 1)[0].labels != a1[0].labels));
  settings.shuffle = false;
  DataLoader in_order(sample(), settings);
  const auto first = epoch(in_order, 3)[0];
  CHECK(first.labels(0) == sample().labels(0));
  CHECK(first.labels(99) == sample().labels(99));
}

TEST_CASE("the background thread gives exactly the batches the caller's thread would", "[ch07][loader][7.7]") {
  LoaderSettings settings;
  settings.batch_size = 64;
  settings.augment = true;
  settings.seed = 5;
  DataLoader background(sample(), settings);
  settings.background = false;
  DataLoader foreground(sample(), settings);
  const auto x = epoch(background, 2), y = epoch(foreground, 2);
  REQUIRE(x.size() == y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    CHECK((x[i].labels == y[i].labels));
    CHECK_THAT(x[i].images.host(),
               AllClose(xt::xtensor<double, 4>(xt::cast<double>(y[i].images.host())), tolerance::exact));
  }
  // Stopping in the middle of an epoch and starting another is fine too.
  background.start_epoch(0);
  background.next();
  CHECK(epoch(background, 1).size() == x.size());
}

TEST_CASE("augmentation changes images but never labels", "[ch07][loader][7.7]") {
  LoaderSettings settings;
  settings.batch_size = 1000;
  settings.shuffle = false;
  DataLoader plain(sample(), settings);
  settings.augment = true;
  DataLoader augmented(sample(), settings);
  const Batch a = *plain.next(), b = *augmented.next();
  INFO("augmentation crops and flips images; it must never change or reorder their labels");
  CHECK((a.labels == b.labels));
  std::size_t changed = 0;
  for (std::size_t i = 0; i < 1000; ++i) changed += xt::view(a.images.host(), i) != xt::view(b.images.host(), i);
  // 1 in 81 crops is (0, 0) and half of those are not flipped: about 994 of 1000 change.
  INFO(changed << " of 1,000 images changed: only a shift of (0, 0) without a flip (1 in 162) leaves an image as it "
                  "was, so about 994 should change; far fewer means augmentation is skipped for some images");
  CHECK(changed > 950);
}

TEST_CASE("loader settings that make no batches are refused", "[ch07][loader][errors]") {
  LoaderSettings settings;
  settings.batch_size = 0;
  CHECK_THROWS_AS(DataLoader(sample(), settings), std::invalid_argument);
  settings.batch_size = 2000;
  settings.drop_last = true;
  CHECK_THROWS_WITH(DataLoader(sample(), settings), Catch::Contains("make no full batch"));
}
