// Times the framework's matrix products on n x n float32 matrices and prints one JSON
// object per measurement. bench/compare_matmul.py runs it next to PyTorch.
//
//   bench_matmul --sizes 256,512,1024 --repeats 5
#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "resnet/ops/matmul.hpp"
#include "resnet/random.hpp"

namespace {

// The best (least disturbed) of `repeats` timed runs, after one untimed warm-up run.
double best_seconds(const std::function<void()>& work, int repeats) {
  work();
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    work();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  return best;
}

void report(const char* implementation, std::size_t n, double seconds) {
  const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  std::cout << nlohmann::json{{"op", "matmul"},
                              {"implementation", implementation},
                              {"n", n},
                              {"seconds", seconds},
                              {"gflops", flops / seconds * 1e-9}}
            << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time matmul_naive and matmul_blas on n x n float32 matrices"};
  std::vector<std::size_t> sizes = {128, 256, 512, 1024};
  std::size_t naive_limit = 512;
  int repeats = 5;
  app.add_option("--sizes", sizes, "matrix sizes, comma-separated")->delimiter(',')->capture_default_str();
  app.add_option("--naive-limit", naive_limit, "largest n to time the naive loop at")->capture_default_str();
  app.add_option("--repeats", repeats, "timed runs per measurement (the best is kept)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  resnet::Generator generator(1);
  for (std::size_t n : sizes) {
    const auto a = resnet::random_uniform<float, 2>({n, n}, generator, -1.0, 1.0);
    const auto b = resnet::random_uniform<float, 2>({n, n}, generator, -1.0, 1.0);
    xt::xtensor<float, 2> c;
    report("ours_blas", n, best_seconds([&] { c = resnet::matmul_blas(a, b); }, repeats));
    if (n <= naive_limit) {
      report("ours_naive", n, best_seconds([&] { c = resnet::matmul_naive(a, b); }, repeats));
    }
  }
  return 0;
}
