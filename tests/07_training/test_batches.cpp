// Tasks 7.4-7.7: the epoch's order, normalisation, augmentation and the batch, each with the
// classic mistake planted in a copy to show that the checks catch it.
#include <algorithm>
#include <numeric>

#include <catch2/catch.hpp>
#include <xtensor/xview.hpp>

#include "resnet/data/batches.hpp"
#include "resnet/error.hpp"
#include "training_checks.hpp"

using namespace resnet;
using namespace resnet::testing;

namespace {

// Planted bug: the naive shuffle, which swaps every position with any of the n positions.
std::vector<std::size_t> naive_shuffle(std::size_t count, bool shuffle, Generator& generator) {
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t i = 0; shuffle && i < count; ++i) std::swap(order[i], order[generator.below(count)]);
  return order;
}

// Planted bug: the images follow the order, the labels stay in storage order.
Batch batch_with_labels_left_behind(const Cifar10Data& data, const std::vector<std::size_t>& order, std::size_t index,
                                    const LoaderSettings& settings, Generator& generator) {
  Batch batch = make_batch(data, order, index, settings, generator);
  for (std::size_t i = 0; i < batch.labels.size(); ++i) batch.labels(i) = data.labels(index * settings.batch_size + i);
  return batch;
}

// Planted bug: every batch augmented, whatever the settings say.
Batch batch_always_augmented(const Cifar10Data& data, const std::vector<std::size_t>& order, std::size_t index,
                             const LoaderSettings& settings, Generator& generator) {
  LoaderSettings augmenting = settings;
  augmenting.augment = true;
  return make_batch(data, order, index, augmenting, generator);
}

// Planted bug: the last, smaller batch left out (full batches only).
Batch batch_without_the_rest(const Cifar10Data& data, const std::vector<std::size_t>& order, std::size_t index,
                             const LoaderSettings& settings, Generator& generator) {
  std::vector<std::size_t> full(
      order.begin(), order.begin() + static_cast<long>(order.size() / settings.batch_size * settings.batch_size));
  return make_batch(data, full, std::min(index, full.size() / settings.batch_size - 1), settings, generator);
}

xt::xtensor<std::uint8_t, 3> ramp_image() {
  xt::xtensor<std::uint8_t, 3> image = xt::xtensor<std::uint8_t, 3>::from_shape({3, 32, 32});
  for (std::size_t i = 0; i < image.size(); ++i) image.data()[i] = static_cast<std::uint8_t>(1 + i % 250);
  return image;
}

}  // namespace

TEST_CASE("the epoch's order is a permutation drawn from the generator, the identity without shuffle",
          "[ch07][batches][7.4]") {
  const std::string problem = check_epoch_order(epoch_order);
  INFO(problem);
  CHECK(problem.empty());
}

TEST_CASE("the shuffle makes every order equally likely", "[ch07][batches][property][7.4]") {
  const std::string problem = check_shuffle_is_uniform(epoch_order);
  INFO(problem);
  CHECK(problem.empty());
}

TEST_CASE("planted bug: the naive shuffle is caught as biased", "[ch07][batches][planted]") {
  CHECK(check_epoch_order(naive_shuffle).empty());  // a permutation from the generator...
  CHECK_THAT(check_shuffle_is_uniform(naive_shuffle), Catch::Contains("the shuffle is biased"));  // ...but not uniform
}

TEST_CASE("normalisation maps pixels as torchvision's ToTensor and Normalize do", "[ch07][batches][hand][7.5]") {
  xt::xtensor<std::uint8_t, 4> pixels = xt::zeros<std::uint8_t>({2, 3, 1, 2});
  xt::view(pixels, xt::all(), xt::all(), 0, 1) = 255;
  pixels(1, 1, 0, 0) = 51;  // 0.2 on the 0-1 scale
  const auto half = normalize_images(pixels, Normalization::mean_half_std_half);
  INFO("(x / 255 - 0.5) / 0.5: black is -1, white is 1, 51 is (0.2 - 0.5) / 0.5 = -0.6");
  CHECK(half(0, 0, 0, 0) == -1.0f);
  CHECK(half(0, 2, 0, 1) == 1.0f);
  CHECK(half(1, 1, 0, 0) == Approx(-0.6f));
  const auto cifar = normalize_images(pixels, Normalization::cifar10);
  INFO("per channel c: (x / 255 - mean_c) / std_c with channel_statistics(Normalization::cifar10)");
  CHECK(cifar(0, 0, 0, 0) == Approx(-0.4914 / 0.2470));
  CHECK(cifar(1, 1, 0, 0) == Approx((0.2 - 0.4822) / 0.2435));
  CHECK(cifar(0, 2, 0, 1) == Approx((1 - 0.4465) / 0.2616));
  CHECK(cifar(1, 2, 0, 1) == Approx((1 - 0.4465) / 0.2616));
}

TEST_CASE("the names of the normalisations, and images that are not RGB", "[ch07][batches][errors]") {
  CHECK(normalization_from_string("cifar10") == Normalization::cifar10);
  CHECK(to_string(Normalization::mean_half_std_half) == "half");
  CHECK_THROWS_WITH(normalization_from_string("imagenet"), Catch::Contains("half or cifar10"));
  const xt::xtensor<std::uint8_t, 4> grey = xt::zeros<std::uint8_t>({1, 1, 4, 4});
  CHECK_THROWS_WITH(normalize_images(grey, Normalization::mean_half_std_half),
                    Catch::Contains("RGB images (N, 3, H, W)"));
}

