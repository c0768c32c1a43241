// Tasks 4.1-4.3: BasicBlock and Bottleneck, with identity and projection shortcuts,
// against PyTorch (torchvision's blocks with the same weights), the gradient checker, and
// hand-checkable properties.
#include <cmath>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xmath.hpp>

#include "resnet/error.hpp"
#include "resnet/nn/blocks.hpp"
#include "resnet/nn/module_gradcheck.hpp"
#include "support/gradient_check.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"
#include "support/hash_inputs.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::hash_tensor;
using resnet::testing::load_golden;
using resnet::testing::require_gradient_check;
namespace tolerance = resnet::testing::tolerance;

namespace {

template <class T>
std::unique_ptr<ImageLayer<T>> make_block(const nlohmann::json& spec, Generator& generator) {
  const std::size_t in = spec["in_channels"], planes = spec["planes"], stride = spec["stride"];
  if (spec["kind"] == "basic") return std::make_unique<BasicBlock<T>>(in, planes, stride, generator);
  return std::make_unique<Bottleneck<T>>(in, planes, stride, generator);
}

nlohmann::json listing(const Module<float>& module) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& [name, entry] : module.state_dict()) entries.push_back({name, entry.shape, to_string(entry.dtype)});
  return entries;
}

template <class T>
resnet::testing::Tolerance at_scale(const xt::xtensor<double, 4>& expected) {
  return resnet::testing::at_scale_of(std::is_same_v<T, float> ? tolerance::block_float32 : tolerance::conv_float64,
                                      expected);
}

// A (1, 1, 1, n) view of a vector, to measure its scale like a 4-d tensor's.
xt::xtensor<double, 4> as_4d(const xt::xtensor<double, 1>& v) {
  return xt::reshape_view(v, std::array<std::size_t, 4>{1, 1, 1, v.size()});
}

// The block of a golden case, with torchvision's state (weights and running statistics)
// loaded by name from the .npy files make_golden.py saved from the torch module.
template <class T>
std::unique_ptr<ImageLayer<T>> block_with_torch_state(const nlohmann::json& spec,
                                                      CpuKernels kernels = CpuKernels::reference) {
  Generator generator(0);
  auto block = make_block<T>(spec, generator);
  block->use_cpu_kernels(kernels);
  StateDict state;
  for (const auto& entry : spec["state_dict"]) {
    const std::string name = entry[0];
    state.emplace_back(name, resnet::testing::load_golden_state_entry("ch04/" + spec["name"].get<std::string>() +
                                                                      "/state." + name + ".npy"));
  }
  block->load_state_dict(state);
  return block;
}

template <class T>
Tensor<T, 4> hashed_input(const nlohmann::json& spec, const char* seed_key, const char* shape_key) {
  const auto& s = spec[shape_key];
  return Tensor<T, 4>::from_host(hash_tensor<T, 4>(spec[seed_key], {s[0], s[1], s[2], s[3]}));
}

// Training-mode forward pass: y against torchvision's.
template <class T>
void check_forward(const nlohmann::json& spec, CpuKernels kernels = CpuKernels::reference) {
  auto block = block_with_torch_state<T>(spec, kernels);
  const auto expected = load_golden<double, 4>("ch04/" + spec["name"].get<std::string>() + "/y.npy");
  CHECK_THAT(block->forward(hashed_input<T>(spec, "x_seed", "x_shape")).host(),
             AllClose(expected, at_scale<T>(expected)));
}

