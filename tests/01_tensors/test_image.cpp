// PNG files and the captioned image grid.
#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <xtensor/xview.hpp>

#include "resnet/error.hpp"
#include "resnet/io/crc32.hpp"
#include "resnet/io/image.hpp"
#include "resnet/random.hpp"
#include "resnet/viz/image_grid.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"
#include "support/temporary_directory.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::TemporaryDirectory;
namespace tolerance = resnet::testing::tolerance;

TEST_CASE("a PNG written and read back has the same pixels", "[ch01][image][property]") {
  TemporaryDirectory folder;
  Generator generator(8);
  xt::xtensor<std::uint8_t, 3> image({5, 7, 3});
  for (auto& pixel : image) pixel = static_cast<std::uint8_t>(generator.below(256));
  write_png(folder.file("image.png"), image);
  INFO("PNG compresses without loss: every byte of a (5, 7, 3) image written as H x W x RGB must come back exactly");
  CHECK_THAT(read_image_rgb(folder.file("image.png")), AllClose(image, tolerance::exact));
}

TEST_CASE("image files that cannot be written or read are clear errors", "[ch01][image][error]") {
  TemporaryDirectory folder;
  const xt::xtensor<std::uint8_t, 3> two_channels = xt::zeros<std::uint8_t>({4, 4, 2});
  CHECK_THROWS_AS(write_png(folder.file("x.png"), two_channels), ShapeError);
  CHECK_THROWS_WITH(read_image_rgb(folder.file("absent.png")), Catch::Contains("absent.png"));
}

TEST_CASE("PNG and JPEG files of every common kind decode to the pixels PyTorch's Pillow sees",
          "[ch01][image][golden]") {
  // tests/golden/make_golden.py wrote each file and the RGB pixels it must decode to: JPEGs
  // decoded by Pillow with the same libjpeg-turbo (so exactly equal), PNGs as written, with
  // alpha dropped and 16 bits scaled to 8.
  const std::vector<std::pair<std::string, std::string>> files = {
      {"ch01/image_rgb.jpg", "ch01/image_rgb_jpg_expected.npy"},
      {"ch01/image_grey.jpg", "ch01/image_grey_jpg_expected.npy"},
      {"ch01/image_rgba.png", "ch01/image_rgba_png_expected.npy"},
      {"ch01/image_palette.png", "ch01/image_palette_png_expected.npy"},
      {"ch01/image_grey16.png", "ch01/image_grey16_png_expected.npy"}};
  for (const auto& [image_file, expected_file] : files) {
    INFO("decoding " << image_file << ": every RGB byte must equal " << expected_file);
    const auto expected = resnet::testing::load_golden<std::uint8_t, 3>(expected_file);
    const auto image = read_image_rgb(resnet::testing::golden_path(image_file));
    REQUIRE(image.shape() == expected.shape());
    CHECK_THAT(image, AllClose(expected, tolerance::exact));
  }
}

