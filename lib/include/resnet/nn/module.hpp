/// @file
/// @brief The module: a layer that owns parameters, caches what its backward pass needs,
///        knows train/eval mode, and contains named children.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "resnet/cuda/gemm.hpp"
#include "resnet/nn/state.hpp"
#include "resnet/tensor.hpp"

namespace resnet {

class Summary;

/// @ingroup ch03
/// @brief Which code a module's CPU passes run (Module::use_cpu_kernels()).
///
/// `reference`: the code the chapters teach, the student's own in the student's build.
/// `packed`: the library's kernels beside it (resnet/cpu/), in float: Conv2d without a
/// whole-batch im2col, on packed GEMM panels or Winograd's minimal filtering
/// (resnet/cpu/conv2d.hpp), BasicBlock with each batch norm fused with the shortcut's
/// sum and the ReLU (resnet/cpu/batchnorm_relu.hpp), and MaxPool2d keeping nothing in
/// evaluation (resnet/cpu/max_pool2d.hpp). The other layers, and models of doubles, run
/// the reference either way.
enum class CpuKernels { reference, packed };

/// @ingroup ch03
/// @brief "reference" or "packed", the names `--kernels` takes.
inline const char* cpu_kernels_name(CpuKernels kernels) {
  return kernels == CpuKernels::packed ? "packed" : "reference";
}

/// @ingroup ch03
/// @brief A parameter with its full dotted name, as Module::named_parameters() lists them.
template <class T>
struct NamedParameter {
  std::string name;             ///< e.g. "layer1.0.conv1.weight"
  ParameterBase<T>* parameter;  ///< owned by the module
};

/// @ingroup ch03
/// @brief A buffer with its full dotted name.
struct NamedBuffer {
  std::string name;     ///< e.g. "bn1.running_mean"
  StateTensor* buffer;  ///< owned by the module
};

/// @ingroup ch03
/// @brief The base of every layer and model: names, parameters, buffers, children, mode.
///
/// A module registers its parameters, buffers and child modules under their torchvision
/// names in its constructor; everything else (listing them with dotted names, state dicts,
/// train/eval, zero_grad) works from those registrations. Modules refer to their members
/// by address, so they are neither copied nor moved: make them in place or hold them by
/// `std::unique_ptr`.
/// @see https://pytorch.org/docs/stable/generated/torch.nn.Module.html
template <class T>
class Module {
 public:
  Module() = default;
  /// @brief Not copyable: a module refers to its members by address.
  Module(const Module&) = delete;
  /// @brief Not copyable: a module refers to its members by address.
  Module& operator=(const Module&) = delete;
  virtual ~Module() = default;

  /// @brief Switches this module and every child to training (true) or evaluation mode.
  /// @see https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.train
  void train(bool training = true);
  /// @brief Same as train(false): batch norm uses its running statistics.
  /// @see https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval
  void eval() { train(false); }
  /// @brief True in training mode (the default).
  bool is_training() const { return training_; }

  /// @brief Every parameter of this module and its children, with dotted names, in
  ///        registration order (the order of PyTorch's `named_parameters()`).
  /// @see https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.named_parameters
  std::vector<NamedParameter<T>> named_parameters() const;
  /// @brief Every buffer, with dotted names.
  /// @see https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.named_buffers
  std::vector<NamedBuffer> named_buffers() const;
  /// @brief The number of learned values (what torchinfo calls "Total params").
  std::size_t parameter_count() const;
  /// @brief Moves every parameter (value and gradient) and buffer of this module and its
  ///        children to `device` (chapter 6); forward() then takes inputs on that device.
  ///        Batch-norm counters stay on the CPU.
  /// @throws DeviceError for a model of doubles and Device::cuda: the GPU passes compute in
  ///         float (this is the one place that says so)
  /// @see https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.to
  void to(Device device);
  /// @brief Where the module's parameters live: the device of its first parameter, or the
  ///        CPU for a module without parameters (as `next(model.parameters()).device`).
  Device device() const;
  /// @brief Chooses the rung of chapter 6's GEMM ladder that the GPU passes of this module
  ///        and all its children use (Conv2d and Linear); rung 05 (vectorized) until set.
  /// @param kernel e.g. cuda::GemmKernel::tf32_wmma for TF32 tensor cores
  void use_gemm(cuda::GemmKernel kernel);
  /// @brief The GEMM rung this module's GPU passes use.
  cuda::GemmKernel gemm() const { return gemm_; }
  /// @brief Chooses the code the CPU passes of this module and all its children run;
  ///        CpuKernels::reference until set. Change it between steps, not between a
  ///        forward pass and its backward pass.
  void use_cpu_kernels(CpuKernels kernels);
  /// @brief The code this module's CPU passes run.
  CpuKernels cpu_kernels() const { return cpu_kernels_; }
  /// @brief Sets every parameter's gradient to zero.
  /// @see https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.zero_grad
  void zero_grad();

