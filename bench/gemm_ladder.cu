// Times every rung of chapter 6's GEMM ladder (resnet/cuda/gemm.hpp) against cuBLAS on
// n x n x n float32 products, and prints one JSON object per (rung, size):
//
//   {"kernel": "04_register_2d", "M": 4096, "N": 4096, "K": 4096, "ms": ..., "tflops": ...,
//    "fraction_of_cublas": ..., "fraction_of_cublas_tf32": ..., "max_abs_error": ...}
//
// plus one for cuBLAS in FP32 ("cublas_fp32") and one with TF32 tensor cores allowed
// ("cublas_tf32", CUBLAS_TF32_TENSOR_OP_MATH). Before it is timed, every rung's C is
// compared with cuBLAS's FP32 C for the same inputs (uniform in [-1, 1]); max_abs_error is
// the largest difference, and a rung beyond its allowance (1e-4 of max |C| for FP32
// rungs, 1e-2 for TF32 ones, which round their inputs to 10 mantissa bits) is reported
// with "error" instead of timings, and the program ends with status 1.
// Times are the median of --repeats runs after --warmup untimed ones, each measured with
// CUDA events around one call; TFLOP/s counts 2 M N K flops.
//
//   bench_gemm_ladder --sizes 1024,2048,4096 --repeats 10
//
// Needs a GPU: without one it says so and exits with status 1. It never runs in the tests.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <nlohmann/json.hpp>

#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/memory.hpp"

namespace {

using resnet::cuda::DeviceBuffer;
using resnet::cuda::GemmKernel;

void check_cuda(cudaError_t status, const char* call) {
  if (status != cudaSuccess) throw std::runtime_error(std::string(call) + ": " + cudaGetErrorString(status));
}

void check_cublas(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(std::string(call) + " failed with cuBLAS status " + std::to_string(status));
  }
}

// A cuBLAS handle that is destroyed with its scope.
class Cublas {
 public:
  Cublas() { check_cublas(cublasCreate(&handle_), "cublasCreate"); }
  ~Cublas() { cublasDestroy(handle_); }
  Cublas(const Cublas&) = delete;
  Cublas& operator=(const Cublas&) = delete;

  // C = A B for row-major A (M, K), B (K, N), C (M, N). cuBLAS is column-major, and a
  // row-major (M, N) matrix read column-major is its transpose, so ask cuBLAS for
  // C^T = B^T A^T: an (N, M) result from B^T (N, K) and A^T (K, M), with no copies.
  void gemm(const float* a, const float* b, float* c, int M, int N, int K, cublasMath_t math) {
    check_cublas(cublasSetMathMode(handle_, math), "cublasSetMathMode");
    const float one = 1.0f, zero = 0.0f;
    check_cublas(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, N, M, K, &one, b, N, a, K, &zero, c, N), "cublasSgemm");
  }

 private:
  cublasHandle_t handle_ = nullptr;
};

// Two CUDA events, destroyed with their scope.
class EventPair {
 public:
  EventPair() {
    check_cuda(cudaEventCreate(&start_), "cudaEventCreate");
    check_cuda(cudaEventCreate(&stop_), "cudaEventCreate");
  }
  ~EventPair() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventPair(const EventPair&) = delete;
  EventPair& operator=(const EventPair&) = delete;

  // Milliseconds the GPU spent on what `work` launches.
  float milliseconds(const std::function<void()>& work) {
    check_cuda(cudaEventRecord(start_), "cudaEventRecord");
    work();
    check_cuda(cudaEventRecord(stop_), "cudaEventRecord");
    check_cuda(cudaEventSynchronize(stop_), "cudaEventSynchronize");
    float ms = 0.0f;
    check_cuda(cudaEventElapsedTime(&ms, start_, stop_), "cudaEventElapsedTime");
    return ms;
  }

 private:
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

// The median time of `repeats` runs of `work`, after `warmup` untimed ones.
double median_milliseconds(const std::function<void()>& work, int warmup, int repeats) {
  for (int i = 0; i < warmup; ++i) work();
  check_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  EventPair events;
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) times.push_back(events.milliseconds(work));
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::vector<float> copy_to_host(const DeviceBuffer<float>& device) {
  std::vector<float> host(device.size());
  resnet::cuda::copy_device_to_host(host.data(), device.data(), host.size() * sizeof(float));
  return host;
}

double max_abs_difference(const std::vector<float>& x, const std::vector<float>& y) {
  double largest = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double difference = std::abs(static_cast<double>(x[i]) - y[i]);
    if (!(difference <= largest)) largest = difference;  // a NaN makes it NaN
  }
  return largest;
}

double max_abs(const std::vector<float>& x) {
  double largest = 0.0;
  for (float value : x) largest = std::max(largest, static_cast<double>(std::abs(value)));
  return largest;
}

// What one size's measurements share: the inputs, cuBLAS's FP32 answer and its times.
struct SizeRun {
  int n;
  DeviceBuffer<float> a, b, c;
  std::vector<float> reference;  // cuBLAS FP32's C
  double cublas_ms = 0.0, cublas_tf32_ms = 0.0;
};

