// The model summary, and how each layer of chapters 3-4 describes itself in it.
// (Conv2d::summarize is task 5.3, in solutions/05_resnet34/.)
#include "resnet/nn/summary.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>

#include "resnet/error.hpp"
#include "resnet/nn/activation.hpp"
#include "resnet/nn/batchnorm2d.hpp"
#include "resnet/nn/blocks.hpp"
#include "resnet/nn/flatten.hpp"
#include "resnet/nn/linear.hpp"
#include "resnet/nn/pooling.hpp"
#include "resnet/nn/resnet.hpp"
#include "resnet/nn/sequential.hpp"
#include "resnet/ops/window_shape.hpp"
#include "resnet/shape.hpp"

namespace resnet {

// ---- the summary itself ----

Summary::Summary(std::vector<std::size_t> input_shape) : input_shape_(std::move(input_shape)) {}

void Summary::push_name(const std::string& name) { names_.push_back(name); }

void Summary::pop_name() { names_.pop_back(); }

std::string Summary::current_name() const {
  std::string name;
  for (const std::string& part : names_) name += (name.empty() ? "" : ".") + part;
  return name;
}

void Summary::leaf(const std::string& type, const std::vector<std::size_t>& output_shape, std::size_t parameters,
                   std::size_t multiply_accumulates) {
  rows_.push_back({current_name(), type, names_.size(), output_shape, parameters, multiply_accumulates, true});
  // Every open parent contains this leaf.
  for (std::size_t open : open_rows_) {
    rows_[open].parameters += parameters;
    rows_[open].multiply_accumulates += multiply_accumulates;
  }
}

void Summary::begin(const std::string& type) {
  open_rows_.push_back(rows_.size());
  rows_.push_back({current_name(), type, names_.size(), {}, 0, 0, false});
}

void Summary::end(const std::vector<std::size_t>& output_shape) {
  if (open_rows_.empty()) throw std::logic_error("Summary::end without a matching begin");
  rows_[open_rows_.back()].output_shape = output_shape;
  open_rows_.pop_back();
}

std::size_t Summary::total_parameters() const {
  std::size_t total = 0;
  for (const SummaryRow& row : rows_) total += row.leaf ? row.parameters : 0;
  return total;
}

std::size_t Summary::total_multiply_accumulates() const {
  std::size_t total = 0;
  for (const SummaryRow& row : rows_) total += row.leaf ? row.multiply_accumulates : 0;
  return total;
}

std::string with_thousands(std::size_t value) {
  std::string digits = std::to_string(value);
  std::string grouped;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return grouped;
}

namespace {

std::string format_row(const std::string& layer, const std::string& shape, const std::string& parameters,
                       const std::string& macs) {
  char line[256];
  std::snprintf(line, sizeof line, "%-44s %-20s %14s %17s\n", layer.c_str(), shape.c_str(), parameters.c_str(),
                macs.c_str());
  return line;
}

// "layer1.0.conv1" at depth 3 -> "    conv1 (Conv2d)": indented, with the last part of the name.
std::string layer_label(const SummaryRow& row) {
  const std::size_t dot = row.name.rfind('.');
  const std::string short_name = dot == std::string::npos ? row.name : row.name.substr(dot + 1);
  const std::string indent(2 * (row.depth > 0 ? row.depth - 1 : 0), ' ');
  return indent + (short_name.empty() ? row.type : short_name + " (" + row.type + ")");
}

std::string in_millions(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2f", value / 1e6);
  return text;
}

}  // namespace

std::string Summary::to_string(std::size_t max_depth) const {
  const std::string rule(98, '=');
  std::string text = rule + "\n" + format_row("Layer (type)", "Output shape", "Param #", "Mult-adds") + rule + "\n";
  for (const SummaryRow& row : rows_) {
    if (row.depth == 0 || row.depth > max_depth) continue;
    // A parent's numbers are totals of its children; show them only when folded.
    const bool folded = !row.leaf && row.depth == max_depth;
    const bool show_numbers = row.leaf || folded;
    text += format_row(layer_label(row), format_shape(row.output_shape),
                       show_numbers && row.parameters > 0 ? with_thousands(row.parameters) : "--",
                       show_numbers && row.multiply_accumulates > 0 ? with_thousands(row.multiply_accumulates) : "--");
  }
  std::size_t input_values = 1;
  for (std::size_t size : input_shape_) input_values *= size;
  text += rule + "\n";
  text += "Total params: " + with_thousands(total_parameters()) + "\n";
  text += "Total mult-adds (M): " + in_millions(static_cast<double>(total_multiply_accumulates())) + "\n";
  text += "Input shape: " + format_shape(input_shape_) + " (" + with_thousands(input_values) + " values)\n";
  text += "Params size (MB, float32): " + in_millions(4.0 * static_cast<double>(total_parameters())) + "\n";  // 4 bytes each
  text += rule + "\n";
  return text;
}

// ---- how each layer describes itself ----

namespace {

std::array<std::size_t, 4> as_image_shape(const std::string& op, const std::vector<std::size_t>& shape) {
  if (shape.size() != 4) {
    throw ShapeError(op + ": expects an image batch (N, C, H, W), got shape " + format_shape(shape));
  }
  return {shape[0], shape[1], shape[2], shape[3]};
}

std::vector<std::size_t> as_vector(const std::array<std::size_t, 4>& shape) { return {shape.begin(), shape.end()}; }

}  // namespace

template <class T>
std::vector<std::size_t> BatchNorm2d<T>::summarize(const std::vector<std::size_t>& input_shape,
                                                   Summary& summary) const {
  const auto x = as_image_shape("BatchNorm2d.summarize", input_shape);
  require_shape("BatchNorm2d.summarize", "channels", std::array<std::size_t, 1>{x[1]},
                std::array<std::size_t, 1>{weight.value.shape()[0]});
  summary.leaf("BatchNorm2d", input_shape, this->parameter_count(), 0);
  return input_shape;
}

template <class T>
std::vector<std::size_t> ReLU<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  summary.leaf("ReLU", input_shape, 0, 0);
  return input_shape;
}

