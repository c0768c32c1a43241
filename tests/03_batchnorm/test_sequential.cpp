// Task 3.4: Sequential runs forward in order and backward in reverse order; a deep stack
// of this chapter's modules learns.
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <xtensor/xview.hpp>

#include "resnet/nn/activation.hpp"
#include "resnet/nn/batchnorm2d.hpp"
#include "resnet/nn/conv2d.hpp"
#include "resnet/nn/flatten.hpp"
#include "resnet/nn/linear.hpp"
#include "resnet/nn/pooling.hpp"
#include "resnet/nn/module_gradcheck.hpp"
#include "resnet/nn/sequential.hpp"
#include "resnet/train/batch_loss.hpp"
#include "resnet/ops/global_avg_pool2d.hpp"
#include "resnet/random.hpp"

using namespace resnet;

namespace {

// A layer that adds a constant and writes down when it runs.
class Recorder : public ImageLayer<double> {
 public:
  Recorder(std::string name, double add, std::vector<std::string>& log)
      : name_(std::move(name)), add_(add), log_(log) {}
  Tensor<double, 4> forward(const Tensor<double, 4>& x) override {
    log_.push_back("forward " + name_);
    return Tensor<double, 4>::from_host(x.host() + add_);
  }
  Tensor<double, 4> backward(const Tensor<double, 4>& dy) override {
    log_.push_back("backward " + name_);
    return Tensor<double, 4>::from_host(dy.host() * 2.0);
  }

 private:
  std::string name_;
  double add_;
  std::vector<std::string>& log_;
};

}  // namespace

TEST_CASE("Sequential runs forward first to last and backward last to first", "[ch03][sequential][hand][3.4]") {
  std::vector<std::string> log;
  Sequential<double> net;
  net.append(std::make_unique<Recorder>("a", 1.0, log));
  net.append(std::make_unique<Recorder>("b", 10.0, log));
  net.append(std::make_unique<Recorder>("c", 100.0, log));
  INFO(
      "forward passes each layer's output to the next: 0 + 1 + 10 + 100 = 111; backward passes each gradient to "
      "the layer before, each of the three doubling it: 1 * 2 * 2 * 2 = 8; the log must show c's backward first");
  const auto y = net.forward(Tensor<double, 4>::zeros({1, 1, 1, 1}));
  CHECK(y.host()(0, 0, 0, 0) == 111.0);
  const auto dx = net.backward(Tensor<double, 4>::from_host({{{{1.0}}}}));
  CHECK(dx.host()(0, 0, 0, 0) == 8.0);  // three links of the chain, each doubling
  CHECK(log ==
        std::vector<std::string>{"forward a", "forward b", "forward c", "backward c", "backward b", "backward a"});
}

TEST_CASE("a Sequential of conv, batch norm and ReLU passes the gradient check", "[ch03][sequential][gradcheck][3.4]") {
  Generator generator(7);
  Sequential<double> net;
  net.append(std::make_unique<Conv2d<double>>(2, 3, 3, 1, 1, Bias::none, generator));
  net.append(std::make_unique<BatchNorm2d<double>>(3));
  net.append(std::make_unique<ReLU<double>>());
  net.append(std::make_unique<Conv2d<double>>(3, 2, 3, 2, 1, Bias::none, generator));
  xt::xtensor<double, 4> x = random_normal<double, 4>({3, 2, 5, 5}, generator);
  GradCheckCase check = module_gradient_check("conv-bn-relu-conv", net, x);
  const GradCheckReport report = check_gradients(check);
  INFO(report.to_string(kGradCheckThreshold));
  CHECK(report.passed(kGradCheckThreshold));
  INFO(
      "the checker must see the input and every parameter, by its name in the Sequential: x, 0.weight (conv), "
      "1.weight and 1.bias (batch norm), 3.weight (conv; ReLU has none)");
  REQUIRE(report.entries.size() == 5);  // x, 0.weight, 1.weight, 1.bias, 3.weight
  CHECK(report.entries[1].variable == "0.weight");
  CHECK(report.entries[4].variable == "3.weight");
}

TEST_CASE("three conv-BN-ReLU layers and a linear head learn with plain gradient descent",
          "[ch03][sequential][learning][3.4]") {
  // Random 4-channel 6x6 images whose class shifts the first channel up or down by 0.5:
  // three conv-BN-ReLU layers, average pooling and a linear layer must find that, trained
  // with plain gradient descent (learning rate 0.1, 150 steps of 32 images).
  Generator generator(8);
  Sequential<float> features;
  for (std::size_t in : {4, 8, 8}) {
    features.append(std::make_unique<Conv2d<float>>(in, 8, 3, 1, 1, Bias::none, generator));
    features.append(std::make_unique<BatchNorm2d<float>>(8));
    features.append(std::make_unique<ReLU<float>>());
  }
  AdaptiveAvgPool2d<float> pool;
  Flatten<float> flatten;
  Linear<float> classifier(8, 2, generator);
  auto make_batch = [&](std::size_t n) {
    xt::xtensor<float, 4> x = random_normal<float, 4>({n, 4, 6, 6}, generator);
    xt::xtensor<std::int64_t, 1> labels = xt::xtensor<std::int64_t, 1>::from_shape({n});
    for (std::size_t i = 0; i < n; ++i) {
      labels(i) = static_cast<std::int64_t>(generator.below(2));
      xt::view(x, i, 0) += labels(i) == 1 ? 0.5f : -0.5f;
    }
    return std::make_pair(x, labels);
  };
  // One step: forward, loss, and (when learning) backward in reverse order and an update.
  auto step = [&](const xt::xtensor<float, 4>& x, const xt::xtensor<std::int64_t, 1>& labels, float learning_rate) {
    const auto logits =
        classifier.forward(flatten.forward(pool.forward(features.forward(Tensor<float, 4>::from_host(x)))));
    const BatchLoss loss = cross_entropy_and_gradient_of_batch(logits, labels);
    if (learning_rate > 0) {
      features.zero_grad();
      classifier.zero_grad();
      features.backward(pool.backward(flatten.backward(classifier.backward(loss.dlogits))));
      for (auto* module : std::initializer_list<Module<float>*>{&features, &classifier}) {
        for (const auto& named : module->named_parameters()) {
          float* value = named.parameter->value_data();
          const float* grad = named.parameter->grad_data();
          for (std::size_t i = 0; i < named.parameter->size(); ++i) value[i] -= learning_rate * grad[i];
        }
      }
    }
    return loss.loss;
  };
  const auto [test_x, test_labels] = make_batch(256);
  features.eval();
  const float before = step(test_x, test_labels, 0.0f);
  features.train();
  for (int iteration = 0; iteration < 150; ++iteration) {
    const auto [x, labels] = make_batch(32);
    step(x, labels, 0.1f);
  }
  features.eval();  // evaluate with the running statistics, as after training
  const float after = step(test_x, test_labels, 0.0f);
  INFO("test loss " << before << " -> " << after);
  CHECK(after < 0.5f * before);
}
