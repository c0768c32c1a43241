// Chapter 1 demo: tensors on real data.
//
//   1. loads CIFAR-10 (the committed sample unless the full set is there or --data says),
//   2. prints the per-channel mean and standard deviation of the training images,
//   3. writes a PNG grid of 64 images with their class names,
//   4. times the naive matrix multiply against BLAS in GFLOP/s.
//
// Every step uses functions of this chapter's tasks; in exercise mode a step whose task
// is not written yet says so and the demo goes on with the next one.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include "demo.hpp"
#include "resnet/data/cifar10.hpp"
#include "resnet/exercise.hpp"
#include "resnet/io/image.hpp"
#include "resnet/ops/layout.hpp"
#include "resnet/ops/matmul.hpp"
#include "resnet/ops/reduce.hpp"
#include "resnet/random.hpp"
#include "resnet/shape.hpp"
#include "resnet/viz/image_grid.hpp"

namespace {

using namespace resnet;

// Per-channel statistics over every pixel of every image: view the (N, C, H, W) batch as
// (C, N*H*W), one row per channel, and reduce along the rows.
void print_channel_statistics(const Cifar10Data& train) {
  //! [channel statistics]
  const std::size_t channels = train.images.shape()[1];
  const std::size_t per_channel = train.images.size() / channels;  // N * H * W values each
  // Put the channel axis first (still bytes, so the copy is small), then read the
  // (C, N, H, W) block as (C, N*H*W) rows and scale the pixels to [0, 1].
  const xt::xtensor<std::uint8_t, 4> channels_first = xt::transpose(train.images, {1, 0, 2, 3});
  const xt::xtensor<float, 2> rows =
      xt::cast<float>(xt::reshape_view(channels_first, {channels, per_channel})) / 255.0f;
  const xt::xtensor<float, 1> mean = mean_along(rows, 1);
  const xt::xtensor<float, 1> stddev = xt::sqrt(variance_along(rows, 1, Variance::biased));
  //! [channel statistics]

  // The statistics of the official training set, as published and used by most recipes.
  const float published_mean[3] = {0.4914f, 0.4822f, 0.4465f};
  const float published_std[3] = {0.2470f, 0.2435f, 0.2616f};
  const char* names[3] = {"red", "green", "blue"};
  std::printf("\nPer-channel statistics of %zu training images (pixels scaled to [0, 1]):\n", train.labels.size());
  std::printf("  channel   mean    std      (full official training set: mean, std)\n");
  for (std::size_t c = 0; c < 3; ++c) {
    std::printf("  %-7s  %.4f  %.4f    (%.4f, %.4f)\n", names[c], mean(c), stddev(c), published_mean[c],
                published_std[c]);
  }
}

void write_image_grid(const Cifar10Data& train, const std::filesystem::path& out_dir) {
  const std::size_t count = std::min<std::size_t>(64, train.labels.size());
  const xt::xtensor<std::uint8_t, 4> first = xt::view(train.images, xt::range(0, count));
  std::vector<std::string> captions;
  for (std::size_t i = 0; i < count; ++i) captions.push_back(cifar10_class_names()[train.labels(i)]);
  const auto grid = image_grid(nchw_to_nhwc(first), captions);
  const std::filesystem::path path = out_dir / "cifar10_grid.png";
  write_png(path.string(), grid);
  std::printf("\nWrote %zu training images with their classes to %s\n", count, path.c_str());
}

// Seconds per call of `work`, the best of `repeats` runs (the least disturbed one).
double best_seconds(const std::function<void()>& work, int repeats) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    work();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  return best;
}

void compare_matmul_speed(const std::vector<std::size_t>& sizes) {
  std::printf("\nMatrix multiply C = A B of n x n float32 matrices (best of 3 runs):\n");
  std::printf("  %6s  %14s  %14s  %10s  %14s\n", "n", "naive GFLOP/s", "BLAS GFLOP/s", "BLAS/naive",
              "max |difference|");
  Generator generator(1);
  for (std::size_t n : sizes) {
    const auto a = random_uniform<float, 2>({n, n}, generator, -1.0, 1.0);
    const auto b = random_uniform<float, 2>({n, n}, generator, -1.0, 1.0);
    xt::xtensor<float, 2> naive, blas;
    const double naive_seconds = best_seconds([&] { naive = matmul_naive(a, b); }, 3);
    const double blas_seconds = best_seconds([&] { blas = matmul_blas(a, b); }, 3);
    const double flops = 2.0 * static_cast<double>(n * n * n);  // a multiply and an add per term
    const double difference = xt::amax(xt::abs(naive - blas))();
    std::printf("  %6zu  %14.2f  %14.2f  %9.1fx  %14.2e\n", n, flops / naive_seconds * 1e-9,
                flops / blas_seconds * 1e-9, naive_seconds / blas_seconds, difference);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Chapter 1 demo: CIFAR-10 as tensors, channel statistics, an image grid, "
      "naive vs BLAS matrix multiply"};
  std::string data_dir;
  std::string out_dir = "output/ch01";
  std::vector<std::size_t> sizes = {64, 128, 256, 512};
  app.add_option("--data", data_dir,
                 "CIFAR-10 folder (cifar-10-batches-bin or its parent); default: the full "
                 "set in data/ if present, else the committed sample");
  app.add_option("--out", out_dir, "folder for the pictures")->capture_default_str();
  app.add_option("--sizes", sizes, "matrix sizes to time, comma-separated")->delimiter(',')->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  return demo::run_demo([&] {
    const Cifar10Location location = find_cifar10(data_dir);
    const Cifar10Data train = load_cifar10(location.directory, Split::train);
    std::printf("CIFAR-10 from %s%s: images %s as uint8 (N, C, H, W), labels (%zu)\n", location.directory.c_str(),
                location.is_sample ? " (the committed sample)" : "", format_shape(train.images.shape()).c_str(),
                train.labels.size());
    if (location.is_sample) {
      std::printf("  (the full set is not in data/: tools/download_cifar10.sh fetches it)\n");
    }
    std::filesystem::create_directories(out_dir);

    int done = 0;
    done += demo::run_step("channel statistics", [&] { print_channel_statistics(train); });
    done += demo::run_step("image grid", [&] { write_image_grid(train, out_dir); });
    done += demo::run_step("matmul speed", [&] { compare_matmul_speed(sizes); });
    if (done < 3) {
      std::printf("\n%d of 3 steps ran; write the tasks named above and run the demo again.\n", done);
    }
    return 0;
  });
}
