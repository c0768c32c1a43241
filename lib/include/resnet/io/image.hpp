/// @file
/// @brief Image files: PNG writing and PNG/JPEG reading (through stb_image and
///        stb_image_write). Images here are (H, W, C) bytes, channels interleaved, as in
///        the files; the network's NCHW layout is one nhwc_to_nchw() away.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup core
/// @brief Writes an image as PNG (atomically: a temporary file, then a rename).
/// @param path the file to write
/// @param image pixels of shape (H, W, C) with C = 1 (grey), 3 (RGB) or 4 (RGBA)
/// @throws ShapeError for another channel count or an empty image; DataError when the
///         file cannot be written
void write_png(const std::string& path, const xt::xtensor<std::uint8_t, 3>& image);

/// @ingroup core
/// @brief Reads a PNG or JPEG file as RGB pixels of shape (H, W, 3): grey images are
///        repeated over the three channels, an alpha channel is dropped, 16-bit PNGs are
///        scaled to 8 bits.
///
/// The file may come from anywhere, so the decoders are libpng and libjpeg-turbo, which are
/// fuzzed upstream and patched by Debian; an image of more pixels than 8192 x 8192 is
/// refused before any pixel memory is allocated. A JPEG that libjpeg warns about is refused
/// too: a file cut short would otherwise decode "successfully", its missing part grey.
/// @param path the file to read
/// @return pixels (H, W, 3)
/// @throws DataError naming the file when it is missing, a folder, in another format, too
///         large, a CMYK JPEG, or corrupt (or, for a JPEG, anything libjpeg warns about)
xt::xtensor<std::uint8_t, 3> read_image_rgb(const std::string& path);

/// @ingroup core
/// @brief Resizes an (H, W, C) image by bilinear interpolation with pixel centres at
///        half-integers (PyTorch's `interpolate(mode="bilinear", align_corners=False)`);
///        when shrinking, the image is first averaged over blocks of whole pixels so that
///        fine detail does not alias.
/// @param image pixels (H, W, C)
/// @param height the new height
/// @param width the new width
/// @return pixels (height, width, C)
/// @throws ShapeError for an empty image or a zero target size
/// @see https://pytorch.org/docs/stable/generated/torch.nn.functional.interpolate.html
xt::xtensor<std::uint8_t, 3> resize_image(const xt::xtensor<std::uint8_t, 3>& image, std::size_t height,
                                          std::size_t width);

}  // namespace resnet
