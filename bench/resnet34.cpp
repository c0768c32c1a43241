// Times one ResNet-34 training step (forward, cross-entropy, backward: gradients only, no
// optimizer) or one inference pass (eval mode, forward only) on CIFAR-10-shaped batches,
// and prints one JSON object with every timed repetition and the process's peak memory.
// bench/compare_resnet34.py runs it, once per measurement in a fresh process, next to
// PyTorch.
//
//   bench_resnet34 --stem cifar --mode train --batch 128 --repeats 3
//   bench_resnet34 --device cuda --gemm 06_tf32_wmma     (chapter 6: on the GPU, a GEMM rung)
// On the GPU the loss is computed on the CPU from the copied logits (N x classes values),
// and every timed pass ends with cuda::synchronize(), so the time is the GPU's.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <cblas.h>
#include <nlohmann/json.hpp>
#include <omp.h>

#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/memory.hpp"
#include "resnet/malloc_tuning.hpp"
#include "resnet/device/conv2d.hpp"
#include "resnet/nn/resnet.hpp"
#include "resnet/nn/summary.hpp"
#include "resnet/ops/cross_entropy.hpp"
#include "resnet/ops/gemm.hpp"
#include "resnet/random.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// A line of /proc/self/status in MiB: "VmHWM" is the peak resident memory so far, "VmRSS"
// the current one (both in kB there). -1 where the file is missing (not Linux).
double status_mib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return -1.0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time a ResNet-34 training step or inference pass on CIFAR-10-shaped batches"};
  std::size_t batch = 128, classes = 10;
  std::string stem = "cifar", mode = "train", device_name = "cpu", gemm = "05_vectorized";
  int warmup = 1, repeats = 3;
  bool return_freed_memory = false;
  app.add_option("--batch", batch, "images per batch")->capture_default_str();
  app.add_option("--classes", classes, "outputs of the classifier")->capture_default_str();
  app.add_option("--stem", stem, "imagenet or cifar")
      ->check(CLI::IsMember({"imagenet", "cifar"}))
      ->capture_default_str();
  app.add_option("--mode", mode, "train (forward + backward) or inference (eval mode, forward only)")
      ->check(CLI::IsMember({"train", "inference"}))
      ->capture_default_str();
  app.add_option("--device", device_name, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}))->capture_default_str();
  app.add_option("--gemm", gemm, "the GEMM rung of the GPU layers, e.g. 05_vectorized or 06_tf32_wmma")
      ->capture_default_str();
  std::string cpu_gemm = "packed";
  app.add_option("--cpu-gemm", cpu_gemm, "the CPU layers' float products: openblas or packed (our cpu::sgemm)")
      ->check(CLI::IsMember({"openblas", "packed"}))
      ->capture_default_str();
  std::string kernels = "packed";
  app.add_option("--kernels", kernels, "the CPU layers' code: packed (the library's kernels) or reference")
      ->check(CLI::IsMember({"packed", "reference"}))
      ->capture_default_str();
  app.add_option("--warmup", warmup, "untimed passes first")->capture_default_str();
  app.add_option("--repeats", repeats, "timed passes (all are reported)")->capture_default_str();
  app.add_flag("--return-freed-memory", return_freed_memory,
               "skip resnet::keep_freed_memory(): glibc unmaps every large block when it is freed");
  CLI11_PARSE(app, argc, argv);
  const bool keeps_freed_memory = !return_freed_memory && resnet::keep_freed_memory();
  resnet::use_cpu_gemm(cpu_gemm == "packed" ? resnet::CpuGemm::packed : resnet::CpuGemm::openblas);

  const resnet::Device device = resnet::parse_device(device_name);
  bool known_rung = false;
  resnet::cuda::GemmKernel chosen_rung = resnet::cuda::GemmKernel::vectorized;
  for (const auto rung : resnet::cuda::all_gemm_kernels()) {
    if (resnet::cuda::gemm_kernel_name(rung) == gemm) {
      chosen_rung = rung;
      known_rung = true;
    }
  }
  if (!known_rung) {
    std::cerr << "bench_resnet34: unknown GEMM rung '" << gemm << "' (e.g. 05_vectorized, 06_tf32_wmma)\n";
    return 2;
  }

  if (device == resnet::Device::cuda && !resnet::cuda::device_usable()) {
    std::cerr << "bench_resnet34: no CUDA device (RESNET_CUDA_EMULATE=1 runs the GPU path on the CPU)\n";
    return 1;
  }

  resnet::Generator generator(1);
  auto model = resnet::make_resnet<float>("resnet34", classes, resnet::stem_from_string(stem), generator);
  model->use_gemm(chosen_rung);
  model->use_cpu_kernels(kernels == "packed" ? resnet::CpuKernels::packed : resnet::CpuKernels::reference);
  model->to(device);
  const auto images =
      resnet::Tensor<float, 4>::from_host(resnet::random_uniform<float, 4>({batch, 3, 32, 32}, generator, -1.0, 1.0))
          .to(device);                                                                      // (N, 3, 32, 32)
  xt::xtensor<std::int64_t, 1> labels = xt::xtensor<std::int64_t, 1>::from_shape({batch});  // (N)
  for (std::size_t n = 0; n < batch; ++n) labels(n) = static_cast<std::int64_t>(n % classes);
  if (mode == "inference") model->eval();
  const double rss_before_mib = status_mib("VmRSS");  // the model and the batch, before any pass

  const auto pass = [&] {
    if (mode == "inference") {
      model->forward(images);
    } else {
      model->zero_grad();
      const resnet::Tensor<float, 2> logits = model->forward(images).to(resnet::Device::cpu);  // (N, classes)
      const auto loss = resnet::cross_entropy_forward(logits.host(), labels);
      model->backward(
          resnet::Tensor<float, 2>::from_host(resnet::cross_entropy_backward(1.0f, loss.cache).dlogits).to(device));
    }
    if (device == resnet::Device::cuda) resnet::cuda::synchronize();  // the GPU's time, not the launches'
  };
  for (int i = 0; i < warmup; ++i) pass();
  std::vector<double> seconds;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    pass();
    seconds.push_back(seconds_since(start));
  }
  std::vector<double> sorted = seconds;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted.empty() ? 0.0 : sorted[sorted.size() / 2];

  // Counted work: the multiply-accumulates of the convolutions and the linear layer (the
  // model summary's, chapter 5), 2 FLOPs each. A training step does 3 times a forward pass's:
  // the forward products, then backward's dx and dW products, each as large. Batch norm,
  // ReLU, pooling and the loss are not counted (a few percent of the time, not of the FLOPs).
  const double forward_flops =
      2.0 * static_cast<double>(resnet::summarize(*model, {batch, 3, 32, 32}).total_multiply_accumulates());
  const double flops_per_pass = mode == "train" ? 3.0 * forward_flops : forward_flops;
  std::cout << nlohmann::json{{"stem", stem},
                              {"mode", mode},
                              {"batch", batch},
                              {"classes", classes},
                              {"device", resnet::cuda::is_emulated() && device == resnet::Device::cuda
                                             ? "cuda (emulated)"
                                             : device_name},
                              {"gemm",
                               device == resnet::Device::cuda
                                   ? resnet::cuda::gemm_kernel_name(resnet::device::runnable_gemm(model->gemm()))
                                   : std::string("cpu ") + resnet::cpu_gemm_name(resnet::cpu_gemm())},
                              {"kernels", kernels},
                              {"warmup", warmup},
                              {"keeps_freed_memory", keeps_freed_memory},
                              {"seconds", seconds},
                              {"median_seconds", median},
                              {"images_per_second", median > 0 ? static_cast<double>(batch) / median : 0.0},
                              {"flops_per_pass", flops_per_pass},
                              {"gflops_per_second", median > 0 ? flops_per_pass / median / 1e9 : 0.0},
                              {"rss_before_mib", rss_before_mib},
                              {"peak_rss_mib", status_mib("VmHWM")},
                              {"omp_threads", omp_get_max_threads()},
                              {"blas_threads", openblas_get_num_threads()},
                              {"blas_config", openblas_get_config()}}
            << std::endl;
  return 0;
}
