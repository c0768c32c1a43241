// What the CPU benchmarks say about the machine they ran on, and how they time: shared by
// bench_sgemm and bench_cpu_gemm_ladder.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "resnet/cpu/packed_sgemm.hpp"

namespace bench {

// The value of the first /proc/cpuinfo line that starts with `field` ("model name",
// "flags", "cpu MHz"); "" when there is none (not Linux).
std::string cpuinfo_field(const std::string& field);

// Whether /proc/cpuinfo's flags list `flag` ("avx2", "fma", "avx512f").
bool cpu_has_flag(const std::string& flag);

// The first field of /proc/loadavg: how many processes wanted a CPU, averaged over a minute.
std::string load_average();

// Today's date, YYYY-MM-DD.
std::string today();

// The clock, measured: a chain of dependent integer adds runs one add per cycle on every
// core of the last decade, so adds per second ~ cycles per second (with turbo, unlike
// /proc/cpuinfo's "cpu MHz", which is often the base clock in a VM). An estimate.
double measured_clock_ghz();

// /proc/cpuinfo's "cpu MHz" in GHz, 0 when absent.
double cpuinfo_clock_ghz();

// Peak GFLOP/s = threads x SIMD lanes x 2 FMA units x 2 flops per FMA x clock.
double fma_peak_gflops(int threads, std::size_t lanes, double clock_ghz);

// Floats per vector register on `path`: 4 (portable), 8 (AVX2), 16 (AVX-512).
std::size_t simd_lanes(resnet::cpu::SimdPath path);

// Memory bandwidth in GB/s, measured: the best of a few passes of a[i] = b[i] + s c[i] over
// three arrays of 32 MiB each (far beyond the caches), counting 12 bytes moved per i
// (two reads, one write; the write's read-for-ownership is not counted, as STREAM does),
// on resnet::thread_count() threads (set it first).
double measured_triad_bandwidth_gbs();

// The best (least disturbed) time of `work`, after one warm-up run, over repeated runs
// that take at least `min_seconds` in all (and at least three runs).
double best_seconds(const std::function<void()>& work, double min_seconds);

// The largest |ours - reference| relative to the reference's largest magnitude (the plain
// largest difference when the reference is all zeros): how far a product is from another
// library's, on the scale of its entries.
double max_relative_difference(const std::vector<float>& ours, const std::vector<float>& reference);

// `value` with `decimals` digits after the point.
std::string format(double value, int decimals);

}  // namespace bench
