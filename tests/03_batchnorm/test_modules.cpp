// Task 3.3: layers as modules (Conv2d, BatchNorm2d, Linear and the parameter-free ones),
// and the module machinery: names, state dicts, train/eval, zero_grad.
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <xtensor/xmath.hpp>

#include "resnet/error.hpp"
#include "resnet/nn/activation.hpp"
#include "resnet/nn/batchnorm2d.hpp"
#include "resnet/nn/conv2d.hpp"
#include "resnet/nn/flatten.hpp"
#include "resnet/nn/linear.hpp"
#include "resnet/nn/module_gradcheck.hpp"
#include "resnet/nn/pooling.hpp"
#include "resnet/nn/sequential.hpp"
#include "support/gradient_check.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::require_gradient_check;
namespace tolerance = resnet::testing::tolerance;

namespace {

// [name, shape, dtype] of a state dict, as the golden JSON lists torch's.
nlohmann::json listing(const Module<float>& module) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& [name, entry] : module.state_dict()) entries.push_back({name, entry.shape, to_string(entry.dtype)});
  return entries;
}

nlohmann::json torch_listing(const std::string& module) {
  std::ifstream file(resnet::testing::golden_path("ch03/state_dicts.json"));
  return nlohmann::json::parse(file).at(module);
}

// A module with fixed parameters and a buffer, and no ops: the state-dict machinery alone.
class Fixed : public Module<float> {
 public:
  Fixed() : weight(xt::xtensor<float, 2>{{1, 2}, {3, 4}}), scale(xt::xtensor<float, 1>{5}) {
    register_parameter("weight", weight);
    register_buffer("scale", scale);
  }
  Parameter<float, 2> weight;
  Buffer<float, 1> scale;
};

class Pair : public Module<float> {
 public:
  Pair() {
    register_module("first", first);
    register_module("second", second);
  }
  Fixed first, second;
};

}  // namespace

TEST_CASE("modules name and shape their state exactly as torch.nn does", "[ch03][modules][golden]") {
  Generator generator(1);
  CHECK(listing(Conv2d<float>(3, 8, 3, 1, 1, Bias::none, generator)) == torch_listing("conv2d"));
  CHECK(listing(Conv2d<float>(3, 8, 3, 1, 1, Bias::learned, generator)) == torch_listing("conv2d_bias"));
  CHECK(listing(BatchNorm2d<float>(8)) == torch_listing("batchnorm2d"));
  CHECK(listing(Linear<float>(8, 10, generator)) == torch_listing("linear"));
  Sequential<float> sequential;
  sequential.append(std::make_unique<Conv2d<float>>(3, 8, 1, 2, 0, Bias::none, generator));
  sequential.append(std::make_unique<BatchNorm2d<float>>(8));
  CHECK(listing(sequential) == torch_listing("sequential"));
}

