// What a student sees when a test reaches an exercise they have not written yet.
#include <catch2/catch.hpp>

#include "resnet/exercise.hpp"

using namespace resnet;

TEST_CASE("todo() throws NotImplemented naming the task, the guide and the hint command", "[ch01][exercise][hand]") {
  try {
    todo("1.4", "variance_along: two passes");
    FAIL("todo() returned");
  } catch (const NotImplemented& error) {
    const std::string message = error.what();
    CHECK(error.task_id() == "1.4");
    CHECK_THAT(message, Catch::StartsWith("not implemented yet: task 1.4 (variance_along: two passes)"));
    CHECK_THAT(message, Catch::Contains("chapters/01_tensors/README.md") && Catch::Contains("section \"Task 1.4\"") &&
                            Catch::Contains("./course hint 1.4"));
  }
}

TEST_CASE("every chapter's tasks point at that chapter's guide", "[ch01][exercise][hand]") {
  CHECK(guide_for_task("2.3") == "chapters/02_convolution/README.md");
  CHECK(guide_for_task("7.1") == "chapters/07_training/README.md");
  CHECK(guide_for_task("9.1") == "the chapter guides in chapters/");
  CHECK(guide_for_task("x") == "the chapter guides in chapters/");
}
