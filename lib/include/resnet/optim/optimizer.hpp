/// @file
/// @brief Optimizers: SGD (momentum, Nesterov, weight decay), Adam and AdamW, with exactly
///        torch.optim's update rules and defaults.
///
/// An optimizer holds the model's parameters (by name, as Module::named_parameters()
/// lists them) and, per parameter, the state its rule needs. Each training step: zero the
/// gradients, run forward and backward (which add into every `grad`), then step().
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "resnet/nn/module.hpp"
#include "resnet/nn/state.hpp"

namespace resnet {

/// @ingroup ch07
/// @brief The settings of SGD, torch.optim.SGD's defaults except the learning rate.
struct SgdSettings {
  double learning_rate = 0.1;  ///< lr
  double momentum = 0.0;       ///< 0 for plain gradient descent
  double dampening = 0.0;      ///< scales the new gradient in the momentum buffer by (1 - dampening)
  double weight_decay = 0.0;   ///< L2 penalty: adds weight_decay * w to the gradient
  bool nesterov = false;       ///< Nesterov momentum (needs momentum > 0 and dampening 0)
};

/// @ingroup ch07
/// @brief The settings of Adam and AdamW (torch.optim.Adam's defaults; AdamW's default
///        weight decay is 0.01, set it explicitly).
struct AdamSettings {
  double learning_rate = 1e-3;          ///< lr
  double beta1 = 0.9;                   ///< decay of the running mean of gradients
  double beta2 = 0.999;                 ///< decay of the running mean of squared gradients
  double eps = 1e-8;                    ///< added to the denominator
  double weight_decay = 0.0;            ///< Adam: L2 added to the gradient; AdamW: decoupled
  bool decoupled_weight_decay = false;  ///< true for AdamW: w -= lr * weight_decay * w, apart from the gradient
};

/// @ingroup ch07
/// @brief Task 7.1: one SGD update of one parameter tensor (torch.optim.SGD):
/// \f[ g = \nabla w + \lambda w,\quad b \leftarrow \begin{cases} g & t = 1 \\ \mu b + (1 - \tau) g & t > 1 \end{cases},\quad
///     w \leftarrow w - \eta\,(g + \mu b \text{ if Nesterov, else } b) \f]
/// (without momentum, simply \f$ w \leftarrow w - \eta g \f$).
/// @param value the parameter, updated in place (count values)
/// @param grad its gradient (count values)
/// @param momentum_buffer b, updated in place (count values; unused without momentum)
/// @param count number of values
/// @param settings the hyper-parameters (learning_rate is the current one)
/// @param first_step true on the first step, when b starts as g
/// @see https://pytorch.org/docs/stable/generated/torch.optim.SGD.html
template <class T>
void sgd_update(T* value, const T* grad, T* momentum_buffer, std::size_t count, const SgdSettings& settings,
                bool first_step);

/// @ingroup ch07
/// @brief Task 7.2: one Adam (or AdamW) update of one parameter tensor, exactly as
///        torch.optim.Adam (torch.optim.AdamW) computes it:
/// \f[ g = \nabla w + \lambda w \text{ (Adam)},\quad m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
///     v \leftarrow \beta_2 v + (1-\beta_2) g^2, \f]
/// \f[ w \leftarrow w - \frac{\eta}{1-\beta_1^t} \cdot \frac{m}{\sqrt{v}/\sqrt{1-\beta_2^t} + \epsilon}; \f]
/// AdamW first decays the weight, \f$ w \leftarrow w (1 - \eta\lambda) \f$, and leaves g alone.
///
/// The update is a contract: it is PyTorch's, in PyTorch's order of operations (where
/// \f$ \epsilon \f$ goes matters), so that the results match torch.optim.Adam's. Why the
/// factors \f$ 1 - \beta^t \f$ are there is the derivation of task 7.2 in
/// chapters/07_training/README.md.
/// @param value the parameter, updated in place (count values)
/// @param grad its gradient (count values)
/// @param exp_avg m, updated in place (count values)
/// @param exp_avg_sq v, updated in place (count values)
/// @param count number of values
/// @param settings the hyper-parameters (learning_rate and beta1 are the current ones)
/// @param step t, the number of this step, from 1
/// @see https://pytorch.org/docs/stable/generated/torch.optim.Adam.html
/// @see https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html
template <class T>
void adam_update(T* value, const T* grad, T* exp_avg, T* exp_avg_sq, std::size_t count, const AdamSettings& settings,
                 std::int64_t step);

/// @ingroup ch07
/// @brief The common part of every optimizer: the parameters, the step count, the
///        learning rate a schedule may change, and the state dict for checkpoints.
/// @see https://pytorch.org/docs/stable/optim.html
template <class T>
class Optimizer {
 public:
  /// @brief An optimizer of `parameters`, with no step taken yet.
  /// @param parameters what to optimise, e.g. model.named_parameters()
  /// @throws std::invalid_argument when there are no parameters
  explicit Optimizer(std::vector<NamedParameter<T>> parameters);
  virtual ~Optimizer() = default;
  /// @brief Not copyable: it points to the model's parameters and hands out its buffers.
  Optimizer(const Optimizer&) = delete;
  /// @brief Not copyable: it points to the model's parameters and hands out its buffers.
  Optimizer& operator=(const Optimizer&) = delete;

