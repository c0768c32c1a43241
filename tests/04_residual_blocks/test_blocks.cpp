// Tasks 4.1-4.3: BasicBlock and Bottleneck, with identity and projection shortcuts,
// against PyTorch (torchvision's blocks with the same weights), the gradient checker, and
// hand-checkable properties.
#include <cmath>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <xtensor/xmath.hpp>

#include "resnet/error.hpp"
#include "resnet/nn/blocks.hpp"
#include "resnet/nn/module_gradcheck.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"
#include "support/hash_inputs.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::hash_tensor;
using resnet::testing::load_golden;
namespace tolerance = resnet::testing::tolerance;

namespace {

template <class T>
std::unique_ptr<ImageLayer<T>> make_block(const nlohmann::json& spec, Generator& generator) {
  const std::size_t in = spec["in_channels"], planes = spec["planes"], stride = spec["stride"];
  if (spec["kind"] == "basic") return std::make_unique<BasicBlock<T>>(in, planes, stride, generator);
  return std::make_unique<Bottleneck<T>>(in, planes, stride, generator);
}

// Sets every parameter from the hash, as make_golden.py's hash_parameters does: weights of
// rank > 1 scaled by 1/sqrt(fan_in), vectors (batch norm) by 0.5, seeds in order.
template <class T>
void hash_parameters(Module<T>& module, std::uint64_t seed) {
  std::uint64_t i = 0;
  for (const auto& named : module.named_parameters()) {
    const auto shape = named.parameter->shape();
    std::size_t fan_in = 1;
    for (std::size_t axis = 1; axis < shape.size(); ++axis) fan_in *= shape[axis];
    const double scale = shape.size() > 1 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.5;
    std::vector<double> values(named.parameter->size());
    for (std::size_t k = 0; k < values.size(); ++k) {
      values[k] = static_cast<float>(resnet::testing::hash_uniform(seed + i, k) * scale);
    }
    named.parameter->set_values(values);
    ++i;
  }
}

nlohmann::json listing(const Module<float>& module) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& [name, entry] : module.state_dict()) entries.push_back({name, entry.shape, to_string(entry.dtype)});
  return entries;
}

template <class T>
resnet::testing::Tolerance at_scale(const xt::xtensor<double, 4>& expected) {
  return resnet::testing::at_scale_of(std::is_same_v<T, float> ? tolerance::conv_float32 : tolerance::conv_float64, expected);
}

// Runs one golden block case: forward, backward, compare everything.
template <class T>
void check_block_against_pytorch(const nlohmann::json& spec) {
  const std::string name = spec["name"];
  Generator generator(0);
  auto block = make_block<T>(spec, generator);
  hash_parameters(*block, spec["parameter_seed"]);
  const std::array<std::size_t, 4> x_shape{spec["x_shape"][0], spec["x_shape"][1], spec["x_shape"][2], spec["x_shape"][3]};
  const std::array<std::size_t, 4> y_shape{spec["y_shape"][0], spec["y_shape"][1], spec["y_shape"][2], spec["y_shape"][3]};
  const auto y = block->forward(Tensor<T, 4>::from_host(hash_tensor<T, 4>(spec["x_seed"], x_shape)));
  const auto expected_y = load_golden<double, 4>("ch04/" + name + "/y.npy");
  CHECK_THAT(y.host(), AllClose(expected_y, at_scale<T>(expected_y)));
  const auto dx = block->backward(Tensor<T, 4>::from_host(hash_tensor<T, 4>(spec["dy_seed"], y_shape)));
  const auto expected_dx = load_golden<double, 4>("ch04/" + name + "/dx.npy");
  CHECK_THAT(dx.host(), AllClose(expected_dx, at_scale<T>(expected_dx)));
  std::size_t compared = 0;
  for (const auto& named : block->named_parameters()) {
    INFO("gradient of " << named.name);
    const std::string file = "ch04/" + name + "/d." + named.name + ".npy";
    const T* grad = named.parameter->grad_data();
    const auto shape = named.parameter->shape();
    if (shape.size() == 4) {
      const auto expected = load_golden<double, 4>(file);
      xt::xtensor<T, 4> ours = xt::xtensor<T, 4>::from_shape(expected.shape());
      std::copy(grad, grad + ours.size(), ours.begin());
      CHECK_THAT(ours, AllClose(expected, at_scale<T>(xt::xtensor<double, 4>(expected))));
    } else {
      const auto expected = load_golden<double, 1>(file);
      xt::xtensor<T, 1> ours = xt::xtensor<T, 1>::from_shape(expected.shape());
      std::copy(grad, grad + ours.size(), ours.begin());
      const xt::xtensor<double, 4> as_4d = xt::reshape_view(expected, std::array<std::size_t, 4>{1, 1, 1, expected.size()});
      CHECK_THAT(ours, AllClose(expected, at_scale<T>(as_4d)));
    }
    ++compared;
  }
  CHECK(compared == block->named_parameters().size());
  CHECK(compared >= 6);
}

void require_gradient_check(GradCheckCase check) {
  const GradCheckReport report = check_gradients(check);
  INFO(report.to_string(kGradCheckThreshold));
  CHECK(report.passed(kGradCheckThreshold));
}

}  // namespace

