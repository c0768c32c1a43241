// Tasks 5.1-5.3: the ResNet stack and its summary, against torchvision's names, shapes,
// parameter counts and per-layer records, the gradient checker, and a small ResNet that
// learns.
#include <cmath>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <xtensor/xview.hpp>

#include "resnet/data/cifar10.hpp"
#include "resnet/error.hpp"
#include "resnet/init.hpp"
#include "resnet/nn/module_gradcheck.hpp"
#include "resnet/nn/resnet.hpp"
#include "resnet/nn/summary.hpp"
#include "resnet/train/batch_loss.hpp"
#include "support/gradient_check.hpp"
#include "support/golden.hpp"
#include "test_paths.hpp"

using namespace resnet;
using resnet::testing::require_gradient_check;

namespace {

nlohmann::json golden_json(const std::string& name) {
  std::ifstream file(resnet::testing::golden_path(name));
  return nlohmann::json::parse(file);
}

nlohmann::json listing(const Module<float>& module) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& [name, entry] : module.state_dict()) entries.push_back({name, entry.shape, to_string(entry.dtype)});
  return entries;
}

// A small ResNet for fast tests: two stages of one block, 4 and 8 channels wide.
ResNetConfig tiny_config(BlockKind block, Stem stem, std::size_t classes = 3) {
  ResNetConfig config;
  config.name = "tiny";
  config.block = block;
  config.blocks = {1, 2};
  config.widths = {4, 8};
  config.stem = stem;
  config.classes = classes;
  return config;
}

// Weighted layers (convolutions and linear layers) on the main paths, as the "34" of
// ResNet-34 counts them: projection shortcuts do not count.
std::size_t weighted_layers(const Module<float>& model) {
  std::size_t layers = 0;
  for (const auto& named : model.named_parameters()) {
    const bool weight = named.parameter->shape().size() >= 2;  // conv (4-d) and linear (2-d) weights
    if (weight && named.name.find("downsample") == std::string::npos) ++layers;
  }
  return layers;
}

}  // namespace

TEST_CASE("a stage's first block takes the stride and the projection, the rest keep the shape",
          "[ch05][resnet][hand][5.1]") {
  Generator generator(1);
  std::size_t channels = 64;
  auto basic = make_stage<float>(BlockKind::basic, channels, 128, 3, 2, generator, Shortcut::residual);
  CHECK(basic->size() == 3);
  CHECK(channels == 128);
  CHECK(dynamic_cast<BasicBlock<float>&>((*basic)[0]).downsample != nullptr);
  CHECK(dynamic_cast<BasicBlock<float>&>((*basic)[0]).conv1.stride == 2);
  for (std::size_t i = 1; i < 3; ++i) {
    CHECK(dynamic_cast<BasicBlock<float>&>((*basic)[i]).downsample == nullptr);
    CHECK(dynamic_cast<BasicBlock<float>&>((*basic)[i]).conv1.stride == 1);
  }
  SECTION("a Bottleneck stage hands on planes x 4 channels: the original tutorial's missing expansion") {
    std::size_t in = 64;
    auto bottleneck = make_stage<float>(BlockKind::bottleneck, in, 64, 3, 1, generator, Shortcut::residual);
    CHECK(in == 256);
    // Stride 1, but 64 -> 256 channels: the first block still needs the projection.
    CHECK(dynamic_cast<Bottleneck<float>&>((*bottleneck)[0]).downsample != nullptr);
    CHECK(dynamic_cast<Bottleneck<float>&>((*bottleneck)[1]).conv1.weight.value.shape()[1] == 256);
  }
  SECTION("a plain stage has no projection anywhere") {
    std::size_t in = 64;
    auto plain = make_stage<float>(BlockKind::basic, in, 128, 2, 2, generator, Shortcut::none);
    CHECK(dynamic_cast<BasicBlock<float>&>((*plain)[0]).downsample == nullptr);
  }
  CHECK_THROWS_AS(make_stage<float>(BlockKind::basic, channels, 8, 0, 1, generator, Shortcut::residual),
                  std::invalid_argument);
}

