// Chapter 6 demo: the chapter's kernels on one ResNet layer's worth of data, under host
// emulation (always) and on the GPU (when there is one), each compared with its CPU op.
//
// In exercise mode, a kernel whose task is not written yet says so and the demo goes on.
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>

#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/kernels.hpp"
#include "resnet/cuda/memory.hpp"
#include "resnet/exercise.hpp"
#include "resnet/ops/im2col.hpp"
#include "resnet/ops/matmul.hpp"
#include "resnet/ops/relu.hpp"
#include "resnet/random.hpp"

namespace {

using namespace resnet;
using cuda::Launch;

// Runs `kernel` on copies of `inputs` (on the device for Launch::gpu) into an output of
// `output_size` values, and returns the output on the host with the seconds it took.
struct Run {
  std::vector<float> output;
  double seconds = 0.0;
};

Run run(Launch where, const std::vector<const std::vector<float>*>& inputs, std::size_t output_size,
        const std::function<void(const std::vector<const float*>&, float*)>& kernel) {
  std::vector<cuda::DeviceBuffer<float>> device;
  std::vector<const float*> pointers;
  for (const std::vector<float>* input : inputs) {
    if (where == Launch::gpu) {
      device.emplace_back(input->size());
      cuda::copy_host_to_device(device.back().data(), input->data(), input->size() * sizeof(float));
      pointers.push_back(device.back().data());
    } else {
      pointers.push_back(input->data());
    }
  }
  Run result;
  result.output.assign(output_size, 0.0f);
  cuda::DeviceBuffer<float> device_output(where == Launch::gpu ? output_size : 0);
  float* out = where == Launch::gpu ? device_output.data() : result.output.data();
  const auto start = std::chrono::steady_clock::now();
  kernel(pointers, out);
  if (where == Launch::gpu) cuda::synchronize();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (where == Launch::gpu) cuda::copy_device_to_host(result.output.data(), out, output_size * sizeof(float));
  return result;
}

double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(double(a[i]) - double(b[i])));
  return worst;
}

// One line per kernel and place: the largest difference from the CPU op, and the time.
void report(const std::string& name, const std::vector<float>& expected, const std::vector<Launch>& places,
            const std::vector<const std::vector<float>*>& inputs,
            const std::function<void(const std::vector<const float*>&, float*, Launch)>& kernel) {
  for (Launch where : places) {
    const char* place = where == Launch::gpu ? "GPU" : "host emulation";
    try {
      const Run result = run(where, inputs, expected.size(),
                             [&](const std::vector<const float*>& in, float* out) { kernel(in, out, where); });
      std::printf("  %-22s %-15s max |difference from CPU| %.3g   %8.3f ms\n", name.c_str(), place,
                  max_difference(result.output, expected), 1e3 * result.seconds);
    } catch (const NotImplemented& e) {
      std::printf("  %-22s %-15s %s\n", name.c_str(), place, e.what());
    }
  }
}

std::vector<float> to_vector(const xt::xtensor<float, 4>& x) { return {x.begin(), x.end()}; }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 6: CUDA kernels, emulated on the CPU and run on the GPU"};
  std::size_t batch = 8;
  app.add_option("--batch", batch, "images in the layer's input (64 channels, 16x16)")->check(CLI::Range(1, 256));
  CLI11_PARSE(app, argc, argv);

  std::printf("CUDA in this build: %s; GPUs: %d\n", cuda::is_built() ? "yes" : "no", cuda::device_count());
  std::vector<Launch> places{Launch::host_emulation};
  if (cuda::is_available()) places.push_back(Launch::gpu);

  // A layer of ResNet-34's second stage on CIFAR-sized inputs: 64 channels, 16x16.
  Generator generator(6);
  const xt::xtensor<float, 4> x = random_normal<float, 4>({batch, 64, 16, 16}, generator);
  const std::vector<float> x_values = to_vector(x);
  std::printf("\nKernels on x (%zu, 64, 16, 16), each against its CPU op:\n", batch);

  try {
    report("relu_forward", to_vector(relu_forward(x).y), places, {&x_values},
           [&](auto& in, float* out, Launch where) { cuda::relu_forward(in[0], out, x.size(), where); });
  } catch (const NotImplemented& e) {
    std::printf("  relu_forward: the CPU op (chapter 2) is not written yet: %s\n", e.what());
  }

  const xt::xtensor<float, 1> sums = xt::sum(x, {0, 2, 3});
  report("channel_sums", {sums.begin(), sums.end()}, places, {&x_values},
         [&](auto& in, float* out, Launch where) { cuda::channel_sums(in[0], out, batch, 64, 256, where); });

  const WindowShape shape = conv2d_shape("demo", x.shape(), {64, 64, 3, 3}, 1, 1);
  try {
    const xt::xtensor<float, 2> columns = im2col(x, shape);
    report("im2col", {columns.begin(), columns.end()}, places, {&x_values},
           [&](auto& in, float* out, Launch where) { cuda::im2col(in[0], out, shape, where); });

    // The convolution as a GEMM: weight (64, 576) times the columns (576, N 256).
    const xt::xtensor<float, 2> weight = random_normal<float, 2>({64, 576}, generator, 0.0, 0.05);
    const std::vector<float> weight_values(weight.begin(), weight.end()), column_values(columns.begin(), columns.end());
    const xt::xtensor<float, 2> product = matmul_blas(weight, columns);
    for (cuda::GemmKernel rung : cuda::all_gemm_kernels()) {
      std::vector<Launch> rung_places;
      for (Launch where : places) {
        if (where == Launch::gpu || cuda::gemm_runs_on_host(rung)) rung_places.push_back(where);
      }
      report("gemm " + cuda::gemm_kernel_name(rung), {product.begin(), product.end()}, rung_places,
             {&weight_values, &column_values}, [&](auto& in, float* out, Launch where) {
               cuda::gemm(rung, in[0], in[1], out, 64, columns.shape()[1], 576, where);
             });
    }
  } catch (const NotImplemented& e) {
    std::printf("  im2col and GEMM: a CPU op of chapters 1-2 is not written yet: %s\n", e.what());
  }
  if (!cuda::is_available()) {
    std::printf(
        "\nNo GPU here: every kernel ran under host emulation (one thread after another, so\n"
        "the times say nothing about GPU speed). bench/gpu/run.sh measures them on a GPU.\n");
  }
  return 0;
}
