// The GPU path of chapter 6 (tensors on Device::cuda, the caching allocator, the layers'
// GPU passes, compare_devices) on the emulated device: device memory is host memory and
// every kernel runs under host emulation, so every machine runs these. On a machine with
// a GPU they run on the GPU instead. The tests that run a network need every task of the
// chapter (ReLU 6.1, sums 6.2, the GEMM 6.3, im2col 6.5), hence the tag of the last, [6.5].
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "resnet/cuda/memory.hpp"
#include "resnet/nn/resnet.hpp"
#include "resnet/ops/cross_entropy.hpp"
#include "resnet/optim/optimizer.hpp"
#include "resnet/random.hpp"
#include "resnet/train/compare_devices.hpp"
#include "support/all_close.hpp"
#include "support/device_for_test.hpp"

using namespace resnet;
using namespace resnet::testing;

namespace {

Tensor<float, 4> random_images(std::size_t n, std::size_t size, std::uint64_t seed) {
  Generator generator(seed);
  return Tensor<float, 4>::from_host(random_normal<float, 4>({n, 3, size, size}, generator));
}

xt::xtensor<std::int64_t, 1> some_labels(std::size_t n) {
  xt::xtensor<std::int64_t, 1> labels = xt::zeros<std::int64_t>({n});
  for (std::size_t i = 0; i < n; ++i) labels(i) = static_cast<std::int64_t>((3 * i + 1) % 10);
  return labels;
}

std::string describe(const DeviceComparison& comparison) {
  const auto first = comparison.first_divergence();
  return first ? first->part + " " + first->pass + " " + first->tensor + ": " + std::to_string(first->worst) : "none";
}

}  // namespace

TEST_CASE("a tensor on the device keeps its values through to(), reshaped() and +=", "[ch06][device]") {
  DeviceForTest device;
  Generator generator(1);
  const xt::xtensor<float, 4> values = random_normal<float, 4>({2, 3, 4, 5}, generator);
  const xt::xtensor<float, 4> more = random_normal<float, 4>({2, 3, 4, 5}, generator);
  auto on_device = Tensor<float, 4>::from_host(values).to(Device::cuda);
  REQUIRE(on_device.device() == Device::cuda);
  CHECK((on_device.to(Device::cpu).host() == values));

  const auto flat = on_device.reshaped(std::array<std::size_t, 2>{2, 60});
  CHECK(flat.device() == Device::cuda);
  CHECK(flat.shape() == std::array<std::size_t, 2>{2, 60});
  {
    INFO(
        "reshaping keeps the values and their row-major order: (2, 3, 4, 5) read as (2, 60) must hold the same 120 "
        "values in the same order");
    CHECK(std::equal(values.begin(), values.end(), flat.to(Device::cpu).host().begin()));
  }
  const std::array<std::size_t, 2> too_few{7, 7};
  CHECK_THROWS_AS(on_device.reshaped(too_few), ShapeError);

  on_device += Tensor<float, 4>::from_host(more).to(Device::cuda);
  const xt::xtensor<float, 4> sum = values + more;
  CHECK((on_device.to(Device::cpu).host() == sum));  // one float addition per value: exact
  const auto on_cpu = Tensor<float, 4>::from_host(more);
  CHECK_THROWS_AS(on_device += on_cpu, DeviceError);
  const auto other_shape = Tensor<float, 4>::zeros({2, 3, 4, 4}, Device::cuda);
  CHECK_THROWS_AS(on_device += other_shape, ShapeError);
}

TEST_CASE("the caching allocator hands a freed block out again instead of allocating", "[ch06][device]") {
  DeviceForTest device;
  cuda::empty_cache();
  { cuda::DeviceBuffer<float> first(1000); }  // freed into the cache
  const cuda::MemoryStats before = cuda::memory_stats();
  CHECK(before.bytes_cached >= 4000);
  { cuda::DeviceBuffer<float> second(1001); }  // the same rounded size (4,096 bytes)
  const cuda::MemoryStats after = cuda::memory_stats();
  CHECK(after.device_allocations == before.device_allocations);
  CHECK(after.reuses == before.reuses + 1);
  cuda::empty_cache();
  CHECK(cuda::memory_stats().bytes_cached == 0);
}

