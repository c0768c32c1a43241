#include "machine.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <vector>

namespace bench {

std::string cpuinfo_field(const std::string& field) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind(field, 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos) return line.substr(std::min(line.size(), colon + 2));
  }
  return "";
}

bool cpu_has_flag(const std::string& flag) {
  return (" " + cpuinfo_field("flags") + " ").find(" " + flag + " ") != std::string::npos;
}

std::string load_average() {
  std::ifstream loadavg("/proc/loadavg");
  std::string one_minute;
  loadavg >> one_minute;
  return one_minute.empty() ? "unknown" : one_minute;
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d", std::localtime(&now));
  return date;
}

double measured_clock_ghz() {
  const std::uint64_t adds = 400'000'000;
  double best = 1e30;
  for (int run = 0; run < 3; ++run) {
    std::uint64_t x = 0;
    const auto start = std::chrono::steady_clock::now();
    // Eight dependent adds per iteration, so that the loop's own counter, compare and branch
    // (which run beside the chain) cannot become the bottleneck.
    for (std::uint64_t i = 0; i < adds; i += 8) {
      for (int step = 0; step < 8; ++step) {
        x += i;
        __asm__ __volatile__("" : "+r"(x));  // keeps the chain: the compiler may not fold the adds
      }
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  return static_cast<double>(adds) / best * 1e-9;
}

double cpuinfo_clock_ghz() {
  const std::string mhz = cpuinfo_field("cpu MHz");
  return mhz.empty() ? 0.0 : std::stod(mhz) / 1000.0;
}

double fma_peak_gflops(int threads, std::size_t lanes, double clock_ghz) {
  return threads * static_cast<double>(lanes) * 2.0 * 2.0 * clock_ghz;
}

std::size_t simd_lanes(resnet::cpu::SimdPath path) {
  using resnet::cpu::SimdPath;
  return path == SimdPath::avx512 ? 16 : path == SimdPath::avx2 ? 8 : 4;
}

double measured_triad_bandwidth_gbs() {
  const std::size_t count = std::size_t{8} << 20;  // 8 Mi floats = 32 MiB per array
  std::vector<float> a(count, 0.0f), b(count, 1.0f), c(count, 2.0f);
  const float s = 0.5f;
  double best = 1e30;
  for (int pass = 0; pass < 5; ++pass) {
    const auto start = std::chrono::steady_clock::now();
#pragma omp parallel for
    for (std::size_t i = 0; i < count; ++i) a[i] = b[i] + s * c[i];
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  if (a[count / 2] != 2.0f) std::fprintf(stderr, "triad: unexpected value %g\n", static_cast<double>(a[count / 2]));
  return 12.0 * static_cast<double>(count) / best * 1e-9;
}

double best_seconds(const std::function<void()>& work, double min_seconds) {
  work();
  double best = 1e30;
  double total = 0.0;
  for (int run = 0; run < 3 || total < min_seconds; ++run) {
    const auto start = std::chrono::steady_clock::now();
    work();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
    total += elapsed.count();
  }
  return best;
}

double max_relative_difference(const std::vector<float>& ours, const std::vector<float>& reference) {
  double difference = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    difference = std::max(difference, static_cast<double>(std::abs(ours[i] - reference[i])));
    scale = std::max(scale, static_cast<double>(std::abs(reference[i])));
  }
  return scale > 0.0 ? difference / scale : difference;
}

std::string format(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace bench
