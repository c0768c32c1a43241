// Dropout, the layer added by CONTRIBUTING.md's recipe: the op (hand example, gradient
// check, PyTorch's convention), the module (training and evaluation, reproducible masks,
// the GPU on the emulated device) and the option before the ResNet's classifier (which
// uses tasks 5.1 and 5.2, hence the tag [5.2]).
#include <cmath>

#include <catch2/catch.hpp>
#include <xtensor/xmanipulation.hpp>

#include "resnet/gradcheck.hpp"
#include "resnet/nn/dropout.hpp"
#include "resnet/nn/resnet.hpp"
#include "resnet/optim/optimizer.hpp"
#include "resnet/train/batch_loss.hpp"
#include "support/all_close.hpp"
#include "support/device_for_test.hpp"
#include "support/golden.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::load_golden;
namespace tolerance = resnet::testing::tolerance;

namespace {

xt::xtensor<std::uint8_t, 2> golden_mask() {
  return xt::cast<std::uint8_t>(load_golden<double, 2>("ch05/dropout/keep.npy"));
}

ResNetConfig tiny_config(double dropout) {
  ResNetConfig config;
  config.name = "tiny";
  config.blocks = {1};
  config.widths = {8};
  config.stem = Stem::cifar;
  config.classes = 10;
  config.dropout = dropout;
  return config;
}

}  // namespace

