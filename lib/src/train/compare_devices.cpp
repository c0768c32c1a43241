// Chapter 6: one batch through a ResNet on the CPU and on the GPU, part by part (see
// resnet/train/compare_devices.hpp).
#include "resnet/train/compare_devices.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <set>

#include "resnet/cuda/memory.hpp"
#include "resnet/error.hpp"
#include "resnet/train/batch_loss.hpp"

namespace resnet {

namespace {

// The element-wise and norm-wise figures of one tensor; infinities for a NaN or a size
// mismatch.
void measure_difference(const std::vector<double>& cpu, const std::vector<double>& gpu, double tolerance,
                        DeviceDifference& entry) {
  const double infinity = std::numeric_limits<double>::infinity();
  entry.size = cpu.size();
  if (cpu.size() != gpu.size()) {
    entry.worst = entry.norm_relative = infinity;
    entry.fraction_beyond = 1.0;
    return;
  }
  double largest = 0.0, cpu_squares = 0.0;
  for (const double value : cpu) {
    largest = std::max(largest, std::abs(value));
    cpu_squares += value * value;
  }
  const double scale = std::max(largest, 1e-6);
  double worst = 0.0, difference_squares = 0.0;
  std::size_t beyond = 0;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    const double difference = std::abs(gpu[i] - cpu[i]) / scale;
    if (std::isnan(difference)) {
      entry.worst = entry.norm_relative = infinity;
      entry.fraction_beyond = 1.0;
      return;
    }
    worst = std::max(worst, difference);
    difference_squares += (gpu[i] - cpu[i]) * (gpu[i] - cpu[i]);
    if (difference > tolerance) ++beyond;
  }
  entry.worst = worst;
  entry.norm_relative = std::sqrt(difference_squares) / std::max(std::sqrt(cpu_squares), 1e-6);
  entry.fraction_beyond = cpu.empty() ? 0.0 : static_cast<double>(beyond) / static_cast<double>(cpu.size());
}

// One part of the network on both devices: (N, C, H, W) to (N, K, P, Q).
struct ImagePart {
  std::string name;
  ImageLayer<float>* cpu;
  ImageLayer<float>* gpu;
};

class Comparison {
 public:
  explicit Comparison(const AgreementRule& rule) { result_.rule = rule; }

  void add(const std::string& part, const std::string& pass, const std::string& tensor, const std::vector<double>& cpu,
           const std::vector<double>& gpu) {
    const bool forward_agreed = !parts_with_forward_divergence_.count(part);
    result_.entries.push_back(compare_tensor(part, pass, tensor, cpu, gpu, result_.rule, forward_agreed));
    if (pass == "forward" && !result_.entries.back().within) parts_with_forward_divergence_.insert(part);
  }

  template <std::size_t N>
  void add(const std::string& part, const std::string& pass, const std::string& tensor, const Tensor<float, N>& cpu,
           const Tensor<float, N>& gpu) {
    add(part, pass, tensor, values_of(cpu), values_of(gpu));
  }

  // Every parameter's gradient (backward pass).
  void add_parameter_gradients(const std::string& part, const Module<float>& cpu, const Module<float>& gpu) {
    const auto on_cpu = cpu.named_parameters(), on_gpu = gpu.named_parameters();
    for (std::size_t i = 0; i < on_cpu.size(); ++i) {
      auto& parameter = *on_cpu[i].parameter;
      auto& twin = *on_gpu.at(i).parameter;
      add(part, "backward", on_cpu[i].name + " gradient", gradient_values(parameter), gradient_values(twin));
    }
  }
  // Every buffer (forward pass: the batch norms' running statistics and counters).
  void add_buffers(const std::string& part, const Module<float>& cpu, const Module<float>& gpu) {
    const auto on_cpu = cpu.named_buffers(), on_gpu = gpu.named_buffers();
    for (std::size_t i = 0; i < on_cpu.size(); ++i) {
      add(part, "forward", on_cpu[i].name, on_cpu[i].buffer->values(), on_gpu.at(i).buffer->values());
    }
  }

  DeviceComparison result() const { return result_; }

 private:
  // A parameter's gradient as doubles, copied from whichever device it lives on.
  static std::vector<double> gradient_values(ParameterBase<float>& parameter) {
    std::vector<float> values(parameter.size());
    if (parameter.device() == Device::cpu) {
      std::copy(parameter.grad_data(), parameter.grad_data() + parameter.size(), values.begin());
    } else {
      cuda::copy_device_to_host(values.data(), parameter.grad_data(), values.size() * sizeof(float));
    }
    return {values.begin(), values.end()};
  }

  DeviceComparison result_;
  std::set<std::string> parts_with_forward_divergence_;
};

}  // namespace