TEST_CASE("modules start as torchvision initialises them", "[ch03][modules][property]") {
  Generator generator(2);
  // Conv: Kaiming normal, fan_out: sigma = sqrt(2 / (K R S)) = sqrt(2 / 576) for 64 3x3 filters.
  Conv2d<double> conv(64, 64, 3, 1, 1, Bias::none, generator);
  const auto& w = conv.weight.value.host();
  const double sigma = std::sqrt(2.0 / 576.0), n = static_cast<double>(w.size());
  {
    INFO(
        "Conv2d(64, 64, 3) weight: torchvision draws Kaiming normal with fan_out = 64 * 3 * 3 = 576, so mean 0 "
        "(got "
        << xt::mean(w)() << ", allowed " << 5 * sigma / std::sqrt(n)
        << ") and standard deviation "
           "sqrt(2 / 576) = "
        << sigma << " (got " << xt::stddev(w)() << ", allowed " << 5 * sigma / std::sqrt(2 * n)
        << " off, 5 standard errors)");
    CHECK(std::abs(xt::mean(w)()) < 5 * sigma / std::sqrt(n));
    CHECK(std::abs(xt::stddev(w)() - sigma) < 5 * sigma / std::sqrt(2 * n));
  }
  // Batch norm: weight 1, bias 0, running mean 0, running variance 1.
  BatchNorm2d<double> bn(4);
  {
    INFO(
        "a new BatchNorm2d starts as the identity on normalised values, as torch.nn.BatchNorm2d: weight (gamma) 1, "
        "bias (beta) 0, running variance 1");
    CHECK(xt::all(xt::equal(bn.weight.value.host(), 1.0)));
    CHECK(xt::all(xt::equal(bn.bias.value.host(), 0.0)));
    CHECK(xt::all(xt::equal(bn.running_var.value.host(), 1.0)));
  }
  // A convolution's bias, as PyTorch's: uniform in +-1/sqrt(C R S) = +-1/sqrt(576).
  Conv2d<double> with_bias(64, 64, 3, 1, 1, Bias::learned, generator);
  {
    const double largest = xt::amax(xt::abs(with_bias.bias->value.host()))();
    INFO("a convolution's bias, as PyTorch's: uniform in +-1/sqrt(fan_in) = +-1/sqrt(64 * 3 * 3) = +-1/24 = +-"
         << 1.0 / 24.0 << "; the largest |bias| of 64 draws is " << largest
         << ", and should exceed half the bound "
            "(all 64 below it has probability 2^-64)");
    CHECK(xt::amax(xt::abs(with_bias.bias->value.host()))() <= 1.0 / 24.0);
    CHECK(xt::amax(xt::abs(with_bias.bias->value.host()))() > 0.5 / 24.0);
  }
  // Linear: uniform in +-1/sqrt(in_features), and it uses the whole range.
  Linear<double> linear(100, 50, generator);
  const double bound = 0.1;
  INFO(
      "Linear(100, 50), as PyTorch's: weight and bias uniform in +-1/sqrt(in_features) = +-0.1; the largest "
      "|weight| of 5,000 draws is "
      << xt::amax(xt::abs(linear.weight.value.host()))()
      << " and must come within "
         "1% of the bound, the largest |bias| is "
      << xt::amax(xt::abs(linear.bias.value.host()))());
  CHECK(xt::amax(xt::abs(linear.weight.value.host()))() <= bound);
  CHECK(xt::amax(xt::abs(linear.weight.value.host()))() > 0.99 * bound);
  CHECK(xt::amax(xt::abs(linear.bias.value.host()))() <= bound);
}

TEST_CASE("a state dict saved and loaded restores every parameter and buffer", "[ch03][modules][property]") {
  Pair a;
  a.first.weight.value.host()(1, 1) = 40;
  a.second.scale.value.host()(0) = -7;
  Pair b;
  b.load_state_dict(a.state_dict());
  INFO(
      "a's changed parameter (first.weight = 40 at (1, 1)) and changed buffer (second.scale = -7) must reach b "
      "through state_dict and load_state_dict: buffers (running statistics) are part of the state too");
  CHECK(b.first.weight.value.host()(1, 1) == 40);
  CHECK(b.second.scale.value.host()(0) == -7);
  const auto names = b.state_dict();
  INFO(
      "the state dict lists each child's entries under \"child.name\", children in registration order and, in "
      "each, parameters before buffers, as torch.nn.Module.state_dict does: 4 entries; parameter_count counts "
      "only parameters, 2 weights of 2x2 = 8 values");
  REQUIRE(names.size() == 4);
  CHECK(names[0].first == "first.weight");
  CHECK(names[1].first == "first.scale");
  CHECK(names[3].first == "second.scale");
  CHECK(b.parameter_count() == 8);
}