namespace {

std::string big_endian_32(std::uint32_t value) {
  return {static_cast<char>(value >> 24), static_cast<char>(value >> 16), static_cast<char>(value >> 8),
          static_cast<char>(value)};
}

// A PNG chunk: [length] [type] [data] [CRC-32 of type and data], with a correct CRC, so that
// libpng gets past the check and meets the problem each test plants.
std::string png_chunk(const std::string& type, const std::string& data) {
  const std::string body = type + data;
  return big_endian_32(static_cast<std::uint32_t>(data.size())) + body + big_endian_32(crc32(body.data(), body.size()));
}

// The start of a PNG: its signature and the IHDR chunk of an 8-bit RGB image.
std::string png_start(std::uint32_t width, std::uint32_t height) {
  return std::string("\x89PNG\r\n\x1a\n", 8) +
         png_chunk("IHDR", big_endian_32(width) + big_endian_32(height) + std::string("\x08\x02\x00\x00\x00", 5));
}

std::string golden_bytes(const std::string& name) {
  std::ifstream in(resnet::testing::golden_path(name), std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("hostile or unreadable image files are refused with an error that names the file", "[ch01][image][error]") {
  TemporaryDirectory folder;
  auto check_refused = [&](const std::string& name, const std::string& bytes, const std::string& problem) {
    resnet::testing::write_bytes(folder.file(name), bytes);
    INFO("expected problem: " << problem);
    CHECK_THROWS_AS(read_image_rgb(folder.file(name)), DataError);
    CHECK_THROWS_WITH(read_image_rgb(folder.file(name)), Catch::Contains(name) && Catch::Contains(problem));
  };
  check_refused("x.gif", std::string("GIF89a\x01\x00\x01\x00", 10), "not a PNG or JPEG file");
  check_refused("x.bmp", "BM" + std::string(60, '\0'), "not a PNG or JPEG file");
  check_refused("empty.png", "", "not a PNG or JPEG file");
  check_refused("huge.png", png_start(10000, 10000) + png_chunk("IDAT", "") + png_chunk("IEND", ""),
                "10000x10000 pixels, more than the 67,108,864 (8192 x 8192)");
  check_refused("wide.png", png_start(0, 6) + png_chunk("IEND", ""), "corrupt PNG");
  check_refused("idat.png", png_start(8, 6) + big_endian_32(0x7F00001F) + "IDAT" + std::string(20, '\0'),
                "corrupt PNG");
  const std::string png = golden_bytes("ch01/image_rgba.png");
  std::string bad_crc = png;
  bad_crc[30] = static_cast<char>(bad_crc[30] ^ 1);  // a byte of IHDR's CRC: it no longer matches
  check_refused("crc.png", bad_crc, "corrupt PNG");
  check_refused("cut.png", png.substr(0, png.size() / 2), "corrupt PNG");
  const std::string jpeg = golden_bytes("ch01/image_rgb.jpg");
  check_refused("cut.jpg", jpeg.substr(0, jpeg.size() * 2 / 3), "corrupt JPEG");
  check_refused("cmyk.jpg", golden_bytes("ch01/image_cmyk.jpg"), "a CMYK JPEG");
  // A DHT segment whose first table declares 16 x 255 codes, where JPEG allows 256.
  const std::string counts(16, '\xFF');
  check_refused("dht.jpg", std::string("\xFF\xD8\xFF\xC4\x10\x13\x00", 7) + counts + std::string(4080, '\0'),
                "corrupt JPEG");
  CHECK_THROWS_WITH(read_image_rgb(folder.path().string()), Catch::Contains("it is a folder"));
  CHECK_THROWS_WITH(read_image_rgb("/dev/zero"), Catch::Contains("not a regular file"));
}

TEST_CASE("image_grid places each image in its cell and writes its caption", "[ch01][image][hand]") {
  // Three 2x2 images: all red, all green, all blue; two columns, pixels scaled by 3.
  xt::xtensor<std::uint8_t, 4> images = xt::zeros<std::uint8_t>({3, 2, 2, 3});
  for (std::size_t i = 0; i < 3; ++i) xt::view(images, i, xt::all(), xt::all(), i) = 255;
  const GridLayout layout{2, 3, 4};
  const auto grid = image_grid(images, {"cat", "dog", ""}, layout);
  // Cells are (2*3 + 4) wide and (2*3 + 12 caption + 4) high, plus the outer padding.
  REQUIRE(grid.shape() == std::array<std::size_t, 3>{2 * 22 + 4, 2 * 10 + 4, 3});
  auto pixel = [&](std::size_t y, std::size_t x) {
    return std::array<int, 3>{grid(y, x, 0), grid(y, x, 1), grid(y, x, 2)};
  };
  CHECK(pixel(4, 4) == std::array<int, 3>{255, 0, 0});          // image 0, top-left
  CHECK(pixel(4 + 5, 4 + 5) == std::array<int, 3>{255, 0, 0});  // image 0, bottom-right
  CHECK(pixel(4, 14) == std::array<int, 3>{0, 255, 0});         // image 1
  CHECK(pixel(26, 4) == std::array<int, 3>{0, 0, 255});         // image 2, second row
  // The caption "cat" darkens some pixels under image 0; the empty caption of image 2 none.
  auto dark_pixels_in = [&](std::size_t top, std::size_t left) {
    int dark = 0;
    for (std::size_t y = top; y < top + 12; ++y)
      for (std::size_t x = left; x < left + 10; ++x) dark += grid(y, x, 0) < 128 ? 1 : 0;
    return dark;
  };
  CHECK(dark_pixels_in(4 + 6, 4) > 5);
  CHECK(dark_pixels_in(26 + 6, 4) == 0);
}

TEST_CASE("image_grid rejects a caption count that does not match", "[ch01][image][error]") {
  const xt::xtensor<std::uint8_t, 4> images = xt::zeros<std::uint8_t>({2, 4, 4, 3});
  CHECK_THROWS_AS(image_grid(images, {"only one"}), ShapeError);
}

TEST_CASE("resize_image keeps a same-size image, averages when shrinking, and refuses empty sizes", "[ch01][image]") {
  xt::xtensor<std::uint8_t, 3> image = xt::xtensor<std::uint8_t, 3>::from_shape({4, 6, 3});
  for (std::size_t i = 0; i < image.size(); ++i) image.data()[i] = static_cast<std::uint8_t>(i * 7 % 256);
  CHECK((resnet::resize_image(image, 4, 6) == image));
  // Columns alternating 0 and 200: halving the width averages each pair to 100.
  xt::xtensor<std::uint8_t, 3> stripes = xt::zeros<std::uint8_t>({2, 8, 1});
  for (std::size_t x = 1; x < 8; x += 2) xt::view(stripes, xt::all(), x, 0) = 200;
  const auto halved = resnet::resize_image(stripes, 2, 4);
  {
    std::string values;
    for (const std::uint8_t v : halved) values += " " + std::to_string(v);
    INFO(
        "columns alternating 0 and 200, halved in width: each output pixel averages one pair (0, 200), so every "
        "value must be 100; the result holds"
        << values);
    CHECK(std::all_of(halved.begin(), halved.end(), [](std::uint8_t v) { return v == 100; }));
  }
  // A 2x2 image enlarged to 4x4: the corners keep their values (clamped at the border).
  xt::xtensor<std::uint8_t, 3> small = {{{0}, {100}}, {{200}, {40}}};
  const auto large = resnet::resize_image(small, 4, 4);
  CHECK(large(0, 0, 0) == 0);
  CHECK(large(3, 3, 0) == 40);
  CHECK(large(0, 1, 0) == 25);  // a quarter of the way from 0 to 100
  CHECK_THROWS_AS(resnet::resize_image(small, 0, 4), resnet::ShapeError);
}
