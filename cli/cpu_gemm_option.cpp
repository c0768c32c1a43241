#include "cpu_gemm_option.hpp"

#include "resnet/cpu/packed_sgemm.hpp"
#include "resnet/ops/gemm.hpp"

namespace resnet::cli {

void add_cpu_gemm_option(CLI::App* command, std::string& choice) {
  command
      ->add_option("--cpu-gemm", choice,
                   "the CPU's matrix products: packed (our GEMM, SIMD chosen for this CPU) or openblas")
      ->check(CLI::IsMember({"packed", "openblas"}))
      ->capture_default_str();
}

std::string apply_cpu_gemm(const std::string& choice) {
  if (choice == "openblas") {
    use_cpu_gemm(CpuGemm::openblas);
    return "OpenBLAS";
  }
  use_cpu_gemm(CpuGemm::packed);
  return std::string("our packed GEMM (") + cpu::simd_path_name(cpu::default_simd_path()) + " micro-kernel)";
}

}  // namespace resnet::cli
