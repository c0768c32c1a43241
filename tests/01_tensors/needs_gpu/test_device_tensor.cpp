// Tensors on a CUDA device (skipped without one: exit code 77, see tests/support/skip.hpp).
#include <catch2/catch.hpp>

#include "resnet/random.hpp"
#include "resnet/tensor.hpp"
#include "support/all_close.hpp"
#include "support/skip.hpp"

using namespace resnet;
using resnet::testing::AllClose;
namespace tolerance = resnet::testing::tolerance;

TEST_CASE("a tensor copied to the GPU and back is unchanged", "[ch01][tensor][gpu]") {
  resnet::testing::require_cuda_device();
  Generator generator(10);
  const auto host = Tensor<float, 4>::from_host(random_normal<float, 4>({2, 3, 5, 7}, generator));
  const Tensor<float, 4> device = host.to(Device::cuda);
  CHECK(device.device() == Device::cuda);
  CHECK(device.shape() == host.shape());
  CHECK(device.device_data() != nullptr);
  CHECK_THROWS_AS(device.host(), DeviceError);
  CHECK_THAT(device.to(Device::cpu).host(), AllClose(host.host(), tolerance::exact));
}

TEST_CASE("a new GPU tensor is zero and fill_zero clears one", "[ch01][tensor][gpu]") {
  resnet::testing::require_cuda_device();
  auto zeros = Tensor<double, 2>::zeros({3, 4}, Device::cuda);
  INFO("Tensor::zeros on the GPU must set every value to 0 (cudaMalloc leaves memory uninitialised)");
  CHECK(xt::all(xt::equal(zeros.to(Device::cpu).host(), 0.0)));
  auto ones = Tensor<double, 2>::from_host(xt::ones<double>({3, 4})).to(Device::cuda);
  Tensor<double, 2> copy = ones;  // device-to-device copy
  ones.fill_zero();
  INFO("fill_zero must clear every value of the device tensor");
  CHECK(xt::all(xt::equal(ones.to(Device::cpu).host(), 0.0)));
  INFO("a copy of a device tensor owns its own device memory: clearing the original must leave the copy's ones");
  CHECK(xt::all(xt::equal(copy.to(Device::cpu).host(), 1.0)));
}
