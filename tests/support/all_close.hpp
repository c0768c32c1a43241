// The one matcher for comparing tensors: REQUIRE_THAT(actual, AllClose(expected, tolerance)).
//
// An element passes when |actual - expected| <= atol + rtol * |expected| (numpy.allclose).
// The match fails, with a report, when:
//   - the shapes differ;
//   - any value on either side is NaN or infinite;
//   - both sides are all zeros (or empty): such a comparison cannot tell a right answer
//     from an op that does nothing, so it is never accepted as evidence;
//   - any element is outside the tolerance.
// The report gives the shapes, the largest absolute and relative errors, the worst index
// (largest error relative to its allowance) and a few (actual, expected) pairs.
#pragma once

#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <xtensor/xtensor.hpp>

#include "resnet/shape.hpp"
#include "support/tolerances.hpp"

namespace resnet::testing {

/// Compares flat arrays of the given shapes; returns "" on success, else the report.
std::string compare_all_close(const std::vector<double>& actual, const std::vector<std::size_t>& actual_shape,
                              const std::vector<double>& expected, const std::vector<std::size_t>& expected_shape,
                              const Tolerance& tolerance);

template <std::size_t N>
class AllCloseMatcher : public Catch::Matchers::Impl::MatcherUntypedBase {
 public:
  template <class E>
  AllCloseMatcher(const xt::xtensor<E, N>& expected, Tolerance tolerance)
      : expected_(expected.begin(), expected.end()),
        expected_shape_(expected.shape().begin(), expected.shape().end()),
        tolerance_(tolerance) {}

  template <class A>
  bool match(const xt::xtensor<A, N>& actual) const {
    report_ = compare_all_close(std::vector<double>(actual.begin(), actual.end()),
                                {actual.shape().begin(), actual.shape().end()}, expected_, expected_shape_, tolerance_);
    return report_.empty();
  }

  std::string describe() const override {
    std::ostringstream text;
    text << "is close to the expected tensor of shape " << format_shape(expected_shape_) << " (rtol " << tolerance_.rtol
         << ", atol " << tolerance_.atol << ": " << tolerance_.reason << ")";
    if (!report_.empty()) text << "\n" << report_;
    return text.str();
  }

 private:
  std::vector<double> expected_;
  std::vector<std::size_t> expected_shape_;
  Tolerance tolerance_;
  mutable std::string report_;
};

/// The matcher: REQUIRE_THAT(actual, AllClose(expected, tolerance::softmax_float)).
template <class E, std::size_t N>
AllCloseMatcher<N> AllClose(const xt::xtensor<E, N>& expected, Tolerance tolerance) {
  return AllCloseMatcher<N>(expected, tolerance);
}

}  // namespace resnet::testing

namespace Catch {
// Catch prints the argument of a failed REQUIRE_THAT; print a tensor's shape rather than
// every value (the matcher's report shows the values that matter). Catch would otherwise
// treat the tensor as a range and print it element by element.
template <class T, std::size_t N>
struct is_range<xt::xtensor<T, N>> : std::false_type {};

template <class T, std::size_t N>
struct StringMaker<xt::xtensor<T, N>> {
  static std::string convert(const xt::xtensor<T, N>& value) {
    return "tensor of shape " + resnet::format_shape(value.shape());
  }
};
}  // namespace Catch