TEST_CASE("the zoo's parameter counts equal torchvision's", "[ch05][resnet][golden][5.1]") {
  const auto counts = golden_json("ch05/state_dicts.json")["parameter_counts"];
  // The numbers the issue and torchvision's documentation give, and the golden file's.
  CHECK(counts["resnet18"] == 11689512);
  CHECK(counts["resnet34"] == 21797672);
  CHECK(counts["resnet50"] == 25557032);
  for (const std::string name : {"resnet18", "resnet34", "resnet50", "resnet101", "resnet152"}) {
    Generator generator(0);
    const ResNet<float> model(resnet_config(name, 1000, Stem::imagenet), generator);
    INFO(name);
    CHECK(model.parameter_count() == counts[name].get<std::size_t>());
  }
}

TEST_CASE("state dicts have torchvision's names, shapes and dtypes, in its order", "[ch05][resnet][golden][5.1]") {
  const auto torch = golden_json("ch05/state_dicts.json")["state_dicts"];
  const std::vector<std::tuple<std::string, std::string, std::size_t, Stem>> cases = {
      {"resnet18", "resnet18", 1000, Stem::imagenet},
      {"resnet34", "resnet34", 1000, Stem::imagenet},
      {"resnet50", "resnet50", 1000, Stem::imagenet},
      {"resnet34_cifar10", "resnet34", 10, Stem::cifar},
      {"resnet50_cifar10", "resnet50", 10, Stem::cifar}};
  for (const auto& [golden, name, classes, stem] : cases) {
    Generator generator(0);
    const ResNet<float> model(resnet_config(name, classes, stem), generator);
    INFO(golden);
    CHECK(listing(model) == torch[golden]);
  }
}

TEST_CASE("ResNet-N has N weighted layers, not N blocks", "[ch05][resnet][hand][5.1]") {
  // The original tutorial called ResNet-50 "50 residual blocks"; it has 16 blocks of 3
  // convolutions, plus the stem's convolution and the classifier: 1 + 48 + 1 = 50.
  for (const auto& [name, depth] : std::vector<std::pair<std::string, std::size_t>>{{"resnet18", 18},
                                                                                    {"resnet34", 34},
                                                                                    {"resnet50", 50},
                                                                                    {"resnet101", 101},
                                                                                    {"resnet20", 20},
                                                                                    {"resnet56", 56}}) {
    Generator generator(0);
    const ResNet<float> model(resnet_config(name, 10, Stem::imagenet), generator);
    INFO(name);
    CHECK(weighted_layers(model) == depth);
  }
  Generator generator(0);
  const ResNet<float> resnet50(resnet_config("resnet50", 10), generator);
  std::size_t blocks = 0;
  for (const auto& [name, entry] : resnet50.state_dict()) {
    const std::string suffix = ".conv1.weight";  // every block has one; "conv1.weight" is the stem's
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) ++blocks;
  }
  CHECK(blocks == 16);
}

TEST_CASE("the CIFAR ResNets of the paper have three stages of 16, 32 and 64 channels", "[ch05][resnet][hand][5.1]") {
  Generator generator(0);
  const ResNet<float> model(resnet_config("resnet20", 10, Stem::imagenet), generator);
  CHECK(model.config().stem == Stem::cifar);  // whatever was asked: they are made for 32x32
  CHECK(model.stage_count() == 3);
  CHECK(model.conv1.weight.value.shape() == std::array<std::size_t, 4>{16, 3, 3, 3});
  CHECK(model.feature_channels() == 64);
  // 0.27M (269,722) with the paper's parameter-free shortcuts; two projections (1x1 conv + BN)
  // add 16*32 + 64 + 32*64 + 128 = 2,752.
  CHECK(model.parameter_count() == 269722 + 2752);
}

TEST_CASE("unknown models and bad configurations are clear errors", "[ch05][resnet][errors]") {
  CHECK_THROWS_WITH(resnet_config("resnet35"),
                    Catch::Contains("unknown model 'resnet35'") && Catch::Contains("resnet34"));
  CHECK_THROWS_WITH(stem_from_string("imagnet"), Catch::Contains("imagenet or cifar"));
  Generator generator(0);
  ResNetConfig config = tiny_config(BlockKind::basic, Stem::cifar);
  config.widths = {4};
  CHECK_THROWS_WITH(ResNet<float>(config, generator), Catch::Contains("2 stages but 1 widths"));
  config = tiny_config(BlockKind::basic, Stem::cifar, 0);
  CHECK_THROWS_AS(ResNet<float>(config, generator), std::invalid_argument);
}

