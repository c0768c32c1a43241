// Times our packed SIMD GEMM (resnet::cpu::sgemm_with, every path this CPU can run)
// against OpenBLAS's cblas_sgemm (resnet::gemm) on the same matrices, on 1 and 2 threads,
// and prints a Markdown table of GFLOP/s with the machine's estimated FMA peak.
// bench/results/sgemm.md holds its output.
//
//   bench_sgemm --sizes 128,256,512,1024,2048 --threads 1,2 --min-seconds 0.3
//
// Shapes: squares, then every convolution of ResNet-34 on CIFAR-10 (32 x 32 images) as
// the GEMM it is for one image, forward and backward:
//   forward           Y (K, P Q)     = W (K, C R S)        x columns (C R S, P Q)
//   backward, dweight dW (K, C R S) = dY (K, P Q)         x columns^T          (B transposed)
//   backward, dx      dcolumns (C R S, P Q) = W^T (C R S, K) x dY (K, P Q)     (A transposed)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "machine.hpp"
#include "resnet/cpu/packed_sgemm.hpp"
#include "resnet/ops/gemm.hpp"
#include "resnet/random.hpp"
#include "resnet/threads.hpp"

namespace {

using namespace bench;
using resnet::Transpose;
using resnet::cpu::SimdPath;

struct Shape {
  std::string name;
  std::size_t M, N, K;
  Transpose transpose_a = Transpose::no;
  Transpose transpose_b = Transpose::no;
};

// One ResNet-34 (CIFAR) convolution: K out-channels, C in-channels, an R x R kernel,
// P x P output; its three GEMMs.
void add_convolution(std::vector<Shape>& shapes, const std::string& name, std::size_t K, std::size_t C, std::size_t R,
                     std::size_t P) {
  const std::size_t CRS = C * R * R;
  const std::size_t PQ = P * P;
  shapes.push_back({name + " fwd", K, PQ, CRS});
  shapes.push_back({name + " dweight", K, CRS, PQ, Transpose::no, Transpose::yes});
  shapes.push_back({name + " dx", CRS, PQ, K, Transpose::yes, Transpose::no});
}

std::vector<Shape> benchmark_shapes(const std::vector<std::size_t>& sizes, bool resnet_shapes) {
  std::vector<Shape> shapes;
  for (std::size_t n : sizes) shapes.push_back({"square " + std::to_string(n), n, n, n});
  if (!resnet_shapes) return shapes;
  add_convolution(shapes, "stem 3x3 3->64 @32", 64, 3, 3, 32);
  add_convolution(shapes, "layer1 3x3 64->64 @32", 64, 64, 3, 32);
  add_convolution(shapes, "layer2 3x3/2 64->128 @16", 128, 64, 3, 16);
  add_convolution(shapes, "layer2 3x3 128->128 @16", 128, 128, 3, 16);
  add_convolution(shapes, "layer3 3x3 256->256 @8", 256, 256, 3, 8);
  add_convolution(shapes, "layer4 3x3 512->512 @4", 512, 512, 3, 4);
  return shapes;
}

// The matrices of one shape, stored as the transpositions say (row lengths = lda, ldb).
struct Operands {
  std::vector<float> a, b, c;
  std::size_t lda, ldb;
};

Operands random_operands(const Shape& shape, resnet::Generator& generator) {
  auto random_vector = [&](std::size_t count) {
    std::vector<float> values(count);
    for (float& value : values) value = static_cast<float>(2.0 * generator.uniform() - 1.0);
    return values;
  };
  return Operands{random_vector(shape.M * shape.K), random_vector(shape.K * shape.N),
                  std::vector<float>(shape.M * shape.N), shape.transpose_a == Transpose::no ? shape.K : shape.M,
                  shape.transpose_b == Transpose::no ? shape.N : shape.K};
}

void run_ours(SimdPath path, const Shape& shape, Operands& operands) {
  resnet::cpu::SgemmOptions options;
  options.path = path;  // threads: resnet::thread_count(), set by the caller
  resnet::cpu::sgemm_with(options, shape.transpose_a, shape.transpose_b, shape.M, shape.N, shape.K, 1.0f,
                          operands.a.data(), operands.lda, operands.b.data(), operands.ldb, 0.0f, operands.c.data(),
                          shape.N);
}

void run_openblas(const Shape& shape, Operands& operands) {
  resnet::gemm<float>(shape.transpose_a, shape.transpose_b, shape.M, shape.N, shape.K, 1.0f, operands.a.data(),
                      operands.b.data(), 0.0f, operands.c.data());
}

void print_machine(const std::vector<SimdPath>& paths, double clock_ghz, double measured_ghz) {
  auto yes_no = [](const char* flag) { return cpu_has_flag(flag) ? "yes" : "no"; };
  std::cout << "- CPU: " << cpuinfo_field("model name") << "; AVX2 " << yes_no("avx2") << ", FMA " << yes_no("fma")
            << ", AVX-512F " << yes_no("avx512f") << "\n"
            << "- Paths timed: ";
  for (SimdPath path : paths) std::cout << resnet::cpu::simd_path_name(path) << " ";
  std::cout << "(default: " << resnet::cpu::simd_path_name(resnet::cpu::default_simd_path()) << ")\n"
            << "- Date: " << today() << "; load average when it started (other processes running): " << load_average()
            << "\n"
            << "- Clock (estimates): /proc/cpuinfo \"cpu MHz\" " << format(clock_ghz, 2)
            << " GHz; measured with a dependent-add loop " << format(measured_ghz, 2) << " GHz\n";
  const SimdPath widest = paths.back();
  std::cout << "- Estimated FMA peak of the " << resnet::cpu::simd_path_name(widest)
            << " path (threads x lanes x 2 FMA units x 2 flops x clock): 1 thread "
            << format(fma_peak_gflops(1, simd_lanes(widest), clock_ghz), 0) << " GFLOP/s at the cpuinfo clock, "
            << format(fma_peak_gflops(1, simd_lanes(widest), measured_ghz), 0) << " at the measured one; 2 threads "
            << format(fma_peak_gflops(2, simd_lanes(widest), clock_ghz), 0) << " / "
            << format(fma_peak_gflops(2, simd_lanes(widest), measured_ghz), 0) << "\n\n";
}

void print_table_header(int threads, const std::vector<SimdPath>& paths) {
  std::cout << "GFLOP/s, " << threads << (threads == 1 ? " thread" : " threads") << ":\n\n"
            << "| shape | M | N | K | op(A) op(B) |";
  for (SimdPath path : paths) std::cout << " " << resnet::cpu::simd_path_name(path) << " |";
  std::cout << " OpenBLAS | best ours / OpenBLAS |\n|---|--:|--:|--:|---|";
  for (std::size_t i = 0; i < paths.size(); ++i) std::cout << "--:|";
  std::cout << "--:|--:|\n";
}

// Times every path and OpenBLAS on one shape; each of our results is checked against
// OpenBLAS's, so that a fast wrong kernel cannot pass unnoticed.
void print_row(const Shape& shape, const std::vector<SimdPath>& paths, Operands& operands, double min_seconds) {
  const double flops = 2.0 * static_cast<double>(shape.M) * static_cast<double>(shape.N) * static_cast<double>(shape.K);
  std::cout << "| " << shape.name << " | " << shape.M << " | " << shape.N << " | " << shape.K << " | "
            << (shape.transpose_a == Transpose::yes ? "T" : "N") << (shape.transpose_b == Transpose::yes ? "T" : "N")
            << " |";
  run_openblas(shape, operands);
  const std::vector<float> reference = operands.c;
  double best_ours = 0.0;
  for (SimdPath path : paths) {
    const double gflops = flops / best_seconds([&] { run_ours(path, shape, operands); }, min_seconds) * 1e-9;
    best_ours = std::max(best_ours, gflops);
    const bool agrees = max_relative_difference(operands.c, reference) < 1e-4;
    std::cout << " " << format(gflops, 1) << (agrees ? "" : " (WRONG RESULT)") << " |";
  }
  const double openblas = flops / best_seconds([&] { run_openblas(shape, operands); }, min_seconds) * 1e-9;
  std::cout << " " << format(openblas, 1) << " | " << format(best_ours / openblas, 2) << " |" << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time our packed SIMD sgemm (every available path) against OpenBLAS"};
  std::vector<std::size_t> sizes = {128, 256, 512, 1024, 2048};
  std::vector<int> thread_counts = {1, 2};
  double min_seconds = 0.3;
  bool resnet_shapes = true;
  app.add_option("--sizes", sizes, "square sizes, comma-separated")->delimiter(',')->capture_default_str();
  app.add_option("--threads", thread_counts, "thread counts, comma-separated")->delimiter(',')->capture_default_str();
  app.add_option("--min-seconds", min_seconds, "time spent per measurement (best run kept)")->capture_default_str();
  app.add_flag("!--no-resnet", resnet_shapes, "skip the ResNet-34 convolution shapes");
  CLI11_PARSE(app, argc, argv);

  const std::vector<SimdPath> paths = resnet::cpu::available_simd_paths();
  print_machine(paths, cpuinfo_clock_ghz(), measured_clock_ghz());

  // One table per thread count, each measured in one go. Switching OpenMP and OpenBLAS
  // between 1 and 2 threads from one row to the next made the 2-thread rows of both
  // libraries erratic on the 2-core machine of bench/results/sgemm.md (some calls took
  // milliseconds); measured in one go they were steady.
  resnet::Generator generator(1);
  const std::vector<Shape> shapes = benchmark_shapes(sizes, resnet_shapes);
  for (int threads : thread_counts) {
    resnet::set_thread_count(threads);  // OpenMP (ours) and OpenBLAS alike
    print_table_header(threads, paths);
    for (const Shape& shape : shapes) {
      Operands operands = random_operands(shape, generator);
      print_row(shape, paths, operands, min_seconds);
    }
    std::cout << "\n";
  }
  return 0;
}