  /// @brief Updates every parameter from its gradient.
  virtual void step() = 0;
  /// @brief Sets every parameter's gradient to zero.
  /// @see https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.zero_grad.html
  void zero_grad();
  /// @brief The current learning rate.
  virtual double learning_rate() const = 0;
  /// @brief Sets the learning rate (what a schedule does before each step).
  virtual void set_learning_rate(double learning_rate) = 0;
  /// @brief Sets the momentum a one-cycle schedule varies: SGD's momentum, Adam's beta1.
  virtual void set_momentum(double momentum) = 0;
  /// @brief Steps taken so far.
  std::int64_t steps() const { return steps_; }
  /// @brief The state to save in a checkpoint: "step" and each parameter's buffers,
  ///        named "<parameter>.<buffer>" (e.g. "fc.weight.exp_avg").
  /// @see https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.state_dict.html
  StateDict state_dict() const;
  /// @brief Restores a state_dict(); every name and size is checked before anything is
  ///        written.
  /// @throws ShapeError naming the first entry that does not fit
  void load_state_dict(const StateDict& state);

 protected:
  /// @brief Registers a per-parameter buffer kind (e.g. "exp_avg"): one zero-filled buffer
  ///        per parameter, returned for the subclass to keep.
  std::vector<Tensor<T, 1>>& add_buffers(const std::string& name);
  /// @brief Moves every buffer to the device of its parameter (after `model.to()`), so that
  ///        step() updates each parameter where it lives; step() calls it first.
  void follow_parameters();

  std::vector<NamedParameter<T>> parameters_;  ///< in the order given
  std::int64_t steps_ = 0;                     ///< steps taken

 private:
  // A deque, because add_buffers() hands out references that later additions must not move.
  std::deque<std::pair<std::string, std::vector<Tensor<T, 1>>>> buffers_;
};

/// @ingroup ch07
/// @brief torch.optim.SGD: plain, with momentum, Nesterov, weight decay.
/// @see https://pytorch.org/docs/stable/generated/torch.optim.SGD.html
template <class T>
class Sgd : public Optimizer<T> {
 public:
  /// @brief SGD over `parameters` with `settings`.
  /// @param parameters what to optimise, e.g. model.named_parameters()
  /// @param settings the hyper-parameters
  /// @throws std::invalid_argument for a negative rate, momentum or decay, or Nesterov
  ///         without momentum or with dampening (as PyTorch)
  Sgd(std::vector<NamedParameter<T>> parameters, const SgdSettings& settings);
  void step() override;
  double learning_rate() const override { return settings_.learning_rate; }
  void set_learning_rate(double learning_rate) override { settings_.learning_rate = learning_rate; }
  void set_momentum(double momentum) override { settings_.momentum = momentum; }
  /// @brief The settings, with the current learning rate and momentum.
  const SgdSettings& settings() const { return settings_; }

 private:
  SgdSettings settings_;
  std::vector<Tensor<T, 1>>& momentum_buffers_;
};

/// @ingroup ch07
/// @brief torch.optim.Adam, or torch.optim.AdamW with `decoupled_weight_decay`.
/// @see https://pytorch.org/docs/stable/generated/torch.optim.Adam.html
/// @see https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html
template <class T>
class Adam : public Optimizer<T> {
 public:
  /// @brief Adam (or AdamW) over `parameters` with `settings`.
  /// @param parameters what to optimise, e.g. model.named_parameters()
  /// @param settings the hyper-parameters
  /// @throws std::invalid_argument for settings PyTorch refuses (negative rate, eps or
  ///         decay, betas outside [0, 1))
  Adam(std::vector<NamedParameter<T>> parameters, const AdamSettings& settings);
  void step() override;
  double learning_rate() const override { return settings_.learning_rate; }
  void set_learning_rate(double learning_rate) override { settings_.learning_rate = learning_rate; }
  void set_momentum(double beta1) override { settings_.beta1 = beta1; }
  /// @brief The settings, with the current learning rate and beta1.
  const AdamSettings& settings() const { return settings_; }

 private:
  AdamSettings settings_;
  std::vector<Tensor<T, 1>>& exp_avg_;
  std::vector<Tensor<T, 1>>& exp_avg_sq_;
};

}  // namespace resnet
