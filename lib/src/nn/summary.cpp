// The model summary. (Each layer's own rows are written beside the layer: lib/src/nn/<layer>.cpp,
// and Conv2d::summarize is task 5.3, in solutions/05_resnet34/.)
#include "resnet/nn/summary.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>

#include "resnet/error.hpp"
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
  text += "Params size (MB, float32): " + in_millions(4.0 * static_cast<double>(total_parameters())) +
          "\n";  // 4 bytes each
  text += rule + "\n";
  return text;
}

std::array<std::size_t, 4> image_shape_for_summary(const std::string& op, const std::vector<std::size_t>& shape) {
  if (shape.size() != 4) {
    throw ShapeError(op + ": expects an image batch (N, C, H, W), got shape " + format_shape(shape));
  }
  return {shape[0], shape[1], shape[2], shape[3]};
}

}  // namespace resnet
