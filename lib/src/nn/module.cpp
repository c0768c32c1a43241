#include "resnet/nn/module.hpp"

#include <map>
#include <stdexcept>
#include <type_traits>

#include "resnet/error.hpp"
#include "resnet/shape.hpp"

namespace resnet {

std::string to_string(DType dtype) {
  switch (dtype) {
    case DType::float32: return "float32";
    case DType::float64: return "float64";
    case DType::int64: return "int64";
  }
  return "unknown";
}

template <class T>
void Module<T>::train(bool training) {
  training_ = training;
  for (auto& [name, child] : children_) child->train(training);
}

template <class T>
void Module<T>::register_parameter(const std::string& name, ParameterBase<T>& parameter) {
  parameters_.emplace_back(name, &parameter);
}

template <class T>
void Module<T>::register_buffer(const std::string& name, StateTensor& buffer) {
  buffers_.emplace_back(name, &buffer);
}

template <class T>
void Module<T>::register_module(const std::string& name, Module<T>& child) {
  children_.emplace_back(name, &child);
}

template <class T>
void Module<T>::collect_parameters(const std::string& prefix, std::vector<NamedParameter<T>>& out) const {
  for (const auto& [name, parameter] : parameters_) out.push_back({prefix + name, parameter});
  for (const auto& [name, child] : children_) child->collect_parameters(prefix + name + ".", out);
}

template <class T>
void Module<T>::collect_buffers(const std::string& prefix, std::vector<NamedBuffer>& out) const {
  for (const auto& [name, buffer] : buffers_) out.push_back({prefix + name, buffer});
  for (const auto& [name, child] : children_) child->collect_buffers(prefix + name + ".", out);
}

template <class T>
void Module<T>::collect_state(const std::string& prefix,
                              std::vector<std::pair<std::string, StateTensor*>>& entries) const {
  // PyTorch's order: this module's parameters, its buffers, then each child in turn.
  for (const auto& [name, parameter] : parameters_) entries.emplace_back(prefix + name, parameter);
  for (const auto& [name, buffer] : buffers_) entries.emplace_back(prefix + name, buffer);
  for (const auto& [name, child] : children_) child->collect_state(prefix + name + ".", entries);
}

template <class T>
std::vector<NamedParameter<T>> Module<T>::named_parameters() const {
  std::vector<NamedParameter<T>> out;
  collect_parameters("", out);
  return out;
}

template <class T>
std::vector<NamedBuffer> Module<T>::named_buffers() const {
  std::vector<NamedBuffer> out;
  collect_buffers("", out);
  return out;
}

template <class T>
std::size_t Module<T>::parameter_count() const {
  std::size_t count = 0;
  for (const auto& named : named_parameters()) count += named.parameter->size();
  return count;
}

template <class T>
std::vector<std::size_t> Module<T>::summarize(const std::vector<std::size_t>&, Summary&) const {
  throw std::logic_error("summarize: this module does not describe itself; override Module::summarize");
}

template <class T>
void Module<T>::to(Device device) {
  if (device == Device::cuda && !std::is_same_v<T, float>) {
    throw DeviceError(
        "Module::to(Device::cuda): this model holds doubles, and the GPU passes of chapter 6 compute "
        "in float; build the model with float (gradient checks in double stay on the CPU)");
  }
  if (device == Device::cuda) cuda::device_launch();  // a clear error when there is no device
  for (const auto& named : named_parameters()) named.parameter->move_to(device);
  for (const auto& named : named_buffers()) named.buffer->move_to(device);
}

template <class T>
void Module<T>::use_gemm(cuda::GemmKernel kernel) {
  gemm_ = kernel;
  for (auto& [name, child] : children_) child->use_gemm(kernel);
}

template <class T>
void Module<T>::use_cpu_kernels(CpuKernels kernels) {
  cpu_kernels_ = kernels;
  for (auto& [name, child] : children_) child->use_cpu_kernels(kernels);
}

template <class T>
Device Module<T>::device() const {
  const auto parameters = named_parameters();
  return parameters.empty() ? Device::cpu : parameters.front().parameter->device();
}

template <class T>
void Module<T>::zero_grad() {
  for (const auto& named : named_parameters()) named.parameter->zero_grad();
}

template <class T>
StateDict Module<T>::state_dict() const {
  std::vector<std::pair<std::string, StateTensor*>> entries;
  collect_state("", entries);
  StateDict state;
  for (const auto& [name, tensor] : entries) {
    state.emplace_back(name, StateEntry{tensor->shape(), tensor->dtype(), tensor->values()});
  }
  return state;
}

template <class T>
void Module<T>::load_state_dict(const StateDict& state) {
  std::vector<std::pair<std::string, StateTensor*>> entries;
  collect_state("", entries);
  std::map<std::string, const StateEntry*> by_name;
  for (const auto& [name, entry] : state) {
    if (!by_name.emplace(name, &entry).second) {
      throw ShapeError("load_state_dict: entry '" + name + "' appears twice");
    }
  }
  std::map<std::string, const StateEntry*> given = by_name;  // what is left unclaimed
  std::vector<std::pair<std::string, StateTensor*>> to_load;

  // Check everything first: a state dict that does not fit must leave the model untouched.
  for (const auto& [name, tensor] : entries) {
    const auto found = given.find(name);
    // Like PyTorch, accept a batch-norm state without the batch counter (checkpoints older
    // than the counter lack it): the counter keeps its value.
    const bool counter = tensor->dtype() == DType::int64 && name.size() >= 19 &&
                         name.compare(name.size() - 19, 19, "num_batches_tracked") == 0;
    if (found == given.end() && counter) continue;
    if (found == given.end()) {
      throw ShapeError("load_state_dict: missing entry '" + name + "' (shape " + format_shape(tensor->shape()) + ")");
    }
    const StateEntry& entry = *found->second;
    if (entry.shape != tensor->shape()) {
      throw ShapeError("load_state_dict: '" + name + "' has shape " + format_shape(entry.shape) +
                       ", the model expects " + format_shape(tensor->shape()));
    }
    std::size_t count = 1;
    for (std::size_t size : entry.shape) count *= size;
    if (entry.values.size() != count) {
      throw ShapeError("load_state_dict: '" + name + "' holds " + std::to_string(entry.values.size()) +
                       " values for shape " + format_shape(entry.shape));
    }
    if ((entry.dtype == DType::int64) != (tensor->dtype() == DType::int64)) {
      throw ShapeError("load_state_dict: '" + name + "' is " + to_string(entry.dtype) + ", the model stores " +
                       to_string(tensor->dtype()));
    }
    given.erase(found);
    to_load.emplace_back(name, tensor);
  }
  for (const auto& [name, entry] : state) {  // the first extra entry, in the order given
    if (given.count(name) > 0) {
      throw ShapeError("load_state_dict: unexpected entry '" + name + "' (this model has no tensor of that name)");
    }
  }
  for (const auto& [name, tensor] : to_load) tensor->set_values(by_name.at(name)->values);
}

template class Module<float>;
template class Module<double>;

}  // namespace resnet