TEST_CASE("dropout keeps the masked values scaled by 1 / (1 - p), by hand", "[ch05][dropout][hand]") {
  const xt::xtensor<double, 2> x = {{1.0, -2.0, 3.0, 4.0}};
  const xt::xtensor<std::uint8_t, 2> keep = {{1, 0, 1, 0}};
  const auto out = dropout_forward(x, keep, 0.5);
  INFO("p = 0.5: kept values are doubled (inverted dropout, so that E[y] = x), dropped ones are 0");
  CHECK((out.y == xt::xtensor<double, 2>{{2.0, 0.0, 6.0, 0.0}}));
  const xt::xtensor<double, 2> dy = {{1.0, 1.0, -1.0, 5.0}};
  CHECK((dropout_backward(dy, out.cache) == xt::xtensor<double, 2>{{2.0, 0.0, -2.0, 0.0}}));
  CHECK_THROWS_AS(dropout_forward(x, keep, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(dropout_forward(x, xt::xtensor<std::uint8_t, 2>{{1, 0}}, 0.5), ShapeError);
}

TEST_CASE("dropout for a mask matches PyTorch's convention and autograd", "[ch05][dropout][golden]") {
  const auto x = load_golden<double, 2>("ch05/dropout/x.npy");
  const auto out = dropout_forward(x, golden_mask(), 0.3);
  CHECK_THAT(out.y, AllClose(load_golden<double, 2>("ch05/dropout/y.npy"), tolerance::float64));
  const auto dx = dropout_backward(load_golden<double, 2>("ch05/dropout/dy.npy"), out.cache);
  CHECK_THAT(dx, AllClose(load_golden<double, 2>("ch05/dropout/dx.npy"), tolerance::float64));
}

TEST_CASE("dropout passes the gradient check for a fixed mask", "[ch05][dropout][gradcheck]") {
  const xt::xtensor<std::uint8_t, 2> keep = golden_mask();
  GradCheckCase check;
  check.op = "dropout, p = 0.3";
  check.variables = {make_variable("x", load_golden<double, 2>("ch05/dropout/x.npy"))};
  check.forward = [=](const std::vector<GradCheckVariable>& v) {
    return flattened(dropout_forward(shaped<2>(v[0]), keep, 0.3).y);
  };
  check.backward = [=](const std::vector<GradCheckVariable>& v, const xt::xtensor<double, 1>& dy,
                       std::vector<xt::xtensor<double, 1>>& grads) {
    const auto out = dropout_forward(shaped<2>(v[0]), keep, 0.3);
    grads[0] += flattened(dropout_backward(xt::xtensor<double, 2>(xt::reshape_view(dy, out.y.shape())), out.cache));
  };
  const GradCheckReport report = check_gradients(check);
  INFO(report.to_string(kGradCheckThreshold));
  CHECK(report.passed(kGradCheckThreshold));
}

TEST_CASE("dropout masks drop about p of the values, reproducibly from the generator", "[ch05][dropout][property]") {
  Generator generator(3), again(3);
  const auto keep = dropout_mask(std::array<std::size_t, 2>{200, 500}, 0.3, generator);
  const double dropped = 1.0 - static_cast<double>(xt::sum(xt::cast<int>(keep))()) / 100000.0;
  INFO("each of the 100,000 values is dropped with probability 0.3 (one standard deviation: 0.0014); dropped: "
       << dropped);
  CHECK(std::abs(dropped - 0.3) < 0.01);
  CHECK((dropout_mask(std::array<std::size_t, 2>{200, 500}, 0.3, again) == keep));
}

TEST_CASE("the Dropout module masks in training, is the identity in evaluation, and resumes its masks",
          "[ch05][dropout][module]") {
  Generator generator(5), same(5);
  Dropout<float> dropout(0.5, generator), twin(0.5, same);
  const auto x = Tensor<float, 2>::from_host(xt::ones<float>({4, 50}));
  const auto first = dropout.forward(x);
  const auto second = dropout.forward(x);
  INFO("each training pass draws a new mask; two modules with the same seed draw the same masks");
  CHECK_FALSE((first.host() == second.host()));
  CHECK((twin.forward(x).host() == first.host()));
  CHECK(dropout.masks_drawn.count == 2);
  // The counter is state: a module restored from it draws the mask that comes next.
  Generator other(5);
  Dropout<float> restored(0.5, other);
  restored.load_state_dict(dropout.state_dict());
  CHECK((restored.forward(x).host() == dropout.forward(x).host()));
  dropout.eval();
  INFO("evaluation mode: y = x, dy passes unchanged, no mask is drawn");
  CHECK((dropout.forward(x).host() == x.host()));
  CHECK((dropout.backward(x).host() == x.host()));
  CHECK(dropout.masks_drawn.count == 3);
}

TEST_CASE("Dropout on the GPU drops what it drops on the CPU", "[ch05][dropout][device]") {
  resnet::testing::DeviceForTest device;
  Generator generator(7), same(7);
  Dropout<float> on_cpu(0.25, generator), on_gpu(0.25, same);
  Generator values(8);
  const auto x = Tensor<float, 2>::from_host(random_normal<float, 2>({6, 40}, values));
  const auto dy = Tensor<float, 2>::from_host(random_normal<float, 2>({6, 40}, values));
  const auto y = on_cpu.forward(x);
  const auto y_gpu = on_gpu.forward(x.to(Device::cuda));
  CHECK(y_gpu.device() == Device::cuda);
  INFO("the mask is drawn on the CPU on both devices, and both compute x * (1 / (1 - p)): exactly equal");
  CHECK((y_gpu.to(Device::cpu).host() == y.host()));
  CHECK((on_gpu.backward(dy.to(Device::cuda)).to(Device::cpu).host() == on_cpu.backward(dy).host()));
}

TEST_CASE("dropout before the classifier changes training only, and only when asked for", "[ch05][dropout][5.2]") {
  Generator a(11), b(11);
  ResNet<float> plain(tiny_config(0.0), a), with_dropout(tiny_config(0.5), b);
  INFO(
      "with dropout 0 the model and its state are torchvision's; with dropout the weights are the same (its "
      "seed is drawn last) and the state has one more entry, the mask counter");
  CHECK(plain.dropout == nullptr);
  CHECK(with_dropout.state_dict().size() == plain.state_dict().size() + 1);
  CHECK(with_dropout.state_dict().back().first == "fc.bias");
  CHECK((with_dropout.fc.weight.value.host() == plain.fc.weight.value.host()));
  Generator images(12);
  const auto x = Tensor<float, 4>::from_host(random_normal<float, 4>({4, 3, 8, 8}, images));
  plain.eval();
  with_dropout.eval();
  CHECK((with_dropout.forward(x).host() == plain.forward(x).host()));
  plain.train();
  with_dropout.train();
  CHECK_FALSE((with_dropout.forward(x).host() == plain.forward(x).host()));
}

TEST_CASE("a small ResNet with dropout still learns a batch", "[ch05][dropout][learning][5.2]") {
  Generator generator(13);
  ResNet<float> model(tiny_config(0.3), generator);
  Generator data(14);
  const auto images = Tensor<float, 4>::from_host(random_normal<float, 4>({16, 3, 8, 8}, data));
  xt::xtensor<std::int64_t, 1> labels = xt::xtensor<std::int64_t, 1>::from_shape({16});
  for (std::size_t i = 0; i < 16; ++i) labels(i) = static_cast<std::int64_t>(i % 10);
  AdamSettings settings;
  settings.learning_rate = 0.01;
  Adam<float> optimizer(model.named_parameters(), settings);
  double first = 0.0, last = 0.0;
  for (int step = 0; step < 60; ++step) {
    optimizer.zero_grad();
    const BatchLoss loss = cross_entropy_and_gradient_of_batch(model.forward(images), labels);
    model.backward(loss.dlogits);
    optimizer.step();
    if (step == 0) first = loss.loss;
    last = loss.loss;
  }
  INFO(
      "60 Adam steps on one batch of 16 random images with 10 labels: the training loss (with a new mask each "
      "step) should fall well below its start, "
      << first << "; it ended at " << last);
  CHECK(last < 0.5 * first);
}
