// The CIFAR-10 reader: the committed sample, hand-made files, and every kind of bad file.
#include <filesystem>
#include <set>

#include <catch2/catch.hpp>

#include "resnet/data/cifar10.hpp"
#include "resnet/error.hpp"
#include "support/all_close.hpp"
#include "support/temporary_directory.hpp"
#include "test_paths.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::TemporaryDirectory;
namespace tolerance = resnet::testing::tolerance;
using resnet::testing::write_bytes;

namespace {

// One record: the label, then 1024 red, 1024 green and 1024 blue bytes.
std::string record(std::uint8_t label, std::uint8_t red, std::uint8_t green, std::uint8_t blue) {
  std::string bytes(1, static_cast<char>(label));
  bytes += std::string(1024, static_cast<char>(red));
  bytes += std::string(1024, static_cast<char>(green));
  bytes += std::string(1024, static_cast<char>(blue));
  return bytes;
}

}  // namespace

TEST_CASE("a batch file is read as planar NCHW images and labels", "[ch01][cifar10][hand]") {
  TemporaryDirectory folder;
  std::string second = record(9, 0, 0, 0);
  second[1 + 5 * 32 + 7] = static_cast<char>(200);  // red channel, row 5, column 7
  write_bytes(folder.file("batch.bin"), record(3, 10, 20, 30) + second);

  const Cifar10Data data = read_cifar10_file(folder.file("batch.bin"));
  REQUIRE(data.images.shape() == std::array<std::size_t, 4>{2, 3, 32, 32});
  CHECK_THAT(data.labels, AllClose(xt::xtensor<std::uint8_t, 1>{3, 9}, tolerance::exact));
  CHECK(data.images(0, 0, 31, 31) == 10);
  CHECK(data.images(0, 1, 0, 0) == 20);
  CHECK(data.images(0, 2, 16, 3) == 30);
  CHECK(data.images(1, 0, 5, 7) == 200);
  CHECK(data.images(1, 0, 5, 8) == 0);
}

TEST_CASE("the committed sample has 1,000 training and 200 test images, balanced", "[ch01][cifar10][property]") {
  const std::string sample =
      std::string(resnet::testing::paths::data_directory) + "/cifar10-sample/cifar-10-batches-bin";
  const Cifar10Data train = load_cifar10(sample, Split::train);
  const Cifar10Data test = load_cifar10(sample, Split::test);
  INFO(
      "data/cifar10-sample holds 1,000 training and 200 test images of 3x32x32 (N, C, H, W); another count "
      "means a damaged sample or records read with the wrong size (1 label byte + 3072 pixel bytes)");
  REQUIRE(train.images.shape() == std::array<std::size_t, 4>{1000, 3, 32, 32});
  REQUIRE(test.images.shape() == std::array<std::size_t, 4>{200, 3, 32, 32});
  for (std::uint8_t label = 0; label < 10; ++label) {
    INFO("class " << static_cast<int>(label)
                  << ": the sample was drawn with 100 training and 20 test images of "
                     "every class, so each label must occur exactly that often");
    CHECK(std::count(train.labels.begin(), train.labels.end(), label) == 100);
    CHECK(std::count(test.labels.begin(), test.labels.end(), label) == 20);
  }
  // Real photographs use the whole range of pixel values.
  INFO(
      "1,000 real photographs use every pixel value from 0 to 255 somewhere; a narrower range means the pixel "
      "bytes were not read as they are in the file");
  CHECK(*std::max_element(train.images.begin(), train.images.end()) == 255);
  CHECK(*std::min_element(train.images.begin(), train.images.end()) == 0);
}

TEST_CASE("without --data the full set is used when complete, else the sample", "[ch01][cifar10][property]") {
  const Cifar10Location location = find_cifar10();
  const std::string full = std::string(resnet::testing::paths::data_directory) + "/cifar-10-batches-bin";
  const bool full_present =
      std::filesystem::exists(full + "/data_batch_5.bin") && std::filesystem::exists(full + "/test_batch.bin");
  INFO("the full set is "
       << (full_present ? "" : "not ")
       << "in data/cifar-10-batches-bin: find_cifar10() without "
          "--data must use it when data_batch_5.bin and test_batch.bin are both there, and the committed sample "
          "otherwise, so that tests and demos run without a download");
  CHECK(location.is_sample == !full_present);
  CHECK_THAT(location.directory,
             Catch::EndsWith(full_present ? "data/cifar-10-batches-bin" : "data/cifar10-sample/cifar-10-batches-bin"));
}

