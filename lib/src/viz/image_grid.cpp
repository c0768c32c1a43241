#include "resnet/viz/image_grid.hpp"

#include <algorithm>

#include <stb_easy_font.h>

#include "resnet/error.hpp"
#include "resnet/shape.hpp"

namespace resnet {

namespace {

constexpr std::size_t kCaptionHeight = 12;  // pixels below each image for its caption
constexpr std::uint8_t kBackground = 255;   // white

// Fills the axis-aligned rectangle [x0, x1) x [y0, y1) of an (H, W, 3) canvas, clipped.
void fill_rectangle(xt::xtensor<std::uint8_t, 3>& canvas, long x0, long y0, long x1, long y1,
                    const std::array<std::uint8_t, 3>& color) {
  const long height = static_cast<long>(canvas.shape()[0]);
  const long width = static_cast<long>(canvas.shape()[1]);
  for (long y = std::max(y0, 0L); y < std::min(y1, height); ++y) {
    for (long x = std::max(x0, 0L); x < std::min(x1, width); ++x) {
      for (std::size_t c = 0; c < 3; ++c) canvas(y, x, c) = color[c];
    }
  }
}

}  // namespace

void draw_text(xt::xtensor<std::uint8_t, 3>& canvas, std::size_t x, std::size_t y, const std::string& text,
               std::array<std::uint8_t, 3> color) {
  // stb_easy_font turns text into axis-aligned quads: 4 vertices of 16 bytes each
  // (x, y, z as floats, then 4 color bytes). We fill each quad's bounding rectangle.
  struct Vertex {
    float x, y, z;
    unsigned char rgba[4];
  };
  std::vector<Vertex> vertices(text.size() * 64 + 64);  // ample: a glyph needs < 16 quads
  std::string writable = text;
  const int quads = stb_easy_font_print(static_cast<float>(x), static_cast<float>(y), writable.data(), nullptr,
                                        vertices.data(), static_cast<int>(vertices.size() * sizeof(Vertex)));
  for (int q = 0; q < quads; ++q) {
    const Vertex* corner = &vertices[static_cast<std::size_t>(q) * 4];
    const float left = std::min({corner[0].x, corner[1].x, corner[2].x, corner[3].x});
    const float right = std::max({corner[0].x, corner[1].x, corner[2].x, corner[3].x});
    const float top = std::min({corner[0].y, corner[1].y, corner[2].y, corner[3].y});
    const float bottom = std::max({corner[0].y, corner[1].y, corner[2].y, corner[3].y});
    fill_rectangle(canvas, static_cast<long>(left), static_cast<long>(top), static_cast<long>(right),
                   static_cast<long>(bottom), color);
  }
}

xt::xtensor<std::uint8_t, 3> image_grid(const xt::xtensor<std::uint8_t, 4>& images,  // (N, H, W, 3)
                                        const std::vector<std::string>& captions, const GridLayout& layout) {
  const std::size_t count = images.shape()[0], height = images.shape()[1], width = images.shape()[2];
  if (images.shape()[3] != 3) {
    throw ShapeError("image_grid: images of shape " + format_shape(images.shape()) + " must be (N, H, W, 3) RGB");
  }
  if (captions.size() != count) {
    throw ShapeError("image_grid: " + std::to_string(count) + " images but " + std::to_string(captions.size()) +
                     " captions");
  }
  if (layout.columns == 0 || layout.scale == 0) {
    throw ShapeError("image_grid: columns and scale must be positive");
  }
  const std::size_t rows = (count + layout.columns - 1) / layout.columns;
  const std::size_t cell_width = width * layout.scale + layout.padding;
  const std::size_t cell_height = height * layout.scale + kCaptionHeight + layout.padding;
  xt::xtensor<std::uint8_t, 3> canvas(
      {rows * cell_height + layout.padding, layout.columns * cell_width + layout.padding, 3}, kBackground);

  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t top = layout.padding + (i / layout.columns) * cell_height;
    const std::size_t left = layout.padding + (i % layout.columns) * cell_width;
    for (std::size_t y = 0; y < height * layout.scale; ++y) {
      for (std::size_t x = 0; x < width * layout.scale; ++x) {
        for (std::size_t c = 0; c < 3; ++c) {
          canvas(top + y, left + x, c) = images(i, y / layout.scale, x / layout.scale, c);
        }
      }
    }
    draw_text(canvas, left, top + height * layout.scale + 2, captions[i], {0, 0, 0});
  }
  return canvas;
}

}  // namespace resnet
