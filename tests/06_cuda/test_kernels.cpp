// Chapter 6's kernels under host emulation: the same kernel bodies the GPU runs, looped
// over the grid on the CPU, against the CPU ops of chapters 1-3. Every machine runs these;
// needs_gpu/test_kernels_gpu.cpp runs the same checks on a GPU.
#include <catch2/catch.hpp>

#include "kernel_checks.hpp"
#include "layer_checks.hpp"

using namespace resnet;
using namespace resnet::testing;
constexpr cuda::Launch kEmulated = cuda::Launch::host_emulation;

TEST_CASE("emulated relu kernels match the CPU relu exactly", "[ch06][elementwise][6.1]") {
  check_relu<float>(kEmulated);
  check_relu<double>(kEmulated);
}

TEST_CASE("emulated add and scale kernels match xtensor exactly", "[ch06][elementwise]") {
  check_add_and_scale<float>(kEmulated);
  check_add_and_scale<double>(kEmulated);
}

TEST_CASE("emulated per-channel sums match the CPU sums", "[ch06][reduction][6.2]") {
  check_channel_sums<float>(kEmulated);
  check_channel_sums<double>(kEmulated);
}

TEST_CASE("emulated per-channel mean and variance match the CPU ops", "[ch06][reduction][6.2]") {
  check_channel_mean_variance<float>(kEmulated);
  check_channel_mean_variance<double>(kEmulated);
}

TEST_CASE("emulated im2col matches the CPU im2col exactly", "[ch06][im2col][6.5]") {
  check_im2col<float>(kEmulated);
  check_im2col<double>(kEmulated);
}

TEST_CASE("emulated col2im kernels match the CPU op", "[ch06][im2col]") {
  check_col2im<float>(kEmulated);
  check_col2im<double>(kEmulated);
}

TEST_CASE("emulated global average pooling kernels match the CPU op", "[ch06][pooling]") {
  check_global_avg_pool2d<float>(kEmulated);
  check_global_avg_pool2d<double>(kEmulated);
}

TEST_CASE("emulated max pooling kernels match the CPU op", "[ch06][pooling]") {
  check_max_pool2d<float>(kEmulated);
  check_max_pool2d<double>(kEmulated);
}

TEST_CASE("emulated softmax cross-entropy kernels match the CPU op", "[ch06][loss]") {
  check_cross_entropy<float>(kEmulated);
  check_cross_entropy<double>(kEmulated);
}

TEST_CASE("emulated Adam update kernels match the CPU op", "[ch06][optimizer]") {
  check_adam_update<float>(kEmulated);
  check_adam_update<double>(kEmulated);
}

TEST_CASE("emulated SGD update kernels match the CPU op", "[ch06][optimizer]") {
  check_sgd_update<float>(kEmulated);
  check_sgd_update<double>(kEmulated);
}

TEST_CASE("emulated batch norm kernels match the CPU op in train and eval mode", "[ch06][batchnorm][6.2]") {
  check_batchnorm2d<float>(kEmulated);
  check_batchnorm2d<double>(kEmulated);
}

TEST_CASE("emulated convolution kernels match the CPU convolution", "[ch06][conv2d][6.5]") {
  // The rungs with a host emulation; the GPU test runs every rung.
  for (const cuda::GemmKernel kernel : cuda::all_gemm_kernels()) {
    if (cuda::gemm_runs_on_host(kernel)) check_conv2d(kernel, kEmulated);
  }
}

TEST_CASE("a GPU launch runs where a device is usable and is a clear error elsewhere", "[ch06][errors]") {
  std::vector<float> x = {-1.0f, 2.0f, -3.0f, 4.0f}, y(4);
  if (!cuda::is_available()) {
    INFO("no usable GPU (no CUDA in the build, or no device): launching on the GPU must throw DeviceError");
    CHECK_THROWS_AS(cuda::relu_forward(x.data(), y.data(), x.size(), cuda::Launch::gpu), DeviceError);
    return;
  }
  INFO("a usable GPU: the launch runs and gives relu's values");
  cuda::DeviceBuffer<float> on_device(4), out(4);
  cuda::copy_host_to_device(on_device.data(), x.data(), 4 * sizeof(float));
  cuda::relu_forward(on_device.data(), out.data(), 4, cuda::Launch::gpu);
  cuda::copy_device_to_host(y.data(), out.data(), 4 * sizeof(float));
  CHECK(y == std::vector<float>{0.0f, 2.0f, 0.0f, 4.0f});
}

TEST_CASE("the per-element kernels index in 32 bits and refuse a tensor too large for it", "[ch06][errors]") {
  CHECK(cuda::index32(4294967295u, "col2im") == 4294967295u);  // 2^32 - 1 values fit
  CHECK_THROWS_AS(cuda::index32(std::size_t{1} << 32, "col2im"), ShapeError);
  CHECK_THROWS_WITH(cuda::index32(std::size_t{1} << 32, "col2im"),
                    Catch::Contains("col2im: 4294967296 values need 64-bit indices"));
  // A kernel checks before it launches: batch norm over 2^32 values is refused with no
  // memory touched (the pointers are never read).
  cuda::BatchNormArrays<float> arrays{};
  CHECK_THROWS_AS(
      cuda::batchnorm2d_forward(arrays, std::size_t{1} << 16, 256, 256, false, 1e-5, 0.1, cuda::Launch::host_emulation),
      ShapeError);
}
