// Chapter 2 demo: convolution on real images, the gradient checks, and the speed of the
// two convolutions.
//
//   1. applies hand-made filters (blur, horizontal and vertical edges, a Laplacian) to
//      CIFAR-10 images with conv2d_forward and writes the before/after picture,
//   2. runs the gradient check of every op of the chapter and prints the table,
//   3. times the direct convolution against im2col + GEMM on one ResNet layer.
//
// In exercise mode, a step whose tasks are not written yet says so and the demo goes on.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include "demo.hpp"
#include "resnet/data/cifar10.hpp"
#include "resnet/exercise.hpp"
#include "resnet/chapter2_gradient_checks.hpp"
#include "resnet/io/image.hpp"
#include "resnet/ops/conv2d.hpp"
#include "resnet/ops/conv2d_direct.hpp"
#include "resnet/ops/layout.hpp"
#include "resnet/random.hpp"
#include "resnet/viz/image_grid.hpp"

namespace {

using namespace resnet;

struct Filter {
  std::string name;
  xt::xtensor<float, 2> kernel;  // (R, S)
  bool signed_response;          // edges are positive or negative: show their magnitude
};

std::vector<Filter> hand_made_filters() {
  const float g = 1.0f / 16.0f;
  return {
      {"blur 3x3", xt::xtensor<float, 2>{{g, 2 * g, g}, {2 * g, 4 * g, 2 * g}, {g, 2 * g, g}}, false},
      {"horizontal edges", xt::xtensor<float, 2>{{-1, -2, -1}, {0, 0, 0}, {1, 2, 1}}, true},
      {"vertical edges", xt::xtensor<float, 2>{{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}}, true},
      {"Laplacian", xt::xtensor<float, 2>{{0, 1, 0}, {1, -4, 1}, {0, 1, 0}}, true},
  };
}

// A (3, 3, R, S) weight that applies `kernel` to each colour channel separately: output
// channel k only reads input channel k.
xt::xtensor<float, 4> per_channel_weight(const xt::xtensor<float, 2>& kernel) {
  const std::size_t R = kernel.shape()[0], S = kernel.shape()[1];
  xt::xtensor<float, 4> weight = xt::zeros<float>(std::array<std::size_t, 4>{3, 3, R, S});
  for (std::size_t k = 0; k < 3; ++k) xt::view(weight, k, k, xt::all(), xt::all()) = kernel;
  return weight;
}

// Filter responses back to bytes: smoothing keeps the 0-255 range; an edge response is
// shown as its magnitude, grey, scaled so the strongest edge of each image is white.
xt::xtensor<std::uint8_t, 4> to_pixels(const xt::xtensor<float, 4>& response, bool signed_response) {
  xt::xtensor<std::uint8_t, 4> pixels = xt::xtensor<std::uint8_t, 4>::from_shape(response.shape());
  for (std::size_t n = 0; n < response.shape()[0]; ++n) {
    const xt::xtensor<float, 3> image = xt::view(response, n);
    if (!signed_response) {
      xt::view(pixels, n) = xt::cast<std::uint8_t>(xt::clip(image, 0.0f, 255.0f));
      continue;
    }
    const xt::xtensor<float, 2> magnitude = xt::sqrt(xt::sum(image * image, {0}));
    const float strongest = std::max(xt::amax(magnitude)(), 1e-6f);
    for (std::size_t c = 0; c < 3; ++c) {
      xt::view(pixels, n, c) = xt::cast<std::uint8_t>(magnitude / strongest * 255.0f);
    }
  }
  return pixels;
}

void write_filter_picture(const Cifar10Data& data, std::size_t count, const std::filesystem::path& out_dir) {
  count = std::min(count, data.labels.size());
  const xt::xtensor<std::uint8_t, 4> originals = xt::view(data.images, xt::range(0, count));
  const xt::xtensor<float, 4> x = xt::cast<float>(originals);  // (N, 3, 32, 32), 0-255
  // One row of the picture per filter, one column per image; captions name the row.
  std::vector<xt::xtensor<std::uint8_t, 4>> rows = {originals};
  std::vector<std::string> row_names = {"original"};
  for (const Filter& filter : hand_made_filters()) {
    const auto result = conv2d_forward(x, per_channel_weight(filter.kernel), std::nullopt, 1, 1);
    rows.push_back(to_pixels(result.y, filter.signed_response));
    row_names.push_back(filter.name);
  }
  xt::xtensor<std::uint8_t, 4> all = xt::xtensor<std::uint8_t, 4>::from_shape({rows.size() * count, 3, 32, 32});
  std::vector<std::string> captions;
  for (std::size_t row = 0; row < rows.size(); ++row) {
    xt::view(all, xt::range(row * count, (row + 1) * count)) = rows[row];
    for (std::size_t i = 0; i < count; ++i) captions.push_back(i == 0 ? row_names[row] : "");
  }
  GridLayout layout;
  layout.columns = count;
  layout.scale = 3;
  const std::filesystem::path path = out_dir / "conv_filters.png";
  write_png(path.string(), image_grid(nchw_to_nhwc(all), captions, layout));
  std::printf("Wrote %zu images through %zu hand-made filters to %s\n", count, rows.size() - 1, path.c_str());
}

void print_gradient_checks() {
  std::printf("\nGradient check of every op (double precision, central differences, random upstream gradient):\n");
  std::printf("  %-52s %-8s %s\n", "op", "result", "worst relative error per gradient");
  bool all_passed = true;
  for (GradCheckCase& check : chapter2_gradient_checks()) {
    GradCheckReport report;
    try {
      report = check_gradients(check);
    } catch (const NotImplemented& missing) {  // one op not written yet: say so, go on
      std::printf("  %-52s %-8s task %s not written yet\n", check.op.c_str(), "-", missing.task_id().c_str());
      all_passed = false;
      continue;
    }
    const bool passed = report.passed(kGradCheckThreshold);
    all_passed = all_passed && passed;
    std::string errors;
    for (const auto& entry : report.entries) {
      char text[64];
      std::snprintf(text, sizeof(text), "d%s %.1e  ", entry.variable.c_str(), entry.max_relative_error);
      errors += text;
    }
    std::printf("  %-52s %-8s %s\n", check.op.c_str(), passed ? "pass" : "FAIL", errors.c_str());
    if (!passed) std::printf("%s", report.to_string(kGradCheckThreshold).c_str());
  }
  std::printf("  threshold: %.0e; %s\n", kGradCheckThreshold,
              all_passed ? "every op passes" : "not every op passes yet");
}

// The best of `runs` timed runs of `work` (the first run also pays for warming up).
double seconds_of(const std::function<void()>& work, int runs = 1) {
  double best = 1e30;
  for (int run = 0; run < runs; ++run) {
    const auto start = std::chrono::steady_clock::now();
    work();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

void compare_convolution_speed(std::size_t batch) {
  // ResNet-34's layer1 convolution with the CIFAR stem: 64 -> 64 channels, 3x3, 32x32.
  Generator generator(3);
  const auto x = random_normal<float, 4>({batch, 64, 32, 32}, generator);
  const auto w = random_normal<float, 4>({64, 64, 3, 3}, generator, 0.0, 0.05);
  const auto dy = random_normal<float, 4>({batch, 64, 32, 32}, generator);
  const double flops = 2.0 * static_cast<double>(batch) * 64 * 64 * 9 * 32 * 32;  // per pass
  std::printf(
      "\nConvolution x (%zu, 64, 32, 32), weight (64, 64, 3, 3), stride 1, padding 1 (ResNet layer1, CIFAR stem):\n",
      batch);
  std::printf("  %-16s %12s %12s %14s %14s\n", "", "forward s", "backward s", "forward GFLOP/s", "backward GFLOP/s");
  Conv2dOutput<float> direct, gemm;
  Conv2dGrads<float> direct_grads, gemm_grads;
  const double direct_forward = seconds_of([&] { direct = conv2d_direct_forward(x, w, std::nullopt, 1, 1); });
  const double direct_backward = seconds_of([&] { direct_grads = conv2d_direct_backward(dy, direct.cache); });
  // The fast version is timed three times, the best kept; the slow one once.
  const double gemm_forward = seconds_of([&] { gemm = conv2d_forward(x, w, std::nullopt, 1, 1); }, 3);
  const double gemm_backward = seconds_of([&] { gemm_grads = conv2d_backward(dy, gemm.cache); }, 3);
  // The backward pass computes dx and dW: two products of the forward's size.
  std::printf("  %-16s %12.3f %12.3f %14.2f %14.2f\n", "direct loops", direct_forward, direct_backward,
              flops / direct_forward * 1e-9, 2 * flops / direct_backward * 1e-9);
  std::printf("  %-16s %12.3f %12.3f %14.2f %14.2f\n", "im2col + GEMM", gemm_forward, gemm_backward,
              flops / gemm_forward * 1e-9, 2 * flops / gemm_backward * 1e-9);
  std::printf("  im2col + GEMM is %.0fx faster forward and %.0fx backward; largest difference in y: %.1e\n",
              direct_forward / gemm_forward, direct_backward / gemm_backward, xt::amax(xt::abs(direct.y - gemm.y))());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 2 demo: hand-made filters on CIFAR-10, the gradient checks, direct vs im2col convolution"};
  std::string data_dir;
  std::string out_dir = "output/ch02";
  std::size_t images = 8;
  std::size_t batch = 8;
  app.add_option("--data", data_dir, "CIFAR-10 folder (default: the full set in data/ if present, else the sample)");
  app.add_option("--out", out_dir, "folder for the picture")->capture_default_str();
  app.add_option("--images", images, "images to filter")->capture_default_str();
  app.add_option("--batch", batch, "batch size of the speed comparison")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  return demo::run_demo([&] {
    const Cifar10Location location = find_cifar10(data_dir);
    const Cifar10Data test = load_cifar10(location.directory, Split::test);
    std::filesystem::create_directories(out_dir);
    int done = 0;
    done += demo::run_step("filters", [&] { write_filter_picture(test, images, out_dir); });
    done += demo::run_step("gradient checks", [&] { print_gradient_checks(); });
    done += demo::run_step("convolution speed", [&] { compare_convolution_speed(batch); });
    if (done < 3) std::printf("\n%d of 3 steps ran; write the tasks named above and run the demo again.\n", done);
    return 0;
  });
}