nlohmann::json measurement(const std::string& kernel, const SizeRun& run, double ms, double max_abs_error) {
  const double flops = 2.0 * run.n * static_cast<double>(run.n) * run.n;
  return {{"kernel", kernel},
          {"M", run.n},
          {"N", run.n},
          {"K", run.n},
          {"ms", ms},
          {"tflops", flops / (ms * 1e-3) * 1e-12},
          {"fraction_of_cublas", run.cublas_ms / ms},
          {"fraction_of_cublas_tf32", run.cublas_tf32_ms / ms},
          {"max_abs_error", max_abs_error}};
}

// Measures cuBLAS and every rung at one size; returns false when a rung's answer is wrong.
bool measure_size(int n, Cublas& cublas, const std::vector<GemmKernel>& kernels, int warmup, int repeats) {
  const std::size_t count = static_cast<std::size_t>(n) * n;
  std::mt19937 engine(static_cast<unsigned>(n));
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> host(count);
  SizeRun run{n, DeviceBuffer<float>(count), DeviceBuffer<float>(count), DeviceBuffer<float>(count), {}};
  for (DeviceBuffer<float>* input : {&run.a, &run.b}) {
    for (float& value : host) value = uniform(engine);
    resnet::cuda::copy_host_to_device(input->data(), host.data(), count * sizeof(float));
  }
  auto with_cublas = [&](cublasMath_t math) {
    return [&, math] { cublas.gemm(run.a.data(), run.b.data(), run.c.data(), n, n, n, math); };
  };
  with_cublas(CUBLAS_DEFAULT_MATH)();
  run.reference = copy_to_host(run.c);
  run.cublas_ms = median_milliseconds(with_cublas(CUBLAS_DEFAULT_MATH), warmup, repeats);
  with_cublas(CUBLAS_TF32_TENSOR_OP_MATH)();
  const double cublas_tf32_error = max_abs_difference(copy_to_host(run.c), run.reference);
  run.cublas_tf32_ms = median_milliseconds(with_cublas(CUBLAS_TF32_TENSOR_OP_MATH), warmup, repeats);
  std::cout << measurement("cublas_fp32", run, run.cublas_ms, 0.0) << std::endl;
  std::cout << measurement("cublas_tf32", run, run.cublas_tf32_ms, cublas_tf32_error) << std::endl;

  const double scale = max_abs(run.reference);
  bool all_right = true;
  for (const GemmKernel kernel : kernels) {
    const std::string name = resnet::cuda::gemm_kernel_name(kernel);
    auto with_rung = [&] { resnet::cuda::gemm(kernel, run.a.data(), run.b.data(), run.c.data(), n, n, n); };
    resnet::cuda::fill_zero(run.c.data(), count * sizeof(float));
    with_rung();
    const double error = max_abs_difference(copy_to_host(run.c), run.reference);
    const double allowed = (kernel == GemmKernel::tf32_wmma ? 1e-2 : 1e-4) * scale;
    if (!(error <= allowed)) {
      std::cout << nlohmann::json{{"kernel", name},
                                  {"M", n},
                                  {"N", n},
                                  {"K", n},
                                  {"max_abs_error", error},
                                  {"error", "differs from cuBLAS by more than " + std::to_string(allowed)}}
                << std::endl;
      all_right = false;
      continue;
    }
    std::cout << measurement(name, run, median_milliseconds(with_rung, warmup, repeats), error) << std::endl;
  }
  return all_right;
}

// The rungs named in `names` ("01_naive", ...), in ladder order, or every rung when it is empty.
std::vector<GemmKernel> chosen_kernels(const std::vector<std::string>& names) {
  std::vector<GemmKernel> chosen;
  std::vector<std::string> known;
  for (const GemmKernel kernel : resnet::cuda::all_gemm_kernels()) {
    const std::string name = resnet::cuda::gemm_kernel_name(kernel);
    known.push_back(name);
    if (names.empty() || std::find(names.begin(), names.end(), name) != names.end()) chosen.push_back(kernel);
  }
  for (const std::string& name : names) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw std::invalid_argument("--kernels: no rung is called " + name + " (they are 01_naive ... 06_tf32_wmma)");
    }
  }
  return chosen;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time the GEMM ladder of chapter 6 against cuBLAS on n x n float32 matrices"};
  std::vector<int> sizes = {1024, 2048, 4096};
  std::vector<std::string> names;
  int warmup = 2;
  int repeats = 10;
  app.add_option("--sizes", sizes, "matrix sizes n (M = N = K = n), comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--kernels", names, "rungs to time, e.g. 03_smem_tiled,06_tf32_wmma (default: all)")->delimiter(',');
  app.add_option("--warmup", warmup, "untimed runs before timing")->capture_default_str();
  app.add_option("--repeats", repeats, "timed runs per measurement (the median is reported)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  if (!resnet::cuda::is_built()) {
    std::cerr << "bench_gemm_ladder: this build has no CUDA support\n";
    return 1;
  }
  if (!resnet::cuda::is_available()) {
    std::cerr << "bench_gemm_ladder: no CUDA device (the GEMM ladder can only be timed on a GPU)\n";
    return 1;
  }
  try {
    const std::vector<GemmKernel> kernels = chosen_kernels(names);
    Cublas cublas;
    bool all_right = true;
    for (const int n : sizes) {
      if (n <= 0) throw std::invalid_argument("--sizes: " + std::to_string(n) + " is not a positive size");
      all_right = measure_size(n, cublas, kernels, warmup, repeats) && all_right;
    }
    return all_right ? 0 : 1;
  } catch (const std::exception& error) {
    std::cerr << "bench_gemm_ladder: " << error.what() << "\n";
    return 1;
  }
}
