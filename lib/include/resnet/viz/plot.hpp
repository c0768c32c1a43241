/// @file
/// @brief Line plots as SVG files, for the chapters' pictures (activation statistics per
///        layer, gradient norms, training curves). SVG is text: no library needed, and the
///        docs and any browser show it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace resnet {

/// @ingroup core
/// @brief One line of a plot: points (x[i], y[i]) and the legend's label.
struct PlotSeries {
  std::string label;      ///< shown in the legend
  std::vector<double> x;  ///< abscissae, increasing
  std::vector<double> y;  ///< ordinates, as many as x
};

/// @ingroup core
/// @brief Titles, axes and size of a plot.
struct PlotSettings {
  std::string title;         ///< above the plot
  std::string x_label;       ///< under the x axis
  std::string y_label;       ///< beside the y axis
  bool log_x = false;        ///< a logarithmic x axis (every x must then be positive)
  bool log_y = false;        ///< a logarithmic y axis (every y must then be positive)
  std::size_t width = 720;   ///< pixels
  std::size_t height = 420;  ///< pixels
};

/// @ingroup core
/// @brief The SVG text of a line plot: axes with rounded ticks, a light grid, one coloured
///        line with point markers per series, and a legend.
/// @param series the lines to draw
/// @param settings titles, axes and size
/// @return the SVG document, settings.width x settings.height pixels
/// @throws ShapeError when a series' x and y differ in length, there are no points, a
///         value is NaN or infinite, or log_x (log_y) is set and an x (a y) is not positive
std::string line_plot_svg(const std::vector<PlotSeries>& series, const PlotSettings& settings);

/// @ingroup core
/// @brief Writes line_plot_svg() to `path` (atomically).
/// @param path the file to write, e.g. "loss.svg"
/// @param series the lines to draw
/// @param settings titles, axes and size
/// @throws ShapeError as line_plot_svg(); DataError when the file cannot be written
void write_line_plot(const std::string& path, const std::vector<PlotSeries>& series, const PlotSettings& settings);

}  // namespace resnet
