/// @file
/// @brief Pictures for the chapter demos: a grid of images with captions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup core
/// @brief How image_grid() lays out its cells.
struct GridLayout {
  std::size_t columns = 8;  ///< images per row
  std::size_t scale = 2;    ///< each pixel becomes a scale x scale block
  std::size_t padding = 6;  ///< background pixels between cells
};

/// @ingroup core
/// @brief Draws `text` into an RGB canvas with its top-left corner at (x, y), using the
///        small vector font of stb_easy_font (about 6 pixels per character, 7 high).
///        Text that falls outside the canvas is clipped.
/// @param canvas pixels of shape (H, W, 3)
/// @param x column of the text's left edge
/// @param y row of the text's top edge
/// @param text the characters to draw (printable ASCII; '\n' starts a new line)
/// @param color the RGB colour of the strokes
void draw_text(xt::xtensor<std::uint8_t, 3>& canvas, std::size_t x, std::size_t y, const std::string& text,
               std::array<std::uint8_t, 3> color);

/// @ingroup core
/// @brief Lays out images in a grid on a white background, each with its caption underneath.
/// @param images pixels of shape (N, H, W, 3), channels interleaved (see nchw_to_nhwc())
/// @param captions one caption per image (empty strings are allowed)
/// @param layout columns, pixel scale and padding
/// @return the grid as (H', W', 3) pixels, ready for write_png()
/// @throws ShapeError when the images are not RGB or the captions do not match the count
/// @see https://pytorch.org/vision/stable/generated/torchvision.utils.make_grid.html
xt::xtensor<std::uint8_t, 3> image_grid(const xt::xtensor<std::uint8_t, 4>& images,
                                        const std::vector<std::string>& captions, const GridLayout& layout = {});

}  // namespace resnet