TEST_CASE("random crop shifts the image inside black padding and flip mirrors it", "[ch07][batches][hand][7.6]") {
  const xt::xtensor<std::uint8_t, 3> image = ramp_image();
  INFO("a shift of 0 without flip is the image itself; flipping twice gives it back");
  CHECK((crop_and_flip(image, {0, 0, false}) == image));
  CHECK((crop_and_flip(crop_and_flip(image, {0, 0, true}), {0, 0, true}) == image));
  const auto shifted = crop_and_flip(image, {2, -3, false});
  INFO("dy = 2, dx = -3: pixel (y, x) of the result is pixel (y + 2, x - 3) of the image, 0 outside it");
  CHECK(shifted(1, 0, 3) == image(1, 2, 0));
  CHECK(shifted(1, 29, 31) == image(1, 31, 28));
  CHECK(shifted(0, 30, 10) == 0);  // below the image: padding
  CHECK(shifted(0, 10, 2) == 0);   // left of it
  const auto flipped = crop_and_flip(image, {0, 0, true});
  INFO("flip: column x of the result is column 31 - x");
  CHECK(flipped(2, 5, 0) == image(2, 5, 31));
  const auto both = crop_and_flip(image, {-4, 4, true});
  INFO(
      "crop first, then flip, as torchvision's RandomCrop then RandomHorizontalFlip: result (y, x) = image (y - 4, 31 "
      "- x + 4)");
  CHECK(both(0, 4, 31) == image(0, 0, 4));
  CHECK(both(0, 10, 0) == 0);  // column 31 of the crop came from x = 35: padding
}

TEST_CASE("random crops and flips are drawn evenly from the generator", "[ch07][batches][property][7.6]") {
  Generator generator(17), again(17);
  std::vector<std::size_t> shifts_y(9, 0), shifts_x(9, 0);
  std::size_t flips = 0, out_of_range = 0, different_from_same_state = 0;
  const std::size_t draws = 9000;
  for (std::size_t i = 0; i < draws; ++i) {
    const CropAndFlip crop = random_crop_and_flip(generator);
    const CropAndFlip same = random_crop_and_flip(again);
    different_from_same_state += crop.dy != same.dy || crop.dx != same.dx || crop.flip != same.flip;
    if (crop.dy < -4 || crop.dy > 4 || crop.dx < -4 || crop.dx > 4) {
      ++out_of_range;
      continue;
    }
    ++shifts_y[static_cast<std::size_t>(crop.dy + 4)];
    ++shifts_x[static_cast<std::size_t>(crop.dx + 4)];
    flips += crop.flip;
  }
  INFO("two generators in the same state must give the same crops (draw only from the generator passed in)");
  CHECK(different_from_same_state == 0);
  INFO("dy and dx must lie in -4..4 (a 32x32 window inside 4 pixels of padding)");
  REQUIRE(out_of_range == 0);
  // 1,000 expected per shift; a fair draw stays within +-150 (4.7 standard deviations).
  for (std::size_t k = 0; k < 9; ++k) {
    INFO("each shift from -4 to 4 should come up about 1,000 times in 9,000 draws; shift "
         << static_cast<int>(k) - 4 << " came up " << shifts_y[k] << " times vertically and " << shifts_x[k]
         << " horizontally");
    CHECK(shifts_y[k] > 850);
    CHECK(shifts_y[k] < 1150);
    CHECK(shifts_x[k] > 850);
    CHECK(shifts_x[k] < 1150);
  }
  INFO("about half of the images should be flipped; " << flips << " of 9,000 were");
  CHECK(flips > 4300);
  CHECK(flips < 4700);
}

TEST_CASE("an epoch of 25 images makes 4 batches of 8, or 3 without the last", "[ch07][batches][hand][7.7]") {
  INFO("ceil(25 / 8) = 4 batches, the last holding 1 image; with drop_last, floor(25 / 8) = 3");
  CHECK(batches_per_epoch(25, 8, false) == 4);
  CHECK(batches_per_epoch(25, 8, true) == 3);
  CHECK(batches_per_epoch(24, 8, false) == 3);
  CHECK(batches_per_epoch(24, 8, true) == 3);
  CHECK(batches_per_epoch(7, 8, false) == 1);
}

TEST_CASE("a batch holds the images its part of the order names, each with its own label", "[ch07][batches][7.7]") {
  const std::string problem = check_make_batch(make_batch);
  INFO(problem);
  CHECK(problem.empty());
}

TEST_CASE("planted bugs: labels apart from their images, augmentation everywhere, no last batch",
          "[ch07][batches][planted][7.7]") {
  CHECK_THAT(check_make_batch(batch_with_labels_left_behind),
             Catch::Contains("labels shuffled apart from their images"));
  CHECK_THAT(check_make_batch(batch_always_augmented), Catch::Contains("although settings.augment is false"));
  CHECK_THAT(check_make_batch(batch_without_the_rest), Catch::Contains("the last batch holds the one image left over"));
}
