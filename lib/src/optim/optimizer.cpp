// The optimizers' bookkeeping: parameters, per-parameter buffers, state dicts, and the
// settings checks PyTorch makes. The update rules themselves are tasks 7.1 and 7.2.
#include "resnet/optim/optimizer.hpp"

#include <map>
#include <stdexcept>

#include "resnet/cuda/kernels.hpp"
#include "resnet/error.hpp"

namespace resnet {

template <class T>
Optimizer<T>::Optimizer(std::vector<NamedParameter<T>> parameters) : parameters_(std::move(parameters)) {
  if (parameters_.empty()) throw std::invalid_argument("optimizer: no parameters to optimise");
}

template <class T>
void Optimizer<T>::zero_grad() {
  for (const auto& named : parameters_) named.parameter->zero_grad();
}

template <class T>
std::vector<Tensor<T, 1>>& Optimizer<T>::add_buffers(const std::string& name) {
  std::vector<Tensor<T, 1>> buffers;
  for (const auto& named : parameters_) buffers.push_back(Tensor<T, 1>::zeros({named.parameter->size()}));
  buffers_.emplace_back(name, std::move(buffers));
  return buffers_.back().second;
}

template <class T>
void Optimizer<T>::follow_parameters() {
  for (auto& [buffer_name, buffers] : buffers_) {
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
      const Device device = parameters_[i].parameter->device();
      if (buffers[i].device() != device) buffers[i] = buffers[i].to(device);
    }
  }
}

template <class T>
StateDict Optimizer<T>::state_dict() const {
  StateDict state;
  state.emplace_back("step", StateEntry{{}, DType::int64, {static_cast<double>(steps_)}});
  for (const auto& [buffer_name, buffers] : buffers_) {
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
      StateEntry entry{parameters_[i].parameter->shape(), sizeof(T) == 4 ? DType::float32 : DType::float64,
                       values_of(buffers[i])};
      state.emplace_back(parameters_[i].name + "." + buffer_name, std::move(entry));
    }
  }
  return state;
}

template <class T>
void Optimizer<T>::load_state_dict(const StateDict& state) {
  std::map<std::string, const StateEntry*> by_name;
  for (const auto& [name, entry] : state) by_name[name] = &entry;
  // Check everything before changing anything.
  auto find = [&](const std::string& name, std::size_t size) -> const StateEntry& {
    const auto found = by_name.find(name);
    if (found == by_name.end()) throw ShapeError("optimizer load_state_dict: missing entry '" + name + "'");
    if (found->second->values.size() != size) {
      throw ShapeError("optimizer load_state_dict: '" + name + "' holds " +
                       std::to_string(found->second->values.size()) + " values, the parameter has " +
                       std::to_string(size));
    }
    return *found->second;
  };
  const StateEntry& step = find("step", 1);
  std::size_t expected_entries = 1;
  for (const auto& [buffer_name, buffers] : buffers_) {
    for (const auto& named : parameters_) find(named.name + "." + buffer_name, named.parameter->size());
    expected_entries += parameters_.size();
  }
  if (state.size() != expected_entries) {
    throw ShapeError("optimizer load_state_dict: " + std::to_string(state.size()) + " entries, this optimizer has " +
                     std::to_string(expected_entries) + " (a state from another optimizer or model?)");
  }
  steps_ = static_cast<std::int64_t>(step.values[0]);
  for (auto& [buffer_name, buffers] : buffers_) {
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
      assign_values(buffers[i], by_name.at(parameters_[i].name + "." + buffer_name)->values);
    }
  }
}

template <class T>
Sgd<T>::Sgd(std::vector<NamedParameter<T>> parameters, const SgdSettings& settings)
    : Optimizer<T>(std::move(parameters)),
      settings_(settings),
      momentum_buffers_(this->add_buffers("momentum_buffer")) {
  if (settings.learning_rate < 0 || settings.momentum < 0 || settings.weight_decay < 0) {
    throw std::invalid_argument("SGD: learning rate, momentum and weight decay must not be negative");
  }
  if (settings.nesterov && (settings.momentum <= 0 || settings.dampening != 0)) {
    throw std::invalid_argument("SGD: Nesterov momentum requires a momentum and zero dampening");
  }
}

namespace {

// A buffer's values where its parameter's live (host or device memory).
template <class T>
T* data_of(Tensor<T, 1>& buffer) {
  return buffer.device() == Device::cpu ? buffer.host().data() : buffer.device_data();
}

}  // namespace

template <class T>
void Sgd<T>::step() {
  this->follow_parameters();
  const bool first_step = this->steps_ == 0;
  for (std::size_t i = 0; i < this->parameters_.size(); ++i) {
    ParameterBase<T>& parameter = *this->parameters_[i].parameter;
    T* momentum_buffer = data_of(momentum_buffers_[i]);
    if (parameter.device() == Device::cuda) {  // chapter 6: the same update as a kernel
      const cuda::SgdStep step{settings_.learning_rate, settings_.momentum, settings_.dampening,
                               settings_.weight_decay,  settings_.nesterov, first_step};
      cuda::sgd_update(parameter.value_data(), parameter.grad_data(), momentum_buffer, parameter.size(), step,
                       cuda::device_launch());
    } else {
      sgd_update(parameter.value_data(), parameter.grad_data(), momentum_buffer, parameter.size(), settings_,
                 first_step);
    }
  }
  ++this->steps_;
}

template <class T>
Adam<T>::Adam(std::vector<NamedParameter<T>> parameters, const AdamSettings& settings)
    : Optimizer<T>(std::move(parameters)),
      settings_(settings),
      exp_avg_(this->add_buffers("exp_avg")),
      exp_avg_sq_(this->add_buffers("exp_avg_sq")) {
  if (settings.learning_rate < 0 || settings.eps < 0 || settings.weight_decay < 0) {
    throw std::invalid_argument("Adam: learning rate, eps and weight decay must not be negative");
  }
  if (settings.beta1 < 0 || settings.beta1 >= 1 || settings.beta2 < 0 || settings.beta2 >= 1) {
    throw std::invalid_argument("Adam: betas must be in [0, 1)");
  }
}

template <class T>
void Adam<T>::step() {
  this->follow_parameters();
  ++this->steps_;  // t counts from 1 in the bias corrections
  for (std::size_t i = 0; i < this->parameters_.size(); ++i) {
    ParameterBase<T>& parameter = *this->parameters_[i].parameter;
    T* exp_avg = data_of(exp_avg_[i]);
    T* exp_avg_sq = data_of(exp_avg_sq_[i]);
    if (parameter.device() == Device::cuda) {  // chapter 6: the same update as a kernel
      const cuda::AdamStep step{
          settings_.learning_rate,          settings_.beta1, settings_.beta2, settings_.eps, settings_.weight_decay,
          settings_.decoupled_weight_decay, this->steps_};
      cuda::adam_update(parameter.value_data(), parameter.grad_data(), exp_avg, exp_avg_sq, parameter.size(), step,
                        cuda::device_launch());
    } else {
      adam_update(parameter.value_data(), parameter.grad_data(), exp_avg, exp_avg_sq, parameter.size(), settings_,
                  this->steps_);
    }
  }
}

template class Optimizer<float>;
template class Optimizer<double>;
template class Sgd<float>;
template class Sgd<double>;
template class Adam<float>;
template class Adam<double>;

}  // namespace resnet
