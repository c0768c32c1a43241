// Times chapter 8's CPU GEMM ladder (resnet::cpu::ladder, rungs 01-06), the library's
// packed SIMD sgemm and OpenBLAS on the same square matrices, checks every result against
// OpenBLAS's, and prints a Markdown table: GFLOP/s, the fraction of this machine's peak and
// of OpenBLAS. bench/results/cpu_gemm_ladder.md holds its output; --roofline draws the
// measured points under this machine's roofs (docs/images/cpu_roofline.svg).
//
//   bench_cpu_gemm_ladder --sizes 256,1024 --threads 2 --roofline cpu_roofline.svg
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "machine.hpp"
#include "resnet/cpu/gemm_ladder.hpp"
#include "resnet/cpu/packed_sgemm.hpp"
#include "resnet/exercise.hpp"
#include "resnet/ops/gemm.hpp"
#include "resnet/random.hpp"
#include "resnet/threads.hpp"
#include "resnet/viz/plot.hpp"

namespace {

using namespace bench;
using resnet::cpu::SimdPath;

// One timed row: a name, its thread count and what it multiplies with.
struct Contender {
  std::string name;
  std::string task;
  int threads;
  std::function<void(const float*, const float*, float*, std::size_t)> multiply;  // square n x n
};

std::vector<Contender> contenders(int threads) {
  std::vector<Contender> list;
  for (const auto& rung : resnet::cpu::ladder::ladder_rungs(threads)) {
    const bool threaded = rung.name == "06_threads";
    list.push_back({"rung " + rung.name, rung.task, threaded ? threads : 1,
                    [multiply = rung.multiply](const float* a, const float* b, float* c, std::size_t n) {
                      multiply(a, b, c, n, n, n);
                    }});
  }
  const std::string simd =
      std::string("resnet::cpu::sgemm (") + resnet::cpu::simd_path_name(resnet::cpu::default_simd_path()) + ")";
  auto ours = [](const float* a, const float* b, float* c, std::size_t n) {
    resnet::cpu::sgemm(resnet::Transpose::no, resnet::Transpose::no, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
  };
  auto openblas = [](const float* a, const float* b, float* c, std::size_t n) {
    resnet::gemm<float>(resnet::Transpose::no, resnet::Transpose::no, n, n, n, 1.0f, a, b, 0.0f, c);
  };
  for (int count : {1, threads}) {
    list.push_back({simd, "library", count, ours});
    list.push_back({"OpenBLAS", "Debian", count, openblas});
    if (threads == 1) break;
  }
  return list;
}

struct Peaks {
  double four_lanes_one_thread;  // what plain C++ compiled for baseline x86-64 (SSE) or ARM64 (NEON) can reach
  double widest_one_thread;      // the widest FMA path of this CPU
};

double peak_for(const Contender& row, const Peaks& peaks) {
  const bool portable_code = row.task != "library" && row.task != "Debian";
  return (portable_code ? peaks.four_lanes_one_thread : peaks.widest_one_thread) * row.threads;
}

// What one size's table found, for the roofline.
struct Measured {
  std::string name;
  int threads;
  double gflops;
};

std::vector<Measured> time_size(std::size_t n, int threads, double min_seconds, const Peaks& peaks,
                                std::size_t naive_limit) {
  resnet::Generator generator(1);
  auto random_matrix = [&] {
    std::vector<float> values(n * n);
    for (float& value : values) value = static_cast<float>(2.0 * generator.uniform() - 1.0);
    return values;
  };
  const std::vector<float> a = random_matrix(), b = random_matrix();
  std::vector<float> c(n * n), reference(n * n);
  resnet::gemm<float>(resnet::Transpose::no, resnet::Transpose::no, n, n, n, 1.0f, a.data(), b.data(), 0.0f,
                      reference.data());
  const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);

  std::cout << "n = " << n << " (A, B, C each " << format(4.0 * n * n / (1 << 20), 1) << " MiB):\n\n"
            << "| code | task | threads | GFLOP/s | % of peak | / OpenBLAS, same threads | max rel. difference |\n"
            << "|---|---|--:|--:|--:|--:|--:|\n";
  std::vector<Measured> measured;
  const std::vector<Contender> rows = contenders(threads);
  // One group per thread count, OpenBLAS first in each, so that every row is compared with
  // the OpenBLAS run just before it on the same thread count. (Switching the thread count
  // back and forth between rows made the first calls after a switch erratic.)
  for (int group_threads : {1, threads}) {
    resnet::set_thread_count(group_threads);
    double openblas = 0.0;
    for (const Contender& row : rows) {
      if (row.name == "OpenBLAS" && row.threads == group_threads) {
        openblas = flops / best_seconds([&] { row.multiply(a.data(), b.data(), c.data(), n); }, min_seconds) * 1e-9;
      }
    }
    for (const Contender& row : rows) {
      if (row.threads != group_threads) continue;
      std::cout << "| " << row.name << " | " << row.task << " | " << row.threads << " | ";
      if (row.name == "rung 01_naive" && n > naive_limit) {
        std::cout << "not timed (n > --naive-limit) | | | |\n";
        continue;
      }
      try {
        std::fill(c.begin(), c.end(), std::nanf(""));
        const double seconds = best_seconds([&] { row.multiply(a.data(), b.data(), c.data(), n); }, min_seconds);
        const double gflops = flops / seconds * 1e-9;
        const double difference = max_relative_difference(c, reference);
        char difference_text[32];
        std::snprintf(difference_text, sizeof difference_text, "%.1e", difference);
        std::cout << format(gflops, 1) << " | " << format(100.0 * gflops / peak_for(row, peaks), 0) << " | "
                  << format(gflops / openblas, 2) << " | " << difference_text
                  << (difference < 1e-4 ? "" : " (WRONG RESULT)") << " |" << std::endl;
        measured.push_back({row.name, row.threads, gflops});
      } catch (const resnet::NotImplemented& error) {
        std::cout << "not implemented yet (task " << error.task_id() << ") | | | |\n";
      }
    }
    if (threads == 1) break;
  }
  std::cout << "\n";
  return measured;
}

// The roofline of this machine: attainable GFLOP/s = min(peak, bandwidth x intensity),
// one roof per peak, and the measured points at the square product's intensity
// 2 n^3 / (3 n^2 x 4 bytes) = n / 6 flops per byte (each matrix moved once: the least
// traffic there is; a rung that moves more sits lower for that reason).
void draw_roofline(const std::string& path, double bandwidth, const Peaks& peaks, int threads, std::size_t n,
                   const std::vector<Measured>& measured) {
  auto roof = [&](const std::string& label, double peak) {
    const double ridge = peak / bandwidth;
    return resnet::PlotSeries{label, {0.01, ridge, 1000.0}, {bandwidth * 0.01, peak, peak}};
  };
  const std::string widest = resnet::cpu::simd_path_name(resnet::cpu::default_simd_path());
  std::vector<resnet::PlotSeries> series = {
      roof("roof: 1 thread, 4-float SIMD", peaks.four_lanes_one_thread),
      roof("roof: " + std::to_string(threads) + " threads, " + widest + " FMA", peaks.widest_one_thread * threads)};
  const double intensity = static_cast<double>(n) / 6.0;
  resnet::PlotSeries ladder{"rungs 01-06, bottom up", {}, {}};
  resnet::PlotSeries library{"sgemm, OpenBLAS (" + std::to_string(threads) + " thr.)", {}, {}};
  for (const Measured& point : measured) {
    if (point.name.rfind("rung", 0) == 0) {
      ladder.x.push_back(intensity);
      ladder.y.push_back(point.gflops);
    } else if (point.threads == threads) {
      library.x.push_back(intensity);
      library.y.push_back(point.gflops);
    }
  }
  std::sort(ladder.y.begin(), ladder.y.end());
  if (!ladder.x.empty()) series.push_back(ladder);
  if (!library.x.empty()) series.push_back(library);
  resnet::PlotSettings settings;
  settings.title = "Roofline of this CPU, " + std::to_string(n) + " x " + std::to_string(n) + " GEMM";
  settings.x_label = "arithmetic intensity (flops per byte of memory traffic)";
  settings.y_label = "GFLOP/s";
  settings.log_x = true;
  settings.log_y = true;
  settings.width = 820;
  settings.height = 460;
  resnet::write_line_plot(path, series, settings);
  std::cout << "Roofline written to " << path << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time chapter 8's CPU GEMM ladder against the library's sgemm and OpenBLAS"};
  std::vector<std::size_t> sizes = {256, 1024};
  int threads = 2;
  double min_seconds = 0.3;
  std::size_t naive_limit = 1024;
  std::string roofline;
  app.add_option("--sizes", sizes, "square sizes, comma-separated")->delimiter(',')->capture_default_str();
  app.add_option("--threads", threads, "threads of rung 06 and of the multi-threaded library rows")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--min-seconds", min_seconds, "time spent per measurement (best run kept)")->capture_default_str();
  app.add_option("--naive-limit", naive_limit, "largest n at which rung 01 is timed")->capture_default_str();
  app.add_option("--roofline", roofline, "write the roofline of the largest size to this SVG file");
  CLI11_PARSE(app, argc, argv);

  const double clock = measured_clock_ghz();
  const SimdPath widest = resnet::cpu::default_simd_path();
  const Peaks peaks{fma_peak_gflops(1, 4, clock), fma_peak_gflops(1, simd_lanes(widest), clock)};
  resnet::set_thread_count(threads);
  const double bandwidth = measured_triad_bandwidth_gbs();
  auto yes_no = [](const char* flag) { return cpu_has_flag(flag) ? "yes" : "no"; };
  std::cout << "- CPU: " << cpuinfo_field("model name") << "; AVX2 " << yes_no("avx2") << ", FMA " << yes_no("fma")
            << ", AVX-512F " << yes_no("avx512f") << "\n"
            << "- Date: " << today() << "; load average at the start: " << load_average() << "\n"
            << "- Clock: " << format(clock, 2) << " GHz measured (a dependent-add loop); /proc/cpuinfo says "
            << format(cpuinfo_clock_ghz(), 2) << " GHz\n"
            << "- Peak per thread (lanes x 2 units x 2 flops x clock): " << format(peaks.four_lanes_one_thread, 0)
            << " GFLOP/s for 4-float SIMD (the rungs: plain C++, baseline x86-64 SSE or ARM64 NEON), "
            << format(peaks.widest_one_thread, 0) << " for " << resnet::cpu::simd_path_name(widest)
            << " (the library's kernel and OpenBLAS); \"% of peak\" uses the one that applies, times the threads\n"
            << "- Memory bandwidth (triad, " << threads << " threads): " << format(bandwidth, 1) << " GB/s\n\n";

  std::vector<Measured> last;
  for (std::size_t n : sizes) last = time_size(n, threads, min_seconds, peaks, naive_limit);
  if (!roofline.empty() && !sizes.empty()) draw_roofline(roofline, bandwidth, peaks, threads, sizes.back(), last);
  return 0;
}