  /// @brief Parameters and buffers by name, in PyTorch's `state_dict()` order: each
  ///        module's own parameters, then its own buffers, then its children's.
  /// @see https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.state_dict
  StateDict state_dict() const;
  /// @brief Loads a state dict: the names must be exactly this module's (each once), and
  ///        every shape and kind (integer or floating point) must match. Everything is
  ///        checked before anything is written, so a state dict that does not fit leaves the
  ///        module as it was. As in PyTorch, a missing batch-norm `num_batches_tracked` is
  ///        allowed (the counter keeps its value).
  /// @throws ShapeError naming the first missing, duplicated, unexpected, mis-shaped or
  ///         mis-typed entry
  /// @see https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.load_state_dict
  void load_state_dict(const StateDict& state);

  /// @brief Adds this module's rows to a model summary (chapter 5) and returns the shape
  ///        its forward pass would produce from an input of `input_shape`, without
  ///        computing anything.
  /// @param input_shape the input's shape, e.g. (N, C, H, W) for an image layer
  /// @param summary the summary to add to
  /// @return the output's shape, e.g. (N, K, P, Q) for a convolution
  /// @throws ShapeError when the input shape does not fit the module
  /// @throws std::logic_error for a module that does not describe itself
  virtual std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const;

 protected:
  /// @brief Registers a parameter under `name` (e.g. "weight").
  void register_parameter(const std::string& name, ParameterBase<T>& parameter);
  /// @brief Registers a buffer under `name` (e.g. "running_mean").
  void register_buffer(const std::string& name, StateTensor& buffer);
  /// @brief Registers a child module under `name` (e.g. "conv1", or "0" in a Sequential).
  void register_module(const std::string& name, Module<T>& child);

 private:
  // Entries with their full names, children's prefixed by `prefix`.
  void collect_state(const std::string& prefix, std::vector<std::pair<std::string, StateTensor*>>& entries) const;
  void collect_parameters(const std::string& prefix, std::vector<NamedParameter<T>>& out) const;
  void collect_buffers(const std::string& prefix, std::vector<NamedBuffer>& out) const;

  bool training_ = true;
  cuda::GemmKernel gemm_ = cuda::GemmKernel::vectorized;
  CpuKernels cpu_kernels_ = CpuKernels::reference;
  std::vector<std::pair<std::string, ParameterBase<T>*>> parameters_;
  std::vector<std::pair<std::string, StateTensor*>> buffers_;
  std::vector<std::pair<std::string, Module<T>*>> children_;
};

/// @ingroup ch03
/// @brief A module that maps a rank-In tensor to a rank-Out tensor, with its backward pass.
///
/// forward() caches what backward() needs; backward() takes \f$ \partial L / \partial y \f$,
/// **adds** the gradients of its parameters into their `grad`, and returns
/// \f$ \partial L / \partial x \f$. A network calls the backward passes in the reverse order
/// of the forward passes.
template <class T, std::size_t In, std::size_t Out>
class Layer : public Module<T> {
 public:
  /// @brief Computes the output and remembers what backward() needs.
  /// @param x the input, rank In: (N, C, H, W) for images, (N, C) for features
  /// @return the output, rank Out: (N, K, P, Q) for images, (N, K) for features or logits
  virtual Tensor<T, Out> forward(const Tensor<T, In>& x) = 0;
  /// @brief Adds the parameters' gradients and returns the input's gradient.
  /// @param dy \f$ \partial L / \partial y \f$, the shape of forward()'s output
  /// @return dx = \f$ \partial L / \partial x \f$, the shape of forward()'s input
  /// @throws std::logic_error when called before forward()
  virtual Tensor<T, In> backward(const Tensor<T, Out>& dy) = 0;
};

/// @ingroup ch03
/// @brief A layer from NCHW batches to NCHW batches: everything between a ResNet's input
///        and its pooling head.
template <class T>
using ImageLayer = Layer<T, 4, 4>;

/// @ingroup ch07
/// @brief A layer from NCHW image batches to logits (N, classes): what a ResNet is, and what
///        the training step and the evaluation take.
template <class T>
using Classifier = Layer<T, 4, 2>;

}  // namespace resnet
