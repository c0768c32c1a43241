// Times a convolution's forward and backward passes at every distinct convolution of
// ResNet-34, and prints one JSON object per shape. bench/compare_conv2d.py runs it next to
// PyTorch. --kernels reference: task 2.7's conv2d_forward / conv2d_backward (im2col of the
// whole batch + GEMM, the GEMM chosen by --cpu-gemm); --kernels packed: the library's
// cpu::conv2d_forward / cpu::conv2d_backward (windows packed into the GEMM's panels).
//
//   bench_conv2d --batch 128 --stem both --repeats 3 [--kernels packed] [--cpu-gemm packed]
#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "resnet/cpu/conv2d.hpp"
#include "resnet/ops/conv2d.hpp"
#include "resnet/ops/gemm.hpp"
#include "resnet/ops/im2col.hpp"
#include "resnet/random.hpp"

namespace {

struct ConvShape {
  std::string name;
  std::size_t C, H, K, R, stride, padding;  // square images and kernels
};

// The output size of a window of `kernel` at `stride` with `padding` over `size` inputs.
std::size_t output_size(std::size_t size, std::size_t kernel, std::size_t stride, std::size_t padding) {
  return (size + 2 * padding - kernel) / stride + 1;
}

// Every distinct convolution of ResNet-34: the stem, then per stage the first 3x3 conv
// (stride 2 from layer2 on), its 1x1 projection shortcut, and the repeated 3x3 conv.
// `imagenet_size`: the input size of the ImageNet stem (224, or 32 for CIFAR-10 images),
// whose 7x7 stride-2 convolution and 3x3 stride-2 max-pool come before layer1.
std::vector<ConvShape> resnet34_convolutions(const std::string& stem, std::size_t imagenet_size) {
  const bool imagenet = stem == "imagenet";
  const std::size_t image = imagenet ? imagenet_size : 32;
  std::vector<ConvShape> shapes;
  if (imagenet) {
    shapes.push_back({"imagenet stem 7x7/2", 3, image, 64, 7, 2, 3});
  } else {
    shapes.push_back({"cifar stem 3x3/1", 3, image, 64, 3, 1, 1});
  }
  std::size_t size = imagenet ? output_size(output_size(image, 7, 2, 3), 3, 2, 1) : image;  // layer1's maps
  const std::size_t channels[4] = {64, 128, 256, 512};
  for (std::size_t stage = 0; stage < 4; ++stage) {
    const std::string layer = stem + " layer" + std::to_string(stage + 1);
    if (stage > 0) {
      const std::size_t previous = channels[stage - 1];
      shapes.push_back({layer + " first 3x3/2", previous, size, channels[stage], 3, 2, 1});
      shapes.push_back({layer + " projection 1x1/2", previous, size, channels[stage], 1, 2, 0});
      size = output_size(size, 3, 2, 1);
    }
    shapes.push_back({layer + " 3x3", channels[stage], size, channels[stage], 3, 1, 1});
  }
  return shapes;
}

double best_seconds(const std::function<void()>& work, int repeats) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    work();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time conv2d forward and backward at every distinct ResNet-34 convolution"};
  std::size_t batch = 128;
  std::string stem = "both";
  int repeats = 3;
  std::size_t imagenet_size = 224;
  app.add_option("--batch", batch, "batch size")->capture_default_str();
  app.add_option("--imagenet-size", imagenet_size,
                 "input size with the ImageNet stem: 224, or 32 as bench/compare_resnet34.py feeds it")
      ->check(CLI::Range(32, 1024))
      ->capture_default_str();
  app.add_option("--stem", stem, "imagenet, cifar or both")
      ->check(CLI::IsMember({"imagenet", "cifar", "both"}))
      ->capture_default_str();
  app.add_option("--repeats", repeats, "timed runs per pass (the best is kept)")->capture_default_str();
  std::string kernels = "reference";
  app.add_option("--kernels", kernels, "reference (task 2.7's im2col + GEMM) or packed (cpu::conv2d_*)")
      ->check(CLI::IsMember({"reference", "packed"}))
      ->capture_default_str();
  std::string cpu_gemm = "openblas";
  app.add_option("--cpu-gemm", cpu_gemm, "the reference's GEMM: openblas or packed (cpu::sgemm)")
      ->check(CLI::IsMember({"openblas", "packed"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  resnet::use_cpu_gemm(cpu_gemm == "packed" ? resnet::CpuGemm::packed : resnet::CpuGemm::openblas);

  std::vector<ConvShape> shapes;
  for (const std::string which : {"imagenet", "cifar"}) {
    if (stem == "both" || stem == which) {
      const auto some = resnet34_convolutions(which, imagenet_size);
      shapes.insert(shapes.end(), some.begin(), some.end());
    }
  }
  resnet::Generator generator(1);
  for (const ConvShape& s : shapes) {
    const std::size_t P = (s.H + 2 * s.padding - s.R) / s.stride + 1;
    const auto x = resnet::random_uniform<float, 4>({batch, s.C, s.H, s.H}, generator, -1.0, 1.0);
    const auto w = resnet::random_uniform<float, 4>({s.K, s.C, s.R, s.R}, generator, -0.05, 0.05);
    const auto dy = resnet::random_uniform<float, 4>({batch, s.K, P, P}, generator, -1.0, 1.0);
    resnet::Conv2dOutput<float> out = resnet::conv2d_forward(x, w, std::nullopt, s.stride, s.padding);  // warm-up
    double forward = 0.0, backward = 0.0;
    if (kernels == "packed") {
      const resnet::WindowShape& window = out.cache.shape;
      forward = best_seconds([&] { out.y = resnet::cpu::conv2d_forward(x, w, nullptr, window); }, repeats);
      backward = best_seconds([&] { resnet::cpu::conv2d_backward(dy, x, w, window, false); }, repeats);
    } else {
      forward = best_seconds([&] { out = resnet::conv2d_forward(x, w, std::nullopt, s.stride, s.padding); }, repeats);
      backward = best_seconds([&] { resnet::conv2d_backward(dy, out.cache); }, repeats);
    }
    // Where the forward time goes: im2col alone, and the matrix product alone.
    const resnet::WindowShape& shape = out.cache.shape;
    xt::xtensor<float, 2> columns;
    const double im2col_seconds = best_seconds([&] { columns = resnet::im2col(x, shape); }, repeats);
    const std::size_t NPQ = shape.N * shape.P * shape.Q, CRS = shape.C * shape.R * shape.S;
    xt::xtensor<float, 2> product = xt::xtensor<float, 2>::from_shape({shape.K, NPQ});
    const double gemm_seconds = best_seconds(
        [&] {
          resnet::gemm(resnet::Transpose::no, resnet::Transpose::no, shape.K, NPQ, CRS, 1.0f, w.data(), columns.data(),
                       0.0f, product.data());
        },
        repeats);
    const double macs = static_cast<double>(batch) * s.K * s.C * s.R * s.R * P * P;
    std::cout << nlohmann::json{{"name", s.name},
                                {"batch", batch},
                                {"C", s.C},
                                {"H", s.H},
                                {"K", s.K},
                                {"R", s.R},
                                {"stride", s.stride},
                                {"padding", s.padding},
                                {"kernels", kernels},
                                {"P", P},
                                {"forward_seconds", forward},
                                {"backward_seconds", backward},
                                {"im2col_seconds", im2col_seconds},
                                {"forward_gemm_seconds", gemm_seconds},
                                {"forward_flops", 2 * macs},
                                {"backward_flops", 4 * macs}}
              << std::endl;
  }
  return 0;
}