DeviceDifference compare_tensor(const std::string& part, const std::string& pass, const std::string& tensor,
                                const std::vector<double>& cpu, const std::vector<double>& gpu,
                                const AgreementRule& rule, bool forward_agreed) {
  DeviceDifference entry;
  entry.part = part;
  entry.pass = pass;
  entry.tensor = tensor;
  measure_difference(cpu, gpu, rule.tolerance, entry);
  const bool element_wise = entry.worst <= rule.tolerance;
  const bool kink_allowed = pass == "backward" && forward_agreed;
  entry.only_norm_wise = !element_wise && kink_allowed && entry.norm_relative <= rule.kink_tolerance;
  entry.within = element_wise || entry.only_norm_wise;
  return entry;
}

std::size_t DeviceComparison::only_norm_wise() const {
  return static_cast<std::size_t>(std::count_if(entries.begin(), entries.end(),
                                                [](const DeviceDifference& entry) { return entry.only_norm_wise; }));
}

std::optional<DeviceDifference> DeviceComparison::first_divergence() const {
  for (const auto& entry : entries) {
    if (!entry.within) return entry;
  }
  return std::nullopt;
}

DeviceComparison compare_devices(ResNet<float>& model, const Tensor<float, 4>& images,
                                 const xt::xtensor<std::int64_t, 1>& labels, const AgreementRule& rule,
                                 const std::function<void(ResNet<float>&)>& prepare_twin) {
  if (images.device() != Device::cpu) throw DeviceError("compare_devices: give the images on the CPU");
  if (model.fc.weight.value.device() != Device::cpu) throw DeviceError("compare_devices: give the model on the CPU");
  if (labels.size() != images.dim(0)) {
    throw ShapeError("compare_devices: " + std::to_string(labels.size()) + " labels for " +
                     std::to_string(images.dim(0)) + " images");
  }
  // The GPU twin: the same architecture, the same values, the same mode.
  Generator unused(0);
  auto twin = std::make_unique<ResNet<float>>(model.config(), unused);
  twin->load_state_dict(model.state_dict());
  twin->train(model.is_training());
  twin->use_gemm(model.gemm());
  twin->to(Device::cuda);
  if (prepare_twin) prepare_twin(*twin);
  model.zero_grad();
  twin->zero_grad();

  // The parts, in the order of the forward pass. The parameter-free stem ReLU, pool and
  // flatten are the model's own kind of layer, fresh (they hold no state).
  ReLU<float> relu_cpu, relu_gpu;
  AdaptiveAvgPool2d<float> pool_cpu, pool_gpu;
  Flatten<float> flatten_cpu, flatten_gpu;
  std::vector<ImagePart> parts{
      {"conv1", &model.conv1, &twin->conv1}, {"bn1", &model.bn1, &twin->bn1}, {"relu", &relu_cpu, &relu_gpu}};
  if (model.maxpool) parts.push_back({"maxpool", model.maxpool.get(), twin->maxpool.get()});
  for (std::size_t s = 0; s < model.stage_count(); ++s) {
    for (std::size_t b = 0; b < model.stage(s).size(); ++b) {
      parts.push_back(
          {"layer" + std::to_string(s + 1) + "." + std::to_string(b), &model.stage(s)[b], &twin->stage(s)[b]});
    }
  }
  parts.push_back({"avgpool", &pool_cpu, &pool_gpu});

  Comparison comparison(rule);
  // Forward: each part gets the CPU's input on both devices.
  Tensor<float, 4> x = images;
  for (const ImagePart& part : parts) {
    Tensor<float, 4> y = part.cpu->forward(x);
    comparison.add(part.name, "forward", "output", y, part.gpu->forward(x.to(Device::cuda)));
    if (model.is_training()) comparison.add_buffers(part.name, *part.cpu, *part.gpu);
    x = std::move(y);
  }
  const Tensor<float, 2> features = flatten_cpu.forward(x);
  comparison.add("flatten", "forward", "output", features, flatten_gpu.forward(x.to(Device::cuda)));
  const Tensor<float, 2> logits = model.fc.forward(features);
  comparison.add("fc", "forward", "output", logits, twin->fc.forward(features.to(Device::cuda)));

  // Backward, from the gradient of the CPU's loss: each part gets the CPU's upstream
  // gradient on both devices.
  const Tensor<float, 2> dlogits = cross_entropy_and_gradient_of_batch(logits, labels).dlogits;
  const Tensor<float, 2> dfeatures = model.fc.backward(dlogits);
  comparison.add("fc", "backward", "input gradient", dfeatures, twin->fc.backward(dlogits.to(Device::cuda)));
  comparison.add_parameter_gradients("fc", model.fc, twin->fc);
  Tensor<float, 4> dy = flatten_cpu.backward(dfeatures);
  comparison.add("flatten", "backward", "input gradient", dy, flatten_gpu.backward(dfeatures.to(Device::cuda)));
  for (auto part = parts.rbegin(); part != parts.rend(); ++part) {
    Tensor<float, 4> dx = part->cpu->backward(dy);
    comparison.add(part->name, "backward", "input gradient", dx, part->gpu->backward(dy.to(Device::cuda)));
    comparison.add_parameter_gradients(part->name, *part->cpu, *part->gpu);
    dy = std::move(dx);
  }
  return comparison.result();
}

}  // namespace resnet
