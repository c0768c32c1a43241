#include "cpu_options.hpp"

#include "resnet/cpu/packed_sgemm.hpp"
#include "resnet/exercise.hpp"
#include "resnet/ops/gemm.hpp"

namespace resnet::cli {

CpuChoices::CpuChoices() : kernels(has_exercise_chapters() ? "reference" : "packed") {}

void add_cpu_options(CLI::App* command, CpuChoices& choices) {
  command
      ->add_option("--kernels", choices.kernels,
                   "the CPU layers' code: packed (the library's kernels: convolution on packed panels or Winograd, "
                   "batch norm fused with ReLU) or reference (the chapters' code; the default in a build with exercise "
                   "chapters)")
      ->check(CLI::IsMember({"packed", "reference"}))
      ->capture_default_str();
  command
      ->add_option("--cpu-gemm", choices.gemm,
                   "the reference code's matrix products: packed (our GEMM, SIMD chosen for this CPU) or openblas")
      ->check(CLI::IsMember({"packed", "openblas"}))
      ->capture_default_str();
}

CpuKernels apply_cpu_options(const CpuChoices& choices, std::string& description) {
  use_cpu_gemm(choices.gemm == "openblas" ? CpuGemm::openblas : CpuGemm::packed);
  const std::string gemm =
      choices.gemm == "openblas"
          ? std::string("OpenBLAS")
          : std::string("our packed GEMM (") + cpu::simd_path_name(cpu::default_simd_path()) + " micro-kernel)";
  if (choices.kernels == "reference") {
    description = "the reference kernels (the chapters' code) on " + gemm;
    return CpuKernels::reference;
  }
  description = "the packed kernels (" + std::string(cpu::simd_path_name(cpu::default_simd_path())) +
                " micro-kernel; other layers: the reference on " + gemm + ")";
  return CpuKernels::packed;
}

}  // namespace resnet::cli