TEST_CASE("ResNet maps images to logits with either stem", "[ch05][resnet][shapes][5.2]") {
  Generator generator(2);
  for (Stem stem : {Stem::imagenet, Stem::cifar}) {
    INFO((stem == Stem::imagenet ? "ImageNet" : "CIFAR")
         << " stem: a batch of 2 images must give logits (2, 10), "
            "one row per image and one column per class, and backward must give dx the shape of the images");
    ResNet<float> model(tiny_config(BlockKind::basic, stem, 10), generator);
    const auto x = Tensor<float, 4>::from_host(random_normal<float, 4>({2, 3, 32, 32}, generator));
    const auto logits = model.forward(x);
    CHECK(logits.shape() == std::array<std::size_t, 2>{2, 10});
    const auto dx = model.backward(Tensor<float, 2>::zeros({2, 10}));
    CHECK(dx.shape() == x.shape());
  }
  ResNet<float> model(tiny_config(BlockKind::basic, Stem::cifar), generator);
  CHECK_THROWS_WITH(model.forward(Tensor<float, 4>::zeros({2, 1, 32, 32})), Catch::Contains("RGB images (N, 3, H, W)"));
}

TEST_CASE("a small ResNet passes the gradient check", "[ch05][resnet][gradcheck][5.2]") {
  // Every parameter and the input, through stem, stages, pooling and classifier.
  Generator generator(3);
  ResNet<double> cifar(tiny_config(BlockKind::basic, Stem::cifar), generator);
  require_gradient_check(module_gradient_check("ResNet (basic blocks, CIFAR stem)", cifar,
                                               random_normal<double, 4>({2, 3, 6, 6}, generator)));
  ResNet<double> imagenet(tiny_config(BlockKind::bottleneck, Stem::imagenet), generator);
  require_gradient_check(module_gradient_check("ResNet (bottlenecks, ImageNet stem)", imagenet,
                                               random_normal<double, 4>({2, 3, 16, 16}, generator)));
}

namespace {

// 64 images of the committed sample, 10 classes, a ResNet of [1, 2] basic blocks 8 and 16
// wide, its CPU layers on `kernels`; plain gradient descent on the whole batch. A network
// that learns drives the loss from ln(10) = 2.3 towards 0 and then classifies most of the
// batch right.
void check_fits_a_batch(CpuKernels kernels) {
  const std::string sample =
      std::string(resnet::testing::paths::data_directory) + "/cifar10-sample/cifar-10-batches-bin";
  const Cifar10Data data = load_cifar10(sample, Split::train);
  const std::size_t n = 64;
  const xt::xtensor<float, 4> pixels = xt::cast<float>(xt::view(data.images, xt::range(0, n))) / 255.0f - 0.5f;
  const auto images = Tensor<float, 4>::from_host(pixels);
  const xt::xtensor<std::int64_t, 1> labels = xt::cast<std::int64_t>(xt::view(data.labels, xt::range(0, n)));
  Generator generator(4);
  ResNetConfig config = tiny_config(BlockKind::basic, Stem::cifar, 10);
  config.widths = {8, 16};
  ResNet<float> model(config, generator);
  model.use_cpu_kernels(kernels);

  auto step = [&](float learning_rate) {
    const BatchLoss loss = cross_entropy_and_gradient_of_batch(model.forward(images), labels);
    model.zero_grad();
    model.backward(loss.dlogits);
    for (const auto& named : model.named_parameters()) {
      float* value = named.parameter->value_data();
      const float* grad = named.parameter->grad_data();
      for (std::size_t i = 0; i < named.parameter->size(); ++i) value[i] -= learning_rate * grad[i];
    }
    return loss.loss;
  };
  const float first = step(0.3f);
  float last = first;
  for (int iteration = 0; iteration < 150; ++iteration) last = step(0.3f);
  model.eval();
  const auto logits = model.forward(images).host();
  std::size_t correct = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto row = xt::view(logits, i);
    correct +=
        static_cast<std::int64_t>(std::distance(row.begin(), std::max_element(row.begin(), row.end()))) == labels(i);
  }
  INFO("training loss " << first << " -> " << last << ", eval-mode accuracy " << correct << "/" << n);
  CHECK(last < 0.2f * first);
  CHECK(correct >= n * 3 / 4);
}

}  // namespace