TEST_CASE("the GPU layers refuse a model left on the CPU and a double model", "[ch06][device]") {
  DeviceForTest device;
  Generator generator(2);
  auto model = make_resnet<float>("resnet20", 10, Stem::cifar, generator);
  const auto images = random_images(2, 32, 3).to(Device::cuda);
  CHECK_THROWS_WITH(model->forward(images), Catch::Contains("model.to(Device::cuda)"));
  auto doubles = make_resnet<double>("resnet20", 10, Stem::cifar, generator);
  INFO("the GPU passes compute in float: Module::to refuses a model of doubles, once, with the reason");
  CHECK_THROWS_WITH(doubles->to(Device::cuda), Catch::Contains("compute in float"));
  CHECK(doubles->device() == Device::cpu);
}

TEST_CASE("compare_devices finds ResNet-20 and ResNet-18 the same on both devices, train and eval mode",
          "[ch06][device][6.5]") {
  DeviceForTest device;
  Generator generator(4);
  auto resnet20 = make_resnet<float>("resnet20", 10, Stem::cifar, generator);
  const DeviceComparison train = compare_devices(*resnet20, random_images(4, 32, 5), some_labels(4));
  INFO("first divergence: " << describe(train));
  CHECK_FALSE(train.first_divergence());
  // 3 stem parts + 9 blocks + pool, flatten and fc, each with an output and an input
  // gradient, plus the gradients of all 65 parameters and the 63 buffers of the 21 batch norms.
  CHECK(train.entries.size() == 15 * 2 + 65 + 63);

  resnet20->eval();
  const DeviceComparison eval = compare_devices(*resnet20, random_images(4, 32, 6), some_labels(4));
  INFO("first divergence in eval mode: " << describe(eval));
  CHECK_FALSE(eval.first_divergence());

  // The ImageNet stem (7x7 convolution with stride 2, max-pool) and projection shortcuts.
  // 64x64 images, so that layer4's batch norms see 4 images of 2x2: with 32x32 images
  // they would normalise 1x1 maps, where two images' values are near one another and any
  // rounding is amplified by 1 / sqrt(variance) (measured there: 2.3e-4 at layer4.0's output).
  auto resnet18 = make_resnet<float>("resnet18", 10, Stem::imagenet, generator);
  const DeviceComparison imagenet = compare_devices(*resnet18, random_images(4, 64, 7), some_labels(4));
  INFO("first divergence in ResNet-18: " << describe(imagenet));
  CHECK_FALSE(imagenet.first_divergence());
}

TEST_CASE("compare_devices names the part where a planted fault is", "[ch06][device][6.5]") {
  DeviceForTest device;
  Generator generator(8);
  auto model = make_resnet<float>("resnet20", 10, Stem::cifar, generator);
  const auto images = random_images(2, 32, 9);
  const DeviceComparison comparison = compare_devices(*model, images, some_labels(2), 1e-4, [](ResNet<float>& twin) {
    // One weight of layer2.0's first convolution, changed on the GPU copy only.
    auto& block = dynamic_cast<BasicBlock<float>&>(twin.stage(1)[0]);
    auto weights = block.conv1.weight.value.to(Device::cpu);
    weights.host()(0, 0, 1, 1) += 0.5f;
    block.conv1.weight.value = weights.to(Device::cuda);
  });
  const auto first = comparison.first_divergence();
  REQUIRE(first);
  CHECK(first->part == "layer2.0");
  CHECK(first->pass == "forward");
  CHECK(first->tensor == "output");
}

TEST_CASE("after its first steps, a training step on the device allocates no new memory", "[ch06][device][6.5]") {
  DeviceForTest device;
  Generator generator(10);
  auto model = make_resnet<float>("resnet20", 10, Stem::cifar, generator);
  model->to(Device::cuda);
  SgdSettings settings;
  settings.momentum = 0.9;
  Sgd<float> optimizer(model->named_parameters(), settings);
  const auto images = random_images(4, 32, 11).to(Device::cuda);
  const auto labels = some_labels(4);
  auto step = [&] {
    optimizer.zero_grad();
    const auto logits = model->forward(images).to(Device::cpu);
    const auto loss = cross_entropy_forward(logits.host(), labels);
    model->backward(Tensor<float, 2>::from_host(cross_entropy_backward(1.0f, loss.cache).dlogits).to(Device::cuda));
    optimizer.step();
  };
  step();
  step();
  const std::size_t allocations = cuda::memory_stats().device_allocations;
  step();
  step();
  CHECK(cuda::memory_stats().device_allocations == allocations);
}
