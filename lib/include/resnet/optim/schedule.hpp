/// @file
/// @brief Learning-rate schedules: constant, step decay, cosine annealing and one-cycle,
///        computed in closed form from the step number, as torch.optim.lr_scheduler does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace resnet {

/// @ingroup ch07
/// @brief Which schedule.
enum class ScheduleKind {
  constant,  ///< the base rate throughout
  step,      ///< StepLR: times gamma every step_size steps
  cosine,    ///< CosineAnnealingLR: half a cosine from the base rate down to min_rate
  one_cycle  ///< OneCycleLR: warm up to max, then anneal far below the start (and cycle momentum)
};

/// @ingroup ch07
/// @brief "constant", "step", "cosine" or "one-cycle".
std::string to_string(ScheduleKind kind);
/// @ingroup ch07
/// @brief The kind named by to_string(); throws std::invalid_argument otherwise.
ScheduleKind schedule_from_string(const std::string& name);

/// @ingroup ch07
/// @brief A schedule's settings. Steps count optimizer steps (batches), from 0.
struct ScheduleSettings {
  ScheduleKind kind = ScheduleKind::constant;  ///< which schedule
  double base_rate = 1e-3;        ///< constant/step/cosine: the starting rate; one-cycle: the peak (max_lr)
  std::int64_t total_steps = 1;   ///< cosine: T_max; one-cycle: total_steps
  std::int64_t step_size = 1;     ///< step: multiply by gamma every step_size steps
  double gamma = 0.1;             ///< step: the factor
  double min_rate = 0.0;          ///< cosine: eta_min
  double pct_start = 0.3;         ///< one-cycle: fraction of the steps spent warming up
  double div_factor = 25.0;       ///< one-cycle: starting rate = max / div_factor
  double final_div_factor = 1e4;  ///< one-cycle: final rate = starting rate / final_div_factor
  double base_momentum = 0.85;    ///< one-cycle: momentum at the peak rate
  double max_momentum = 0.95;     ///< one-cycle: momentum at the start and the end
  bool cycle_momentum = true;     ///< one-cycle: vary the momentum (SGD) or beta1 (Adam) inversely
};

/// @ingroup ch07
/// @brief Task 7.3: the learning rate at `step` (0 = before the first update):
/// - constant: \f$ \eta_0 \f$;
/// - step: \f$ \eta_0 \gamma^{\lfloor t / s \rfloor} \f$;
/// - cosine: \f$ \eta_{min} + (\eta_0 - \eta_{min}) (1 + \cos(\pi t / T)) / 2 \f$;
/// - one-cycle: from \f$ \eta_{max}/d \f$ up to \f$ \eta_{max} \f$ at step
///   pct_start·T - 1, then down to \f$ \eta_{max}/(d\, d_f) \f$ at step T - 1, each
///   phase a cosine: \f$ \eta = b + (a - b)(1 + \cos(\pi p)) / 2 \f$ going from a to b as
///   the phase's progress p goes from 0 to 1.
///
/// Here \f$ \eta_0 \f$ = base_rate (\f$ \eta_{max} \f$ for one-cycle), \f$ \gamma \f$ = gamma,
/// s = step_size, \f$ \eta_{min} \f$ = min_rate, T = total_steps, d = div_factor and
/// \f$ d_f \f$ = final_div_factor.
/// @param settings the schedule
/// @param step t, optimizer steps taken so far
/// @return the learning rate for the next update
/// @throws std::invalid_argument for a negative step, or a one-cycle step past total_steps
///         (PyTorch raises there too)
/// @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.StepLR.html
/// @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CosineAnnealingLR.html
/// @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.OneCycleLR.html
double learning_rate_at(const ScheduleSettings& settings, std::int64_t step);

/// @ingroup ch07
/// @brief The momentum (SGD) or beta1 (Adam) a one-cycle schedule sets at `step`: the
///        mirror image of the rate, from max_momentum down to base_momentum and back up.
///        Empty for the other schedules, and when cycle_momentum is false.
///
/// Each phase is the same cosine as the rate's, from max_momentum to base_momentum while the
/// rate rises, and back to max_momentum while it falls.
/// @param settings the schedule
/// @param step t, as for learning_rate_at()
/// @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.OneCycleLR.html
std::optional<double> momentum_at(const ScheduleSettings& settings, std::int64_t step);

}  // namespace resnet
