// The GPU path of chapter 6 (tensors on Device::cuda, the caching allocator, the layers'
// GPU passes, compare_devices) on the emulated device: device memory is host memory and
// every kernel runs under host emulation, so every machine runs these. On a machine with
// a GPU they run on the GPU instead. The tests that run a network need every task of the
// chapter (ReLU 6.1, sums 6.2, the GEMM 6.3, im2col 6.5), hence the tag of the last, [6.5].
#include <algorithm>
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "resnet/cuda/memory.hpp"
#include "resnet/nn/batchnorm2d.hpp"
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
  const DeviceComparison comparison = compare_devices(*model, images, some_labels(2), {}, [](ResNet<float>& twin) {
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

namespace {

// Batch norm's input gradient (training mode) for the upstream gradient dy, as doubles.
std::vector<double> batch_norm_input_gradient(const Tensor<float, 4>& x, const xt::xtensor<float, 4>& dy) {
  BatchNorm2d<float> batch_norm(x.dim(1));
  batch_norm.forward(x);
  return values_of(batch_norm.backward(Tensor<float, 4>::from_host(dy)));
}

}  // namespace

// The rule on a real backward pass: batch norm's input gradient for the upstream gradient
// dy, and for dy with one entry zeroed, as when the ReLU after the batch norm saw that
// entry's pre-activation on the other side of zero on one device only.
TEST_CASE("compare_tensor lets a ReLU flip through norm-wise in a backward tensor, and a real bug not", "[ch06]") {
  Generator generator(12);
  constexpr std::size_t n_images = 8, channels = 16, map = 16 * 16;
  const auto x = Tensor<float, 4>::from_host(random_normal<float, 4>({n_images, channels, 16, 16}, generator));
  const xt::xtensor<float, 4> dy = random_normal<float, 4>({n_images, channels, 16, 16}, generator);
  xt::xtensor<float, 4> flipped = dy;
  flipped(1, 3, 4, 5) = 0.0f;
  const std::vector<double> cpu = batch_norm_input_gradient(x, dy);
  const std::vector<double> gpu = batch_norm_input_gradient(x, flipped);
  const AgreementRule rule;  // 1e-4 element-wise, 3e-2 norm-wise

  const DeviceDifference flip = compare_tensor("bn", "backward", "input gradient", cpu, gpu, rule);
  INFO("the flip of dy = " << dy(1, 3, 4, 5) << ": element-wise " << flip.worst << ", norm-wise " << flip.norm_relative
                           << ", beyond " << flip.fraction_beyond);
  CHECK(flip.worst > 1e-2);  // far beyond the element-wise tolerance...
  // ...and spread by batch norm's backward over the channel (one sixteenth of the entries):
  // each entry of it moves by (dy_i / M)(1 + x̂_i x̂_j) gamma / sigma, most beyond 1e-4
  CHECK(flip.fraction_beyond > 0.5 / channels);
  CHECK(flip.fraction_beyond <= 1.0 / channels);
  CHECK(flip.norm_relative < 1e-2);  // but small norm-wise
  CHECK(flip.within);
  CHECK(flip.only_norm_wise);
  {
    INFO("a forward tensor has no kink (ReLU is continuous): the same difference there is a divergence");
    CHECK_FALSE(compare_tensor("bn", "forward", "output", cpu, gpu, rule).within);
  }
  {
    INFO("after a part's forward output diverged, its backward tensors are held element-wise");
    CHECK_FALSE(compare_tensor("bn", "backward", "input gradient", cpu, gpu, rule, false).within);
  }

  // Real bugs move more: one channel's gradient scaled by 1.5 (a wrong per-channel
  // factor), or every map's first row lost (a wrong border).
  std::vector<double> wrong_channel = cpu, wrong_border = cpu;
  for (std::size_t n = 0; n < n_images; ++n) {
    for (std::size_t i = 0; i < map; ++i) wrong_channel[(n * channels + 5) * map + i] *= 1.5;
    for (std::size_t c = 0; c < channels; ++c) {
      for (std::size_t q = 0; q < 16; ++q) wrong_border[(n * channels + c) * map + q] = 0.0;
    }
  }
  const DeviceDifference channel = compare_tensor("bn", "backward", "input gradient", cpu, wrong_channel, rule);
  INFO("one channel scaled: norm-wise " << channel.norm_relative);
  CHECK_FALSE(channel.within);
  const DeviceDifference border = compare_tensor("bn", "backward", "input gradient", cpu, wrong_border, rule);
  INFO("the first rows lost: norm-wise " << border.norm_relative);
  CHECK_FALSE(border.within);

  // Rounding alone agrees element-wise; a NaN or a missing entry never agrees.
  std::vector<double> rounded = cpu, with_nan = cpu;
  for (std::size_t i = 0; i < rounded.size(); ++i) rounded[i] *= 1.0 + 1e-6 * std::sin(static_cast<double>(i));
  const DeviceDifference rounding = compare_tensor("bn", "backward", "input gradient", cpu, rounded, rule);
  CHECK(rounding.within);
  CHECK_FALSE(rounding.only_norm_wise);
  CHECK(rounding.fraction_beyond == 0.0);
  with_nan[7] = std::nan("");
  CHECK_FALSE(compare_tensor("bn", "backward", "input gradient", cpu, with_nan, rule).within);
  const std::vector<double> shorter(cpu.begin(), cpu.end() - 1);
  CHECK_FALSE(compare_tensor("bn", "backward", "input gradient", cpu, shorter, rule).within);
}

// ResNet-34 at full depth, where ReLU flips happen. Which pre-activations flip depends on how
// each machine's CPU code rounds; the GPU copy's weights are nudged by 1e-5 of their value
// (ten times float32's rounding, ten times inside the element-wise tolerance), so that on
// any CPU some pre-activations near zero land on the other side and the kink rule is used
// (63 tensors here, the largest 1.0% norm-wise). Four images, not two: with two, layer4's
// batch norms see 32 values per channel, a flip is a large part of one, and a weight
// gradient moved by more than 3% norm-wise (measured).
TEST_CASE("compare_devices passes ResNet-34 with its ReLU kinks", "[ch06][device][6.5][slow]") {
  DeviceForTest device;
  Generator generator(13);
  auto model = make_resnet<float>("resnet34", 10, Stem::cifar, generator);
  const DeviceComparison comparison =
      compare_devices(*model, random_images(4, 32, 14), some_labels(4), {}, [](ResNet<float>& twin) {
        for (const auto& named : twin.named_parameters()) {
          ParameterBase<float>& parameter = *named.parameter;
          std::vector<float> values(parameter.size());
          const std::size_t bytes = values.size() * sizeof(float);
          cuda::copy_device_to_host(values.data(), parameter.value_data(), bytes);
          for (std::size_t i = 0; i < values.size(); ++i) values[i] *= (i % 3 == 0) ? 1.00001f : 0.99999f;
          cuda::copy_host_to_device(parameter.value_data(), values.data(), bytes);
        }
      });
  double largest_norm_wise = 0.0;
  for (const DeviceDifference& entry : comparison.entries) {
    largest_norm_wise = std::max(largest_norm_wise, entry.norm_relative);
  }
  INFO("first divergence: " << describe(comparison) << "; tensors agreeing norm-wise only: "
                            << comparison.only_norm_wise() << "; the largest norm-wise: " << largest_norm_wise);
  CHECK_FALSE(comparison.first_divergence());
  CHECK(comparison.only_norm_wise() > 0);
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