// Training-mode forward and backward: dx, every parameter's gradient, the running
// statistics after the step, then eval mode on another batch.
template <class T>
void check_backward(const nlohmann::json& spec, CpuKernels kernels = CpuKernels::reference) {
  const std::string prefix = "ch04/" + spec["name"].get<std::string>() + "/";
  auto block = block_with_torch_state<T>(spec, kernels);
  block->forward(hashed_input<T>(spec, "x_seed", "x_shape"));
  const auto dx = block->backward(hashed_input<T>(spec, "dy_seed", "y_shape"));
  const auto expected_dx = load_golden<double, 4>(prefix + "dx.npy");
  CHECK_THAT(dx.host(), AllClose(expected_dx, at_scale<T>(expected_dx)));
  std::size_t compared = 0;
  for (const auto& named : block->named_parameters()) {
    INFO("gradient of " << named.name);
    const T* grad = named.parameter->grad_data();
    if (named.parameter->shape().size() == 4) {
      const auto expected = load_golden<double, 4>(prefix + "d." + named.name + ".npy");
      xt::xtensor<T, 4> ours = xt::xtensor<T, 4>::from_shape(expected.shape());
      std::copy(grad, grad + ours.size(), ours.begin());
      CHECK_THAT(ours, AllClose(expected, at_scale<T>(expected)));
    } else {
      const auto expected = load_golden<double, 1>(prefix + "d." + named.name + ".npy");
      xt::xtensor<T, 1> ours = xt::xtensor<T, 1>::from_shape(expected.shape());
      std::copy(grad, grad + ours.size(), ours.begin());
      CHECK_THAT(ours, AllClose(expected, at_scale<T>(as_4d(expected))));
    }
    ++compared;
  }
  {
    INFO(
        "a block has at least 6 parameters (two convolutions, two batch norms of weight and bias); fewer means "
        "named_parameters() misses some");
    CHECK(compared >= 6);
  }
  for (const auto& named : block->named_buffers()) {
    if (named.name.find("num_batches_tracked") != std::string::npos) {
      INFO(named.name << ": one training forward pass must count one batch");
      CHECK(named.buffer->values().at(0) == 1.0);  // one training batch seen
      continue;
    }
    INFO("buffer " << named.name);
    const auto expected = load_golden<double, 1>(prefix + "after." + named.name + ".npy");
    const std::vector<double> values = named.buffer->values();
    const xt::xtensor<double, 1> ours = xt::adapt(values, std::array<std::size_t, 1>{values.size()});
    CHECK_THAT(ours, AllClose(expected, at_scale<T>(as_4d(expected))));
  }
  block->eval();
  const auto expected_eval = load_golden<double, 4>(prefix + "y_eval.npy");
  CHECK_THAT(block->forward(hashed_input<T>(spec, "x_eval_seed", "x_shape")).host(),
             AllClose(expected_eval, at_scale<T>(expected_eval)));
}

}  // namespace

TEST_CASE("BasicBlock and Bottleneck declare their expansion", "[ch04][blocks][hand]") {
  STATIC_REQUIRE(BasicBlock<float>::expansion == 1);
  STATIC_REQUIRE(Bottleneck<float>::expansion == 4);
}

TEST_CASE("a block gets a projection shortcut exactly when its stride or channels change",
          "[ch04][blocks][hand][4.1]") {
  Generator generator(1);
  CHECK(BasicBlock<float>(64, 64, 1, generator).downsample == nullptr);
  CHECK(BasicBlock<float>(64, 128, 2, generator).downsample != nullptr);                  // both change
  CHECK(BasicBlock<float>(64, 64, 2, generator).downsample != nullptr);                   // the size changes
  CHECK(BasicBlock<float>(32, 64, 1, generator).downsample != nullptr);                   // the channels change
  CHECK(BasicBlock<float>(64, 128, 2, generator, Shortcut::none).downsample == nullptr);  // plain
}

TEST_CASE("the bottleneck's projection follows its 4x expansion", "[ch04][blocks][hand][4.3]") {
  Generator generator(2);
  CHECK(Bottleneck<float>(256, 64, 1, generator).downsample == nullptr);  // 64 x 4 = 256: identity
  CHECK(Bottleneck<float>(64, 64, 1, generator).downsample != nullptr);   // 64 -> 256 channels
  CHECK(Bottleneck<float>(256, 128, 2, generator).downsample != nullptr);
}

TEST_CASE("BasicBlock names and shapes its state exactly as torchvision's", "[ch04][blocks][golden][4.1]") {
  for (const auto& spec : resnet::testing::golden_cases("ch04/block_cases.json", 4)) {
    if (spec["kind"] != "basic") continue;
    INFO("case " << spec["name"].get<std::string>());
    Generator generator(3);
    CHECK(listing(*make_block<float>(spec, generator)) == spec["state_dict"]);
  }
}