TEST_CASE("class names are in label order", "[ch01][cifar10][hand]") {
  CHECK(cifar10_class_names()[0] == "airplane");
  CHECK(cifar10_class_names()[1] == "automobile");
  CHECK(cifar10_class_names()[9] == "truck");
}

TEST_CASE("bad CIFAR-10 files are errors that name the file and the problem", "[ch01][cifar10][error]") {
  TemporaryDirectory folder;
  SECTION("missing file") {
    CHECK_THROWS_WITH(read_cifar10_file(folder.file("data_batch_1.bin")), Catch::Contains("cannot open") &&
                                                                              Catch::Contains("data_batch_1.bin") &&
                                                                              Catch::Contains("download_cifar10.sh"));
  }
  SECTION("a folder where the file should be") {
    std::filesystem::create_directory(folder.file("data_batch_1.bin"));
    CHECK_THROWS_WITH(read_cifar10_file(folder.file("data_batch_1.bin")),
                      Catch::Contains("data_batch_1.bin") && Catch::Contains("is a folder"));
  }
  SECTION("empty file") {
    write_bytes(folder.file("empty.bin"), "");
    CHECK_THROWS_WITH(read_cifar10_file(folder.file("empty.bin")), Catch::Contains("is empty"));
  }
  SECTION("size not a multiple of 3073") {
    write_bytes(folder.file("cut.bin"), record(1, 1, 1, 1) + record(2, 2, 2, 2).substr(0, 100));
    CHECK_THROWS_WITH(read_cifar10_file(folder.file("cut.bin")),
                      Catch::Contains("cut.bin") && Catch::Contains("3173 bytes") && Catch::Contains("not a multiple"));
  }
  SECTION("label above 9") {
    write_bytes(folder.file("cifar100.bin"), record(4, 0, 0, 0) + record(57, 0, 0, 0));
    CHECK_THROWS_WITH(read_cifar10_file(folder.file("cifar100.bin")),
                      Catch::Contains("record 1") && Catch::Contains("label 57"));
  }
  SECTION("a folder without the training files") {
    write_bytes(folder.file("test_batch.bin"), record(0, 0, 0, 0));
    CHECK_THROWS_WITH(load_cifar10(folder.path().string(), Split::train), Catch::Contains("data_batch_1.bin"));
    CHECK_NOTHROW(load_cifar10(folder.path().string(), Split::test));
  }
  SECTION("a gap in the numbering of the training files") {
    write_bytes(folder.file("data_batch_1.bin"), record(0, 0, 0, 0));
    write_bytes(folder.file("data_batch_3.bin"), record(0, 0, 0, 0));
    CHECK_THROWS_WITH(load_cifar10(folder.path().string(), Split::train),
                      Catch::Contains("data_batch_3.bin") && Catch::Contains("not data_batch_2.bin"));
  }
  SECTION("a requested folder without data") {
    CHECK_THROWS_WITH(find_cifar10(folder.path().string()), Catch::Contains("no CIFAR-10 data"));
  }
}

TEST_CASE("several training files are joined in order", "[ch01][cifar10][hand]") {
  TemporaryDirectory folder;
  write_bytes(folder.file("data_batch_1.bin"), record(1, 11, 0, 0) + record(2, 12, 0, 0));
  write_bytes(folder.file("data_batch_2.bin"), record(3, 13, 0, 0));
  write_bytes(folder.file("test_batch.bin"), record(4, 14, 0, 0));
  const Cifar10Data train = load_cifar10(folder.path().string(), Split::train);
  CHECK_THAT(train.labels, AllClose(xt::xtensor<std::uint8_t, 1>{1, 2, 3}, tolerance::exact));
  CHECK(train.images(2, 0, 0, 0) == 13);
  CHECK(find_cifar10(folder.path().string()).directory == folder.path().string());
}
