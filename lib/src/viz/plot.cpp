#include "resnet/viz/plot.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

#include "resnet/error.hpp"
#include "resnet/io/atomic_file.hpp"

namespace resnet {

namespace {

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
constexpr double kLeft = 80, kRight = 200, kTop = 40, kBottom = 60;  // margins, pixels

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

std::string number(double value) {
  std::ostringstream text;
  text << std::setprecision(4) << value;
  return text.str();
}

// Ticks at 1, 2 or 5 times a power of ten, about five of them over [low, high].
std::vector<double> linear_ticks(double low, double high) {
  const double raw = (high - low) / 5.0;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    if (factor * power >= raw) {
      step = factor * power;
      break;
    }
  }
  std::vector<double> ticks;
  for (double tick = std::ceil(low / step) * step; tick <= high + 1e-9 * step; tick += step) {
    ticks.push_back(std::abs(tick) < 1e-12 * step ? 0.0 : tick);
  }
  return ticks;
}

struct Range {
  double low, high;
};

// The ticks of an axis over `range`: one per decade on a logarithmic axis (whose range is
// in decades, log10 of the values), else linear_ticks().
std::vector<double> axis_ticks(const Range& range, bool logarithmic) {
  if (!logarithmic) return linear_ticks(range.low, range.high);
  std::vector<double> ticks;
  for (double decade = range.low; decade <= range.high + 1e-9; decade += 1.0) ticks.push_back(std::pow(10.0, decade));
  return ticks;
}

}  // namespace

std::string line_plot_svg(const std::vector<PlotSeries>& series, const PlotSettings& settings) {
  Range x{std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest()};
  Range y = x;
  for (const auto& line : series) {
    if (line.x.size() != line.y.size()) {
      throw ShapeError("line_plot_svg: series '" + line.label + "' has " + std::to_string(line.x.size()) +
                       " x values and " + std::to_string(line.y.size()) + " y values");
    }
    for (std::size_t i = 0; i < line.x.size(); ++i) {
      if (!std::isfinite(line.x[i]) || !std::isfinite(line.y[i])) {
        throw ShapeError("line_plot_svg: series '" + line.label + "' has a non-finite point (" + number(line.x[i]) +
                         ", " + number(line.y[i]) + ")");
      }
      if (settings.log_y && !(line.y[i] > 0)) {
        throw ShapeError("line_plot_svg: series '" + line.label + "' has y = " + number(line.y[i]) +
                         ", which a logarithmic axis cannot show");
      }
      if (settings.log_x && !(line.x[i] > 0)) {
        throw ShapeError("line_plot_svg: series '" + line.label + "' has x = " + number(line.x[i]) +
                         ", which a logarithmic axis cannot show");
      }
      const double x_value = settings.log_x ? std::log10(line.x[i]) : line.x[i];
      const double y_value = settings.log_y ? std::log10(line.y[i]) : line.y[i];
      x = {std::min(x.low, x_value), std::max(x.high, x_value)};
      y = {std::min(y.low, y_value), std::max(y.high, y_value)};
    }
  }
  if (x.low > x.high) throw ShapeError("line_plot_svg: nothing to plot");
  if (x.high == x.low) x = {x.low - 1, x.high + 1};
  if (y.high == y.low) y = {y.low - 1, y.high + 1};
  if (settings.log_x) x = {std::floor(x.low), std::ceil(x.high)};  // whole decades
  if (settings.log_y) y = {std::floor(y.low), std::ceil(y.high)};

  const double width = static_cast<double>(settings.width), height = static_cast<double>(settings.height);
  const double plot_width = width - kLeft - kRight, plot_height = height - kTop - kBottom;
  auto px = [&](double value) {
    const double v = settings.log_x ? std::log10(value) : value;
    return kLeft + (v - x.low) / (x.high - x.low) * plot_width;
  };
  auto py = [&](double value) {
    const double v = settings.log_y ? std::log10(value) : value;
    return kTop + (1.0 - (v - y.low) / (y.high - y.low)) * plot_height;
  };

  std::ostringstream svg;
  svg << std::fixed << std::setprecision(1);
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << settings.width << "\" height=\"" << settings.height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << width / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" << escape(settings.title)
      << "</text>\n";
  // Grid and ticks.
  for (double tick : axis_ticks(x, settings.log_x)) {
    svg << "<line x1=\"" << px(tick) << "\" y1=\"" << kTop << "\" x2=\"" << px(tick) << "\" y2=\"" << kTop + plot_height
        << "\" stroke=\"#e0e0e0\"/>\n"
        << "<text x=\"" << px(tick) << "\" y=\"" << kTop + plot_height + 16 << "\" text-anchor=\"middle\">"
        << number(tick) << "</text>\n";
  }
  for (double tick : axis_ticks(y, settings.log_y)) {
    svg << "<line x1=\"" << kLeft << "\" y1=\"" << py(tick) << "\" x2=\"" << kLeft + plot_width << "\" y2=\""
        << py(tick) << "\" stroke=\"#e0e0e0\"/>\n"
        << "<text x=\"" << kLeft - 6 << "\" y=\"" << py(tick) + 4 << "\" text-anchor=\"end\">" << number(tick)
        << "</text>\n";
  }
  svg << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << plot_width << "\" height=\"" << plot_height
      << "\" fill=\"none\" stroke=\"black\"/>\n"
      << "<text x=\"" << kLeft + plot_width / 2 << "\" y=\"" << height - 18 << "\" text-anchor=\"middle\">"
      << escape(settings.x_label) << "</text>\n"
      << "<text transform=\"translate(20," << kTop + plot_height / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
      << escape(settings.y_label) << "</text>\n";
  // The lines, their markers and the legend.
  for (std::size_t s = 0; s < series.size(); ++s) {
    const char* color = kColors[s % (sizeof(kColors) / sizeof(kColors[0]))];
    svg << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\" points=\"";
    for (std::size_t i = 0; i < series[s].x.size(); ++i) svg << px(series[s].x[i]) << "," << py(series[s].y[i]) << " ";
    svg << "\"/>\n";
    for (std::size_t i = 0; i < series[s].x.size(); ++i) {
      svg << "<circle cx=\"" << px(series[s].x[i]) << "\" cy=\"" << py(series[s].y[i]) << "\" r=\"2.5\" fill=\""
          << color << "\"/>\n";
    }
    const double legend_y = kTop + 10 + 20.0 * static_cast<double>(s);
    svg << "<line x1=\"" << kLeft + plot_width + 12 << "\" y1=\"" << legend_y << "\" x2=\"" << kLeft + plot_width + 36
        << "\" y2=\"" << legend_y << "\" stroke=\"" << color << "\" stroke-width=\"2\"/>\n"
        << "<text x=\"" << kLeft + plot_width + 42 << "\" y=\"" << legend_y + 4 << "\">" << escape(series[s].label)
        << "</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

void write_line_plot(const std::string& path, const std::vector<PlotSeries>& series, const PlotSettings& settings) {
  write_file_atomically(path, line_plot_svg(series, settings));
}

}  // namespace resnet
