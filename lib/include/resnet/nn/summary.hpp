/// @file
/// @brief A model summary like torchinfo's: every layer with its output shape, its
///        parameters and its multiply-accumulates, and the totals.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace resnet {

/// @ingroup ch05
/// @brief One line of a model summary: a module, at its depth in the tree.
struct SummaryRow {
  std::string name;                       ///< dotted name, e.g. "layer1.0.conv1" ("" for the model)
  std::string type;                       ///< e.g. "Conv2d", "BasicBlock"
  std::size_t depth = 0;                  ///< 0 for the model, 1 for its children, ...
  std::vector<std::size_t> output_shape;  ///< e.g. (1, 64, 56, 56)
  std::size_t parameters = 0;             ///< learned values in this module and its children
  std::size_t multiply_accumulates = 0;   ///< of this module and its children, for the whole batch
  bool leaf = true;                       ///< false for modules made of children
};

/// @ingroup ch05
/// @brief A model summary, built by walking the model with shapes only: no tensor is
///        computed, so summarising ResNet-152 at 224x224 takes microseconds.
///
/// Multiply-accumulates (MACs: one multiplication and one addition into a running sum) are
/// counted for convolutions and linear layers, the ones that matter; how many a convolution
/// makes is task 5.3 (chapters/05_resnet34/README.md, "Counting by hand"). Batch norm,
/// ReLU, pooling and the residual additions cost one operation per element and are not
/// counted, as in the ResNet paper's "FLOPs" (which are multiply-adds: 3.6 billion for
/// ResNet-34 at 224x224).
///
/// Modules build it through their Module::summarize(): a leaf calls leaf(); a module
/// made of children calls begin(), then child() for each child in forward order, then end().
class Summary {
 public:
  /// @brief Starts a summary of a model that takes inputs of `input_shape`.
  /// @param input_shape the model's input, e.g. (1, 3, 224, 224)
  explicit Summary(std::vector<std::size_t> input_shape);

  /// @brief Records a module without children (Conv2d, ReLU, ...) under the current name.
  /// @param type the module's type, e.g. "Conv2d"
  /// @param output_shape its output's shape, e.g. (N, K, P, Q)
  /// @param parameters its learned values
  /// @param multiply_accumulates its MACs for the whole batch (0 for cheap layers)
  void leaf(const std::string& type, const std::vector<std::size_t>& output_shape, std::size_t parameters,
            std::size_t multiply_accumulates);
  /// @brief Opens the row of a module made of children; its totals are the sum of theirs.
  void begin(const std::string& type);
  /// @brief Closes the row opened by the matching begin(), with the module's output shape.
  /// @param output_shape the module's output shape, e.g. (N, K, P, Q)
  void end(const std::vector<std::size_t>& output_shape);
  /// @brief Summarises `child` (any type with a `summarize(input_shape, Summary&)` member,
  ///        which every Module has) under the name `name`, one level deeper.
  /// @param name the child's name, e.g. "conv1" (joined to its parent's with a dot)
  /// @param module the child
  /// @param input_shape the child's input shape
  /// @return the child's output shape
  template <class ChildModule>
  std::vector<std::size_t> child(const std::string& name, const ChildModule& module,
                                 const std::vector<std::size_t>& input_shape) {
    push_name(name);
    std::vector<std::size_t> output = module.summarize(input_shape, *this);
    pop_name();
    return output;
  }

  /// @brief The rows, parents before their children, in forward order.
  const std::vector<SummaryRow>& rows() const { return rows_; }
  /// @brief The input shape the summary was made for.
  const std::vector<std::size_t>& input_shape() const { return input_shape_; }
  /// @brief The sum of the leaves' parameters.
  std::size_t total_parameters() const;
  /// @brief The sum of the leaves' multiply-accumulates.
  std::size_t total_multiply_accumulates() const;
  /// @brief The summary as a table, down to `max_depth` (deeper rows are folded into their
  ///        parents), with totals, the input's size and the float32 size of the parameters.
  std::string to_string(std::size_t max_depth = 99) const;

 private:
  void push_name(const std::string& name);
  void pop_name();
  std::string current_name() const;

  std::vector<std::size_t> input_shape_;
  std::vector<SummaryRow> rows_;
  std::vector<std::string> names_;      // the path to the module being summarised
  std::vector<std::size_t> open_rows_;  // rows begun and not yet ended
};

/// @ingroup ch05
/// @brief 21797672 -> "21,797,672".
std::string with_thousands(std::size_t value);

/// @ingroup ch05
/// @brief `shape` as an image batch (N, C, H, W), for a layer's summarize().
/// @param op the caller, for the message
/// @param shape the layer's input shape
/// @throws ShapeError when `shape` does not have four sizes
std::array<std::size_t, 4> image_shape_for_summary(const std::string& op, const std::vector<std::size_t>& shape);

}  // namespace resnet