template <class T>
std::vector<std::size_t> MaxPool2d<T>::summarize(const std::vector<std::size_t>& input_shape,
                                                 Summary& summary) const {
  const WindowShape shape =
      pool2d_shape("MaxPool2d.summarize", as_image_shape("MaxPool2d.summarize", input_shape), kernel, stride, padding);
  const std::vector<std::size_t> output = as_vector(shape.output_shape());
  summary.leaf("MaxPool2d", output, 0, 0);
  return output;
}

template <class T>
std::vector<std::size_t> AdaptiveAvgPool2d<T>::summarize(const std::vector<std::size_t>& input_shape,
                                                         Summary& summary) const {
  const auto x = as_image_shape("AdaptiveAvgPool2d.summarize", input_shape);
  const std::vector<std::size_t> output{x[0], x[1], 1, 1};
  summary.leaf("AdaptiveAvgPool2d", output, 0, 0);
  return output;
}

template <class T>
std::vector<std::size_t> Flatten<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  const auto x = as_image_shape("Flatten.summarize", input_shape);
  const std::vector<std::size_t> output{x[0], x[1] * x[2] * x[3]};
  summary.leaf("Flatten", output, 0, 0);
  return output;
}

template <class T>
std::vector<std::size_t> Linear<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  const std::size_t K = weight.value.shape()[0];
  const std::size_t C = weight.value.shape()[1];
  if (input_shape.size() != 2 || input_shape[1] != C) {
    throw ShapeError("Linear.summarize: expects (N, " + std::to_string(C) + "), got shape " + format_shape(input_shape));
  }
  const std::size_t N = input_shape[0];
  summary.leaf("Linear", {N, K}, this->parameter_count(), N * K * C);  // chapter 5's "Counting by hand"
  return {N, K};
}

template <class T>
std::vector<std::size_t> Sequential<T>::summarize(const std::vector<std::size_t>& input_shape,
                                                  Summary& summary) const {
  summary.begin("Sequential");
  std::vector<std::size_t> shape = input_shape;
  for (std::size_t i = 0; i < layers_.size(); ++i) shape = summary.child(std::to_string(i), *layers_[i], shape);
  summary.end(shape);
  return shape;
}

template <class T>
std::vector<std::size_t> BasicBlock<T>::summarize(const std::vector<std::size_t>& input_shape,
                                                  Summary& summary) const {
  summary.begin("BasicBlock");
  std::vector<std::size_t> shape = summary.child("conv1", conv1, input_shape);
  shape = summary.child("bn1", bn1, shape);
  shape = summary.child("relu", relu1_, shape);
  shape = summary.child("conv2", conv2, shape);
  shape = summary.child("bn2", bn2, shape);
  if (downsample) summary.child("downsample", *downsample, input_shape);
  shape = summary.child("relu", relu2_, shape);
  summary.end(shape);
  return shape;
}

template <class T>
std::vector<std::size_t> Bottleneck<T>::summarize(const std::vector<std::size_t>& input_shape,
                                                  Summary& summary) const {
  summary.begin("Bottleneck");
  std::vector<std::size_t> shape = summary.child("conv1", conv1, input_shape);
  shape = summary.child("bn1", bn1, shape);
  shape = summary.child("relu", relu1_, shape);
  shape = summary.child("conv2", conv2, shape);
  shape = summary.child("bn2", bn2, shape);
  shape = summary.child("relu", relu2_, shape);
  shape = summary.child("conv3", conv3, shape);
  shape = summary.child("bn3", bn3, shape);
  if (downsample) summary.child("downsample", *downsample, input_shape);
  shape = summary.child("relu", relu3_, shape);
  summary.end(shape);
  return shape;
}

template <class T>
std::vector<std::size_t> ResNet<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  summary.begin("ResNet");
  std::vector<std::size_t> shape = summary.child("conv1", conv1, input_shape);
  shape = summary.child("bn1", bn1, shape);
  shape = summary.child("relu", relu_, shape);
  if (maxpool) shape = summary.child("maxpool", *maxpool, shape);
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    shape = summary.child("layer" + std::to_string(i + 1), *stages_[i], shape);
  }
  shape = summary.child("avgpool", avgpool_, shape);
  shape = summary.child("flatten", flatten_, shape);
  shape = summary.child("fc", fc, shape);
  summary.end(shape);
  return shape;
}

// The summaries are defined here, apart from the classes, so each is instantiated here.
template std::vector<std::size_t> BatchNorm2d<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> ReLU<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> MaxPool2d<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> AdaptiveAvgPool2d<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Flatten<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Linear<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Sequential<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> BasicBlock<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Bottleneck<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> ResNet<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> BatchNorm2d<double>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> ReLU<double>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> MaxPool2d<double>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> AdaptiveAvgPool2d<double>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Flatten<double>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Linear<double>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Sequential<double>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> BasicBlock<double>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Bottleneck<double>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> ResNet<double>::summarize(const std::vector<std::size_t>&, Summary&) const;

}  // namespace resnet
