#include "resnet/exercise.hpp"

#include "resnet/config.hpp"

namespace resnet {

namespace {

std::string message_for(const std::string& task_id, const std::string& what_to_do) {
  return "not implemented yet: task " + task_id + " (" + what_to_do + ") -- see " + guide_for_task(task_id) +
         ", section \"Task " + task_id + "\", or run ./course hint " + task_id;
}

}  // namespace

std::string guide_for_task(const std::string& task_id) {
  // The chapter number is the part before the dot.
  std::size_t chapter = 0;
  for (char digit : task_id.substr(0, task_id.find('.'))) {
    if (digit < '0' || digit > '9') return "the chapter guides in chapters/";
    chapter = chapter * 10 + static_cast<std::size_t>(digit - '0');
  }
  if (chapter < 1 || chapter > config::chapter_folders.size()) return "the chapter guides in chapters/";
  return std::string("chapters/") + config::chapter_folders[chapter - 1] + "/README.md";
}

NotImplemented::NotImplemented(const std::string& task_id, const std::string& what_to_do)
    : std::logic_error(message_for(task_id, what_to_do)), task_id_(task_id) {}

void todo(const std::string& task_id, const std::string& what_to_do) { throw NotImplemented(task_id, what_to_do); }

bool has_exercise_chapters() { return config::has_exercise_chapters; }

}  // namespace resnet
