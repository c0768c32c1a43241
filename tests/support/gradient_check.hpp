// Checking one GradCheckCase inside a Catch2 test: the report is shown when it fails.
#pragma once

#include <catch2/catch.hpp>

#include "resnet/gradcheck.hpp"

namespace resnet::testing {

/// Runs the gradient checker on `check` and requires every variable below the threshold,
/// printing the checker's report (errors, worst entries, likely cause) when one is not.
inline void require_gradient_check(GradCheckCase check) {
  const GradCheckReport report = check_gradients(check);
  INFO(report.to_string(kGradCheckThreshold));
  CHECK(report.passed(kGradCheckThreshold));
}

}  // namespace resnet::testing
