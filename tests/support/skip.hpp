// Skipping a test that cannot run on this machine.
//
// Catch2 v2 has no SKIP, so a test that finds no GPU (or no full data set) prints why and
// ends its program with exit code 77, which CTest maps to "skipped" (SKIP_RETURN_CODE,
// see cmake/CatchDiscovery.cmake). It is never reported as passed. Such tests live in
// their own programs (test_chNN_gpu, test_chNN_data) so the exit cannot cut short other
// tests.
#pragma once

#include <string>

namespace resnet::testing {

/// The exit code CTest reports as "skipped".
inline constexpr int kSkipExitCode = 77;

/// Prints "skipped: <reason>" and exits with kSkipExitCode.
[[noreturn]] void skip_test(const std::string& reason);

/// Skips unless a CUDA device is usable ("skipped: no CUDA device").
void require_cuda_device();

/// The folder of the full CIFAR-10 set (cifar-10-batches-bin) for tests labelled `data`:
/// $RESNET_CIFAR10_DIR when set, else data/cifar-10-batches-bin in the repository.
/// Skips the test with a message saying how to get the data when it is not there.
std::string require_full_cifar10();

}  // namespace resnet::testing