TEST_CASE("a state dict that does not fit is refused and leaves the module untouched", "[ch03][modules][error]") {
  Pair module;
  const StateDict good = module.state_dict();
  module.first.weight.value.host()(0, 0) = 99;
  auto check_refused = [&](StateDict state, const std::string& message) {
    CHECK_THROWS_WITH(module.load_state_dict(state), Catch::Contains(message));
    CHECK(module.first.weight.value.host()(0, 0) == 99);  // nothing was written
  };
  StateDict missing = good;
  missing.pop_back();
  check_refused(missing, "missing entry 'second.scale'");
  StateDict extra = good;
  extra.emplace_back("third.weight", StateEntry{{1}, DType::float32, {0.0}});
  check_refused(extra, "unexpected entry 'third.weight'");
  StateDict misshaped = good;
  misshaped[2].second.shape = {4};
  check_refused(misshaped, "'second.weight' has shape (4), the model expects (2, 2)");
  StateDict duplicated = good;
  duplicated.push_back(good[0]);
  check_refused(duplicated, "'first.weight' appears twice");
  StateDict wrong_count = good;
  wrong_count[0].second.values.pop_back();
  check_refused(wrong_count, "holds 3 values");
}

TEST_CASE("train and eval reach every child, and zero_grad clears every gradient", "[ch03][modules][property]") {
  Generator generator(3);
  Sequential<float> net;
  auto& conv = net.append(std::make_unique<Conv2d<float>>(2, 2, 3, 1, 1, Bias::none, generator));
  auto& bn = net.append(std::make_unique<BatchNorm2d<float>>(2));
  INFO(
      "modules start in training mode, and eval() and train() on the Sequential must reach the batch norm inside "
      "it: a child left in the other mode would use the wrong statistics");
  CHECK(bn.is_training());
  net.eval();
  CHECK_FALSE(bn.is_training());
  net.train();
  CHECK(bn.is_training());
  conv.weight.grad.host().fill(1.0f);
  net.zero_grad();
  INFO(
      "zero_grad() on the Sequential must set every gradient of every child to 0 (backward adds to the gradients, "
      "so leftovers from the last step would add to the next)");
  CHECK(xt::all(xt::equal(conv.weight.grad.host(), 0.0f)));
}

TEST_CASE("batch norm updates its running statistics and batch counter only in training",
          "[ch03][modules][property][3.3]") {
  BatchNorm2d<double> bn(1);
  const auto x = Tensor<double, 4>::from_host({{{{1, 2}, {3, 4}}}});
  bn.forward(x);
  INFO(
      "a training forward pass must count the batch and move the running statistics 10% of the way (momentum "
      "0.1) to the batch's: mean 2.5 and unbiased variance 5/3, from 0 and 1");
  CHECK(bn.num_batches_tracked.count == 1);
  // Mean 2.5, unbiased variance 5/3: running = 0.9 * (0, 1) + 0.1 * (2.5, 5/3).
  CHECK(bn.running_mean.value.host()(0) == Approx(0.25).epsilon(tolerance::float64.rtol));
  CHECK(bn.running_var.value.host()(0) == Approx(0.9 + 0.1 * 5.0 / 3.0).epsilon(tolerance::float64.rtol));
  bn.eval();
  const auto y = bn.forward(x);
  INFO(
      "an evaluation forward pass must change neither the counter nor the running statistics, and must normalise "
      "with the running statistics, not the batch's: (1 - 0.25) / sqrt(running_var + eps)");
  CHECK(bn.num_batches_tracked.count == 1);
  CHECK(bn.running_mean.value.host()(0) == Approx(0.25).epsilon(tolerance::float64.rtol));
  // Eval mode normalises with the running statistics: (1 - 0.25) / sqrt(running_var + eps).
  CHECK(y.host()(0, 0, 0, 0) ==
        Approx(0.75 / std::sqrt(0.9 + 0.1 * 5.0 / 3.0 + 1e-5)).epsilon(tolerance::float64.rtol));
}