TEST_CASE("a small ResNet fits a batch of CIFAR-10 images", "[ch05][resnet][learning][5.2]") {
  check_fits_a_batch(CpuKernels::reference);
}

TEST_CASE("a small ResNet on the packed kernels fits a batch of CIFAR-10 images",
          "[ch05][resnet][learning][cpu_kernels][5.2]") {
  check_fits_a_batch(CpuKernels::packed);
}

TEST_CASE("the summary lists torchvision's layers with their output shapes and multiply-accumulates",
          "[ch05][summary][golden][5.3]") {
  const auto records = golden_json("ch05/forward_records.json");
  const std::vector<std::tuple<std::string, std::string, std::size_t, Stem, std::vector<std::size_t>>> cases = {
      {"resnet34_224", "resnet34", 1000, Stem::imagenet, {1, 3, 224, 224}},
      {"resnet34_cifar10_32", "resnet34", 10, Stem::cifar, {2, 3, 32, 32}},
      {"resnet50_32", "resnet50", 10, Stem::imagenet, {1, 3, 32, 32}}};
  for (const auto& [golden, name, classes, stem, input] : cases) {
    Generator generator(0);
    const ResNet<float> model(resnet_config(name, classes, stem), generator);
    const Summary summary = summarize(model, input);
    nlohmann::json ours = nlohmann::json::array();
    std::size_t torch_total = 0;
    for (const auto& row : summary.rows()) {
      // torchvision flattens with a function, not a module, so no hook records it.
      if (row.leaf && row.type != "Flatten") ours.push_back({row.name, row.output_shape, row.multiply_accumulates});
    }
    for (const auto& record : records[golden]) torch_total += record[2].get<std::size_t>();
    INFO(golden);
    CHECK(ours == records[golden]);
    CHECK(summary.total_multiply_accumulates() == torch_total);
    CHECK(summary.total_parameters() == model.parameter_count());
    CHECK(summary.rows().front().output_shape == std::vector<std::size_t>{input[0], classes});
  }
}

TEST_CASE("ResNet-34 costs 3.6 billion multiply-accumulates on a 224x224 image, as the paper says",
          "[ch05][summary][hand][5.3]") {
  Generator generator(0);
  const ResNet<float> model(resnet_config("resnet34", 1000), generator);
  const Summary summary = summarize(model, {1, 3, 224, 224});
  // By hand (the guide's table): stem 118.0M; stage 1 3 blocks x 2 convs of 64x64x3x3 at 56x56
  // = 693.6M; ... the paper's "3.6 x 10^9 FLOPs" are these multiply-adds.
  CHECK(summary.total_multiply_accumulates() == 3663761408);
  {
    INFO("the paper's table 1 gives 3.6 x 10^9 FLOPs for ResNet-34, which are multiply-accumulates: the total, "
         << static_cast<double>(summary.total_multiply_accumulates()) / 1e9 << " billion, must round to it");
    CHECK(std::abs(static_cast<double>(summary.total_multiply_accumulates()) / 1e9 - 3.6) < 0.1);
  }
  const std::string table = summary.to_string(2);
  CHECK_THAT(table, Catch::Contains("Total params: 21,797,672"));
  CHECK_THAT(table, Catch::Contains("layer4 (Sequential)"));
  CHECK_THAT(table, Catch::Contains("(1, 512, 7, 7)"));
  CHECK_THROWS_AS(summarize(model, {1, 1, 224, 224}), ShapeError);
}

TEST_CASE("with_thousands groups digits in threes", "[ch05][summary][hand]") {
  CHECK(with_thousands(0) == "0");
  CHECK(with_thousands(999) == "999");
  CHECK(with_thousands(1000) == "1,000");
  CHECK(with_thousands(21797672) == "21,797,672");
}
