// The schedules' names, as `--schedule` takes them. (learning_rate_at is task 7.3:
// solutions/07_training/schedules.cpp.)
#include "resnet/optim/schedule.hpp"

#include <stdexcept>

namespace resnet {

std::string to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::constant: return "constant";
    case ScheduleKind::step: return "step";
    case ScheduleKind::cosine: return "cosine";
    case ScheduleKind::one_cycle: return "one-cycle";
  }
  return "unknown";
}

ScheduleKind schedule_from_string(const std::string& name) {
  for (ScheduleKind kind :
       {ScheduleKind::constant, ScheduleKind::step, ScheduleKind::cosine, ScheduleKind::one_cycle}) {
    if (to_string(kind) == name) return kind;
  }
  throw std::invalid_argument("unknown schedule '" + name + "' (expected constant, step, cosine or one-cycle)");
}

}  // namespace resnet
