/// @file
/// @brief What an exercise stub throws until the student fills it in.
#pragma once

#include <stdexcept>
#include <string>

namespace resnet {

/// @ingroup core
/// @brief Thrown by an exercise that the student has not written yet.
///
/// The message reads, for example:
/// `not implemented yet: task 1.4 (variance_along: ...) -- see chapters/01_tensors/README.md,
/// section "Task 1.4", or run ./course hint 1.4`.
/// The test runner shows it as the reason a test failed; `./course hint 1.4` prints the hint.
class NotImplemented : public std::logic_error {
 public:
  /// @brief The exception for task `task_id`, with the message shown above.
  /// @param task_id the task, "chapter.task" such as "1.4"
  /// @param what_to_do one line naming the function and what it must compute
  NotImplemented(const std::string& task_id, const std::string& what_to_do);

  /// @brief The task id, such as "1.4".
  const std::string& task_id() const noexcept { return task_id_; }

 private:
  std::string task_id_;
};

/// @ingroup core
/// @brief The body of every exercise stub: throws NotImplemented(task_id, what_to_do).
///
/// A function rather than a macro, so a stub reads like ordinary code and keeps the
/// solution's exact signature: `todo("1.4", "variance_along: ...");`.
[[noreturn]] void todo(const std::string& task_id, const std::string& what_to_do);

/// @ingroup core
/// @brief The guide of the chapter a task belongs to, for example
///        `chapters/01_tensors/README.md` for task "1.4" (relative to the repository root).
std::string guide_for_task(const std::string& task_id);

/// @ingroup core
/// @brief Whether any chapter of this build comes from exercises/ (RESNET_EXERCISES): the
///        student's build, whose `resnet` commands then run the student's code by default.
bool has_exercise_chapters();

}  // namespace resnet
