// Chapter 8 demo: the CPU GEMM ladder on one square product.
//
// Runs every rung of resnet::cpu::ladder, then the library's SIMD sgemm and OpenBLAS, on
// the same n x n matrices; prints each one's GFLOP/s, its speed-up over the rung before
// and its largest difference from OpenBLAS. A rung whose task is not written yet says so
// and the demo goes on. bench_cpu_gemm_ladder does the careful version (several sizes,
// repeated runs, the machine's peak, a roofline).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "demo.hpp"
#include "resnet/cpu/gemm_ladder.hpp"
#include "resnet/cpu/packed_sgemm.hpp"
#include "resnet/ops/gemm.hpp"
#include "resnet/random.hpp"
#include "resnet/threads.hpp"

namespace {

using namespace resnet;

// The largest n at which the demo runs rung 01 (at n = 1024 it takes a few seconds a call;
// the time grows as n cubed).
constexpr std::size_t kNaiveLimit = 1024;

// Seconds of one call of `work`: the best of three, after a warm-up call.
double best_of_three(const std::function<void()>& work) {
  work();
  double best = 1e30;
  for (int run = 0; run < 3; ++run) {
    const auto start = std::chrono::steady_clock::now();
    work();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

// The largest |difference| from the reference, relative to the reference's largest entry.
double relative_difference(const std::vector<float>& c, const std::vector<float>& reference) {
  double difference = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < c.size(); ++i) {
    difference = std::max(difference, static_cast<double>(std::abs(c[i] - reference[i])));
    scale = std::max(scale, static_cast<double>(std::abs(reference[i])));
  }
  return difference / scale;
}

int run(std::size_t n, int threads) {
  Generator generator(8);
  auto random_matrix = [&] {
    std::vector<float> values(n * n);
    for (float& value : values) value = static_cast<float>(2.0 * generator.uniform() - 1.0);
    return values;
  };
  const std::vector<float> a = random_matrix(), b = random_matrix();
  std::vector<float> c(n * n), reference(n * n);
  auto openblas = [&](float* out) {
    gemm<float>(Transpose::no, Transpose::no, n, n, n, 1.0f, a.data(), b.data(), 0.0f, out);
  };
  set_thread_count(1);
  openblas(reference.data());
  const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);

  std::printf("C = A B with n = %zu (%.2f GFLOP per product); rungs 01-05 on one thread, rung 06 on %d\n\n", n,
              flops * 1e-9, threads);
  std::printf("  %-34s %10s %10s %14s\n", "code", "GFLOP/s", "x before", "max rel. diff");
  double previous = 0.0;
  auto report = [&](const std::string& name, const std::function<void()>& multiply) {
    std::fill(c.begin(), c.end(), 0.0f);
    const bool ran = demo::run_step(name.c_str(), [&] {
      const double gflops = flops / best_of_three(multiply) * 1e-9;
      char speedup[16] = "";
      if (previous > 0.0) std::snprintf(speedup, sizeof speedup, "%.1f", gflops / previous);
      std::printf("  %-34s %10.1f %10s %14.2e\n", name.c_str(), gflops, speedup, relative_difference(c, reference));
      previous = gflops;
    });
    if (!ran) previous = 0.0;
  };
  for (const cpu::ladder::Rung& rung : cpu::ladder::ladder_rungs(threads)) {
    if (rung.name == "01_naive" && n > kNaiveLimit) {
      std::printf("  %-34s not run: n > %zu would take minutes\n", ("rung " + rung.name).c_str(), kNaiveLimit);
      continue;
    }
    set_thread_count(rung.name == "06_threads" ? threads : 1);
    report("rung " + rung.name + " (task " + rung.task + ")",
           [&] { rung.multiply(a.data(), b.data(), c.data(), n, n, n); });
  }
  set_thread_count(threads);
  previous = 0.0;
  std::printf("\n  The library and OpenBLAS on %d threads, for comparison:\n", threads);
  report(std::string("resnet::cpu::sgemm (") + cpu::simd_path_name(cpu::default_simd_path()) + ")",
         [&] { cpu::sgemm(Transpose::no, Transpose::no, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n); });
  previous = 0.0;
  report("OpenBLAS", [&] { openblas(c.data()); });
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 8: the CPU GEMM ladder, rung by rung"};
  std::size_t n = 512;
  int threads = 2;
  app.add_option("--size", n, "n of the n x n matrices")->check(CLI::Range(1, 4096))->capture_default_str();
  app.add_option("--threads", threads, "threads of rung 06 and the libraries")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return resnet::demo::run_demo([&] { return run(n, threads); });
}