TEST_CASE("Bottleneck names and shapes its state exactly as torchvision's", "[ch04][blocks][golden][4.3]") {
  for (const auto& spec : resnet::testing::golden_cases("ch04/block_cases.json", 4)) {
    if (spec["kind"] != "bottleneck") continue;
    INFO("case " << spec["name"].get<std::string>());
    Generator generator(3);
    CHECK(listing(*make_block<float>(spec, generator)) == spec["state_dict"]);
  }
}

TEMPLATE_TEST_CASE("BasicBlock's forward pass matches torchvision's with its weights loaded",
                   "[ch04][blocks][golden][4.1]", float, double) {
  for (const auto& spec : resnet::testing::golden_cases("ch04/block_cases.json", 4)) {
    if (spec["kind"] != "basic") continue;
    INFO("case " << spec["name"].get<std::string>());
    check_forward<TestType>(spec);
  }
}

TEMPLATE_TEST_CASE("BasicBlock's gradients and running statistics match torchvision's, and eval mode",
                   "[ch04][blocks][golden][4.2]", float, double) {
  for (const auto& spec : resnet::testing::golden_cases("ch04/block_cases.json", 4)) {
    if (spec["kind"] != "basic") continue;
    INFO("case " << spec["name"].get<std::string>());
    check_backward<TestType>(spec);
  }
}

TEST_CASE("BasicBlock on the packed kernels matches torchvision's: output, gradients, running statistics, eval",
          "[ch04][blocks][golden][cpu_kernels][4.2]") {
  // The library's path (resnet/cpu/: convolutions on packed panels, batch norm fused with the
  // shortcut's sum and the ReLU), held to the reference's float tolerance.
  for (const auto& spec : resnet::testing::golden_cases("ch04/block_cases.json", 4)) {
    if (spec["kind"] != "basic") continue;
    INFO("case " << spec["name"].get<std::string>());
    check_forward<float>(spec, CpuKernels::packed);
    check_backward<float>(spec, CpuKernels::packed);
  }
}

TEMPLATE_TEST_CASE("Bottleneck matches torchvision's: output, every gradient, running statistics, eval mode",
                   "[ch04][blocks][golden][4.3]", float, double) {
  for (const auto& spec : resnet::testing::golden_cases("ch04/block_cases.json", 4)) {
    if (spec["kind"] != "bottleneck") continue;
    INFO("case " << spec["name"].get<std::string>());
    check_forward<TestType>(spec);
    check_backward<TestType>(spec);
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

TEST_CASE("with zeroed residual branch, a block passes its input through the shortcut",
          "[ch04][blocks][property][4.2]") {
  // bn2's weight 0 makes F(x) = 0: y = relu(x) and, for positive x, dx = dy exactly. This is
  // torchvision's zero_init_residual trick: every block starts as an identity.
  Generator generator(6);
  BasicBlock<double> block(3, 3, 1, generator);
  block.bn2.weight.value.host().fill(0.0);
  const auto x = Tensor<double, 4>::from_host(
      xt::xtensor<double, 4>(random_uniform<double, 4>({2, 3, 4, 4}, generator, 0.5, 1.5)));
  INFO(
      "with bn2's weight (gamma) 0 and bias 0 the residual branch outputs 0, so y = relu(x + 0) = x for these "
      "positive x: the identity shortcut must add x itself, unchanged");
  CHECK_THAT(block.forward(x).host(), AllClose(x.host(), tolerance::float64));
  const auto dy = random_normal<double, 4>({2, 3, 4, 4}, generator);
  INFO(
      "backward: the branch passes no gradient (gamma 0 multiplies it) and y = x > 0 lets the final ReLU through, "
      "so dx = dy, all of it through the shortcut; dx = 0 means the shortcut's gradient was dropped, 2 dy that it "
      "was counted twice");
  CHECK_THAT(block.backward(Tensor<double, 4>::from_host(dy)).host(), AllClose(dy, tolerance::float64));
}

TEST_CASE("a block refuses an input with the wrong number of channels", "[ch04][blocks][error][4.1]") {
  Generator generator(7);
  BasicBlock<float> block(8, 8, 1, generator);
  CHECK_THROWS_WITH(block.forward(Tensor<float, 4>::zeros({1, 4, 6, 6})),
                    Catch::Contains("x has 4 channels but the weight expects 8"));
}