TEST_CASE("the Conv2d module passes the gradient check, accumulation included", "[ch03][modules][gradcheck][3.3]") {
  Generator generator(4);
  const auto x = random_normal<double, 4>({2, 3, 5, 5}, generator);
  Conv2d<double> conv(3, 4, 3, 2, 1, Bias::learned, generator);
  require_gradient_check(module_gradient_check("Conv2d module", conv, x));
}

TEST_CASE("the BatchNorm2d module passes the gradient check in train and eval mode",
          "[ch03][modules][gradcheck][3.3]") {
  Generator generator(4);
  const auto x = random_normal<double, 4>({2, 3, 5, 5}, generator);
  BatchNorm2d<double> bn(3);
  bn.weight.value.host() = random_normal<double, 1>({3}, generator);
  require_gradient_check(module_gradient_check("BatchNorm2d module, train", bn, x));
  BatchNorm2d<double> eval_bn(3);
  eval_bn.weight.value.host() = random_normal<double, 1>({3}, generator);
  eval_bn.running_var.value.host() = random_uniform<double, 1>({3}, generator, 0.5, 2.0);
  eval_bn.eval();
  require_gradient_check(module_gradient_check("BatchNorm2d module, eval", eval_bn, x));
}

TEST_CASE("the Linear module passes the gradient check behind Flatten", "[ch03][modules][gradcheck][3.3]") {
  Generator generator(4);
  const auto x = random_normal<double, 4>({2, 3, 5, 5}, generator);
  // (N, C, H, W) -> Flatten -> (N, C*H*W) -> Linear -> (N, 5), viewed as (N, 5, 1, 1).
  struct FlattenLinear : ImageLayer<double> {
    explicit FlattenLinear(Generator& g) : linear(75, 5, g) { register_module("linear", linear); }
    Tensor<double, 4> forward(const Tensor<double, 4>& input) override {
      const auto y = linear.forward(flatten.forward(input));
      return Tensor<double, 4>::from_host(
          xt::xtensor<double, 4>(xt::reshape_view(y.host(), std::array<std::size_t, 4>{y.dim(0), y.dim(1), 1, 1})));
    }
    Tensor<double, 4> backward(const Tensor<double, 4>& dy) override {
      const auto flat = Tensor<double, 2>::from_host(
          xt::xtensor<double, 2>(xt::reshape_view(dy.host(), std::array<std::size_t, 2>{dy.dim(0), dy.dim(1)})));
      return flatten.backward(linear.backward(flat));
    }
    Flatten<double> flatten;
    Linear<double> linear;
  } head(generator);
  require_gradient_check(module_gradient_check("Linear module", head, x));
}

TEST_CASE("the pooling and ReLU modules pass the gradient check", "[ch03][modules][gradcheck]") {
  Generator generator(5);
  // Distinct inputs far from ReLU's kink and from max-pool ties.
  xt::xtensor<double, 4> x = random_normal<double, 4>({2, 2, 6, 6}, generator);
  for (double& value : x) value = std::copysign(0.1 + std::abs(value), value);
  ReLU<double> relu;
  require_gradient_check(module_gradient_check("ReLU module", relu, x));
  MaxPool2d<double> pool(3, 2, 1);
  require_gradient_check(module_gradient_check("MaxPool2d module", pool, x));
  AdaptiveAvgPool2d<double> average;
  require_gradient_check(module_gradient_check("AdaptiveAvgPool2d module", average, x));
}

TEST_CASE("a module's backward before its forward is a clear error", "[ch03][modules][error][3.3]") {
  Generator generator(6);
  Conv2d<float> conv(1, 1, 3, 1, 1, Bias::none, generator);
  CHECK_THROWS_WITH(conv.backward(Tensor<float, 4>::zeros({1, 1, 4, 4})),
                    Catch::Contains("Conv2d.backward called before forward"));
  BatchNorm2d<float> bn(1);
  CHECK_THROWS_WITH(bn.backward(Tensor<float, 4>::zeros({1, 1, 4, 4})),
                    Catch::Contains("BatchNorm2d.backward called before forward"));
}
