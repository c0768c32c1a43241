// Chapter 7, task 7.3: learning-rate schedules (see chapters/07_training/README.md).
#include <cmath>
#include <stdexcept>
#include <string>

#include "resnet/exercise.hpp"
#include "resnet/optim/schedule.hpp"

namespace resnet {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Half a cosine from `start` (progress 0) to `end` (progress 1), as PyTorch's _annealing_cos.
double cosine_between(double start, double end, double progress) {
  return end + (start - end) / 2.0 * (std::cos(kPi * progress) + 1.0);
}

// One-cycle's two phases: where the phase ends, and the rate (or momentum) at its start and end.
struct Phase {
  double end_step;
  double start_rate, end_rate;
  double start_momentum, end_momentum;
};

// The phase that `step` falls in, and how far into it (0 to 1).
std::pair<Phase, double> one_cycle_phase(const ScheduleSettings& s, std::int64_t step) {
  const double initial = s.base_rate / s.div_factor, final = initial / s.final_div_factor;
  const Phase warm_up{s.pct_start * static_cast<double>(s.total_steps) - 1.0, initial, s.base_rate, s.max_momentum,
                      s.base_momentum};
  const Phase anneal{static_cast<double>(s.total_steps) - 1.0, s.base_rate, final, s.base_momentum, s.max_momentum};
  const double t = static_cast<double>(step);
  if (t <= warm_up.end_step) return {warm_up, t / warm_up.end_step};
  return {anneal, (t - warm_up.end_step) / (anneal.end_step - warm_up.end_step)};
}

}  // namespace

double learning_rate_at(const ScheduleSettings& s, std::int64_t step) {
  if (step < 0) throw std::invalid_argument("learning_rate_at: negative step " + std::to_string(step));
  if (s.kind == ScheduleKind::one_cycle && step > s.total_steps) {
    throw std::invalid_argument("one-cycle schedule: step " + std::to_string(step) + " is past its " +
                                std::to_string(s.total_steps) + " steps");
  }
  const double t = static_cast<double>(step);
  // BEGIN SOLUTION 7.3 learning_rate_at: the learning rate of schedule `s` (s.kind) for optimizer step `step`, from 0, as torch.optim.lr_scheduler computes it
  switch (s.kind) {
    case ScheduleKind::constant: return s.base_rate;
    case ScheduleKind::step: return s.base_rate * std::pow(s.gamma, static_cast<double>(step / s.step_size));
    case ScheduleKind::cosine:
      return s.min_rate +
             (s.base_rate - s.min_rate) * (1.0 + std::cos(kPi * t / static_cast<double>(s.total_steps))) / 2.0;
    case ScheduleKind::one_cycle: {
      const auto [phase, progress] = one_cycle_phase(s, step);
      return cosine_between(phase.start_rate, phase.end_rate, progress);
    }
  }
  throw std::logic_error("learning_rate_at: unknown schedule");
  // END SOLUTION
}

std::optional<double> momentum_at(const ScheduleSettings& s, std::int64_t step) {
  if (s.kind != ScheduleKind::one_cycle || !s.cycle_momentum) return std::nullopt;
  const auto [phase, progress] = one_cycle_phase(s, step);
  return cosine_between(phase.start_momentum, phase.end_momentum, progress);
}

}  // namespace resnet
