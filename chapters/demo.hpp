// What every chapter demo shares: running its steps and turning a missing task or an error
// into a message instead of a crash.
#pragma once

#include <cstdio>
#include <exception>
#include <functional>

#include "resnet/exercise.hpp"

namespace resnet::demo {

// Runs one step of a demo; a task the student has not written yet skips the step, saying
// which. Returns whether the step ran.
inline bool run_step(const char* title, const std::function<void()>& step) {
  try {
    step();
    return true;
  } catch (const NotImplemented& missing) {
    std::printf("\n[%s] skipped: %s\n", title, missing.what());
    return false;
  }
}

// Runs a demo's body: a task not written yet, or any other error, ends it with a message
// on stderr (after what it printed so far) and exit code 1.
inline int run_demo(const std::function<int()>& body) {
  try {
    return body();
  } catch (const NotImplemented& missing) {
    std::fflush(stdout);
    std::fprintf(stderr, "The demo needs a task you have not written yet:\n  %s\n", missing.what());
  } catch (const std::exception& error) {
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", error.what());
  }
  return 1;
}

}  // namespace resnet::demo
