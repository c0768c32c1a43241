// The Tensor handle: shape, values on the CPU, explicit device copies.
#include <catch2/catch.hpp>

#include "resnet/cuda/memory.hpp"
#include "resnet/tensor.hpp"
#include "support/all_close.hpp"

using namespace resnet;
using resnet::testing::AllClose;
namespace tolerance = resnet::testing::tolerance;

TEST_CASE("a new tensor holds zeros of its shape on the CPU", "[ch01][tensor][hand]") {
  auto t = Tensor<float, 4>::zeros({2, 3, 4, 5});
  CHECK(t.shape() == std::array<std::size_t, 4>{2, 3, 4, 5});
  CHECK(t.dim(1) == 3);
  CHECK(t.size() == 120);
  CHECK(t.device() == Device::cpu);
  CHECK(t.host().shape() == t.shape());
  INFO("Tensor::zeros must set every value to 0, not leave the memory uninitialised");
  CHECK(xt::all(xt::equal(t.host(), 0.0f)));
}

TEST_CASE("a rank-1 tensor of zeros has the requested length, not one value", "[ch01][tensor][hand]") {
  // xt::xtensor<float, 1>({3}) would be the single value 3; zeros({3}) is three zeros.
  const auto bias = Tensor<float, 1>::zeros({3});
  CHECK(bias.size() == 3);
  INFO("zeros({3}) is three values, each 0");
  CHECK(xt::all(xt::equal(bias.host(), 0.0f)));
}

TEST_CASE("a tensor made from an xtensor keeps its values and shape", "[ch01][tensor][hand]") {
  const xt::xtensor<double, 2> values = {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  const auto t = Tensor<double, 2>::from_host(values);
  CHECK(t.shape() == std::array<std::size_t, 2>{2, 3});
  CHECK_THAT(t.host(), AllClose(values, tolerance::exact));
}

TEST_CASE("copies of a tensor are independent", "[ch01][tensor][property]") {
  auto original = Tensor<float, 1>::from_host({1.0f, 2.0f});
  Tensor<float, 1> copy = original;
  Tensor<float, 1> moved_to_cpu = original.to(Device::cpu);
  copy.host()(0) = 10.0f;
  moved_to_cpu.host()(1) = 20.0f;
  INFO(
      "a copy, and .to(Device::cpu) of a CPU tensor, must own their values: writing 10 into the copy and 20 into "
      "the other must leave the original at (1, 2); a shared buffer would change it behind its owner's back");
  CHECK_THAT(original.host(), AllClose(xt::xtensor<float, 1>{1.0f, 2.0f}, tolerance::exact));
}

TEST_CASE("fill_zero clears a CPU tensor", "[ch01][tensor][hand]") {
  auto t = Tensor<float, 2>::from_host({{1.0f, -2.0f}});
  t.fill_zero();
  INFO("fill_zero must set every value to 0");
  CHECK(xt::all(xt::equal(t.host(), 0.0f)));
}

TEST_CASE("asking a CPU tensor for device memory is a clear error", "[ch01][tensor][error]") {
  auto t = Tensor<float, 4>::zeros({1, 3, 2, 2});
  CHECK_THROWS_AS(t.device_data(), DeviceError);
  CHECK_THROWS_WITH(t.device_data(), Catch::Contains("lives on cpu") && Catch::Contains("(1, 3, 2, 2)"));
  CHECK_THROWS_AS(t.dim(4), ShapeError);
}

TEST_CASE("copying to cuda round-trips with a GPU and is a clear error without one", "[ch01][tensor][error]") {
  const auto t = Tensor<float, 1>::from_host({1.0f, 2.0f, 3.0f});
  if (cuda::is_available()) {
    CHECK_THAT(t.to(Device::cuda).to(Device::cpu).host(), AllClose(t.host(), tolerance::exact));
  } else {
    CHECK_THROWS_AS(t.to(Device::cuda), DeviceError);
    CHECK_THROWS_AS((Tensor<float, 1>::zeros({3}, Device::cuda)), DeviceError);
  }
}

TEST_CASE("devices are named as on the command line", "[ch01][tensor][hand]") {
  CHECK(parse_device("cpu") == Device::cpu);
  CHECK(parse_device("cuda") == Device::cuda);
  CHECK(to_string(Device::cuda) == "cuda");
  CHECK_THROWS_WITH(parse_device("gpu"), Catch::Contains("expected cpu or cuda"));
}
