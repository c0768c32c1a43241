#include "support/skip.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "resnet/cuda/memory.hpp"
#include "test_paths.hpp"

namespace resnet::testing {

void skip_test(const std::string& reason) {
  std::cout << "skipped: " << reason << std::endl;
  std::exit(kSkipExitCode);
}

void require_cuda_device() {
  if (!cuda::is_built()) skip_test("no CUDA device (this build has no CUDA support)");
  if (!cuda::is_available()) skip_test("no CUDA device");
}

std::string require_full_cifar10() {
  namespace fs = std::filesystem;
  const char* from_environment = std::getenv("RESNET_CIFAR10_DIR");
  const fs::path directory = from_environment != nullptr ? fs::path(from_environment)
                                                         : fs::path(paths::data_directory) / "cifar-10-batches-bin";
  if (!fs::exists(directory / "test_batch.bin") || !fs::exists(directory / "data_batch_5.bin")) {
    skip_test("the full CIFAR-10 set is not in " + directory.string() +
              " (get it with tools/download_cifar10.sh, or set RESNET_CIFAR10_DIR)");
  }
  return directory.string();
}

}  // namespace resnet::testing
