// Chapter 6's kernels on a GPU, with the checks the emulated tests use (kernel_checks.hpp).
// Skipped without a CUDA device.
#include <catch2/catch.hpp>

#include "../kernel_checks.hpp"
#include "../layer_checks.hpp"
#include "support/skip.hpp"

using namespace resnet;
using namespace resnet::testing;
constexpr cuda::Launch kGpu = cuda::Launch::gpu;

TEST_CASE("relu kernels on the GPU match the CPU relu exactly", "[ch06][elementwise][gpu]") {
  require_cuda_device();
  check_relu<float>(kGpu);
  check_relu<double>(kGpu);
}

TEST_CASE("add and scale kernels on the GPU match xtensor exactly", "[ch06][elementwise][gpu]") {
  require_cuda_device();
  check_add_and_scale<float>(kGpu);
  check_add_and_scale<double>(kGpu);
}

TEST_CASE("per-channel sums on the GPU match the CPU sums", "[ch06][reduction][gpu]") {
  require_cuda_device();
  check_channel_sums<float>(kGpu);
  check_channel_sums<double>(kGpu);
}

TEST_CASE("per-channel mean and variance on the GPU match the CPU ops", "[ch06][reduction][gpu]") {
  require_cuda_device();
  check_channel_mean_variance<float>(kGpu);
  check_channel_mean_variance<double>(kGpu);
}

TEST_CASE("im2col on the GPU matches the CPU im2col exactly", "[ch06][im2col][gpu]") {
  require_cuda_device();
  check_im2col<float>(kGpu);
  check_im2col<double>(kGpu);
}

TEST_CASE("col2im kernels on the GPU match the CPU op", "[ch06][im2col][gpu]") {
  require_cuda_device();
  check_col2im<float>(kGpu);
  check_col2im<double>(kGpu);
}

TEST_CASE("global average pooling kernels on the GPU match the CPU op", "[ch06][pooling][gpu]") {
  require_cuda_device();
  check_global_avg_pool2d<float>(kGpu);
  check_global_avg_pool2d<double>(kGpu);
}

TEST_CASE("max pooling kernels on the GPU match the CPU op", "[ch06][pooling][gpu]") {
  require_cuda_device();
  check_max_pool2d<float>(kGpu);
  check_max_pool2d<double>(kGpu);
}

TEST_CASE("softmax cross-entropy kernels on the GPU match the CPU op", "[ch06][loss][gpu]") {
  require_cuda_device();
  check_cross_entropy<float>(kGpu);
  check_cross_entropy<double>(kGpu);
}

TEST_CASE("Adam update kernels on the GPU match the CPU op", "[ch06][optimizer][gpu]") {
  require_cuda_device();
  check_adam_update<float>(kGpu);
  check_adam_update<double>(kGpu);
}

TEST_CASE("SGD update kernels on the GPU match the CPU op", "[ch06][optimizer][gpu]") {
  require_cuda_device();
  check_sgd_update<float>(kGpu);
  check_sgd_update<double>(kGpu);
}

TEST_CASE("batch norm kernels on the GPU match the CPU op in train and eval mode", "[ch06][batchnorm][gpu]") {
  require_cuda_device();
  check_batchnorm2d<float>(kGpu);
  check_batchnorm2d<double>(kGpu);
}

TEST_CASE("convolution kernels on the GPU match the CPU convolution with every FP32 GEMM rung", "[ch06][conv2d][gpu]") {
  require_cuda_device();
  for (const cuda::GemmKernel kernel : cuda::all_gemm_kernels()) {
    if (kernel != cuda::GemmKernel::tf32_wmma) check_conv2d(kernel, kGpu);  // TF32 rounds the inputs
  }
}