TEST_CASE("BasicBlock and Bottleneck declare their expansion", "[ch04][blocks][hand]") {
  STATIC_REQUIRE(BasicBlock<float>::expansion == 1);
  STATIC_REQUIRE(Bottleneck<float>::expansion == 4);
}

TEST_CASE("a block gets a projection shortcut exactly when its stride or channels change", "[ch04][blocks][hand][4.1]") {
  Generator generator(1);
  CHECK(BasicBlock<float>(64, 64, 1, generator).downsample == nullptr);
  CHECK(BasicBlock<float>(64, 128, 2, generator).downsample != nullptr);   // both change
  CHECK(BasicBlock<float>(64, 64, 2, generator).downsample != nullptr);    // the size changes
  CHECK(BasicBlock<float>(32, 64, 1, generator).downsample != nullptr);    // the channels change
  CHECK(BasicBlock<float>(64, 128, 2, generator, Shortcut::none).downsample == nullptr);  // plain
}

TEST_CASE("the bottleneck's projection follows its 4x expansion", "[ch04][blocks][hand][4.3]") {
  Generator generator(2);
  CHECK(Bottleneck<float>(256, 64, 1, generator).downsample == nullptr);  // 64 x 4 = 256: identity
  CHECK(Bottleneck<float>(64, 64, 1, generator).downsample != nullptr);   // 64 -> 256 channels
  CHECK(Bottleneck<float>(256, 128, 2, generator).downsample != nullptr);
}

TEST_CASE("blocks name and shape their state exactly as torchvision's", "[ch04][blocks][golden][4.1][4.3]") {
  for (const auto& spec : resnet::testing::golden_cases("ch04/block_cases.json", 4)) {
    INFO("case " << spec["name"].get<std::string>());
    Generator generator(3);
    auto block = make_block<float>(spec, generator);
    CHECK(listing(*block) == spec["state_dict"]);
  }
}

TEMPLATE_TEST_CASE("BasicBlock matches torchvision's, output and every gradient", "[ch04][blocks][golden][4.2]", float, double) {
  for (const auto& spec : resnet::testing::golden_cases("ch04/block_cases.json", 4)) {
    if (spec["kind"] != "basic") continue;
    INFO("case " << spec["name"].get<std::string>());
    check_block_against_pytorch<TestType>(spec);
  }
}

TEMPLATE_TEST_CASE("Bottleneck matches torchvision's, output and every gradient", "[ch04][blocks][golden][4.3]", float, double) {
  for (const auto& spec : resnet::testing::golden_cases("ch04/block_cases.json", 4)) {
    if (spec["kind"] != "bottleneck") continue;
    INFO("case " << spec["name"].get<std::string>());
    check_block_against_pytorch<TestType>(spec);
  }
}

TEST_CASE("BasicBlock passes the gradient check with both shortcuts", "[ch04][blocks][gradcheck][4.2]") {
  Generator generator(4);
  const auto x = random_normal<double, 4>({2, 3, 5, 5}, generator);
  BasicBlock<double> identity(3, 3, 1, generator);
  require_gradient_check(module_gradient_check("BasicBlock, identity shortcut", identity, x));
  BasicBlock<double> projection(3, 4, 2, generator);
  require_gradient_check(module_gradient_check("BasicBlock, projection shortcut", projection, x));
  BasicBlock<double> plain(3, 4, 2, generator, Shortcut::none);
  require_gradient_check(module_gradient_check("BasicBlock, no shortcut", plain, x));
}

TEST_CASE("Bottleneck passes the gradient check with both shortcuts", "[ch04][blocks][gradcheck][4.3]") {
  Generator generator(5);
  const auto x = random_normal<double, 4>({2, 8, 4, 4}, generator);
  Bottleneck<double> identity(8, 2, 1, generator);
  require_gradient_check(module_gradient_check("Bottleneck, identity shortcut", identity, x));
  Bottleneck<double> projection(8, 3, 2, generator);
  require_gradient_check(module_gradient_check("Bottleneck, projection shortcut", projection, x));
}

TEST_CASE("with zeroed residual branch, a block passes its input through the shortcut", "[ch04][blocks][property][4.2]") {
  // bn2's weight 0 makes F(x) = 0: y = relu(x) and, for positive x, dx = dy exactly. This is
  // torchvision's zero_init_residual trick: every block starts as an identity.
  Generator generator(6);
  BasicBlock<double> block(3, 3, 1, generator);
  block.bn2.weight.value.host().fill(0.0);
  const auto x = Tensor<double, 4>::from_host(xt::xtensor<double, 4>(random_uniform<double, 4>({2, 3, 4, 4}, generator, 0.5, 1.5)));
  CHECK_THAT(block.forward(x).host(), AllClose(x.host(), tolerance::float64));
  const auto dy = random_normal<double, 4>({2, 3, 4, 4}, generator);
  CHECK_THAT(block.backward(Tensor<double, 4>::from_host(dy)).host(), AllClose(dy, tolerance::float64));
}

TEST_CASE("a block refuses an input with the wrong number of channels", "[ch04][blocks][error][4.1]") {
  Generator generator(7);
  BasicBlock<float> block(8, 8, 1, generator);
  CHECK_THROWS_WITH(block.forward(Tensor<float, 4>::zeros({1, 4, 6, 6})),
                    Catch::Contains("x has 4 channels but the weight expects 8"));
}
