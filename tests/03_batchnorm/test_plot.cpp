// The SVG line plots the demos draw.
#include <algorithm>

#include <catch2/catch.hpp>

#include "resnet/error.hpp"
#include "resnet/viz/plot.hpp"

using namespace resnet;

namespace {
std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("a line plot has one line and one marker per point for every series, and a legend", "[ch03][plot][hand]") {
  const std::vector<PlotSeries> series = {{"with BN", {1, 2, 3}, {1.0, 0.9, 1.1}},
                                          {"without <BN> & more", {1, 2, 3, 4}, {1.0, 0.1, 0.01, 0.001}}};
  PlotSettings settings;
  settings.title = "std per layer";
  settings.log_y = true;
  const std::string svg = line_plot_svg(series, settings);
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  CHECK(count(svg, "<polyline") == 2);
  CHECK(count(svg, "<circle") == 7);
  CHECK(svg.find("std per layer") != std::string::npos);
  CHECK(svg.find("without &lt;BN&gt; &amp; more") != std::string::npos);  // escaped
  // A log axis from 0.001 to 1.1 has decade ticks 0.001 ... 10.
  CHECK(svg.find(">0.001<") != std::string::npos);
  CHECK(svg.find(">10<") != std::string::npos);
}

TEST_CASE("a plot refuses mismatched series and non-positive values on a log axis", "[ch03][plot][error]") {
  PlotSettings log_axis;
  log_axis.log_y = true;
  CHECK_THROWS_AS(line_plot_svg({{"a", {1, 2}, {1}}}, PlotSettings{}), ShapeError);
  CHECK_THROWS_WITH(line_plot_svg({{"a", {1, 2}, {1, 0}}}, log_axis), Catch::Contains("logarithmic"));
  CHECK_THROWS_AS(line_plot_svg({}, PlotSettings{}), ShapeError);
}

TEST_CASE("a logarithmic x axis has decade ticks and refuses x <= 0", "[ch03][plot][hand]") {
  PlotSettings settings;
  settings.log_x = true;
  settings.log_y = true;
  const std::string svg = line_plot_svg({{"roof", {0.05, 200.0}, {1.0, 100.0}}}, settings);
  // x from 0.05 to 200 spans the decades 0.01 ... 1000.
  CHECK(svg.find(">0.01<") != std::string::npos);
  CHECK(svg.find(">1000<") != std::string::npos);
  CHECK(count(svg, "<circle") == 2);
  CHECK_THROWS_WITH(line_plot_svg({{"a", {0, 1}, {1, 2}}}, settings), Catch::Contains("x = 0"));
}
