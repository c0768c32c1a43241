// .npy files: round trips, NumPy-written files, and every kind of bad file.
#include <cstdint>
#include <string>

#include <catch2/catch.hpp>
#include <xtensor/xnpy.hpp>

#include "resnet/error.hpp"
#include "resnet/io/npy.hpp"
#include "resnet/random.hpp"
#include "support/all_close.hpp"
#include "support/golden.hpp"
#include "support/temporary_directory.hpp"

using namespace resnet;
using resnet::testing::AllClose;
using resnet::testing::TemporaryDirectory;
namespace tolerance = resnet::testing::tolerance;
using resnet::testing::write_bytes;

TEST_CASE("arrays survive a save and load unchanged", "[ch01][npy][property]") {
  TemporaryDirectory folder;
  Generator generator(4);
  const auto floats = random_normal<float, 4>({2, 3, 4, 5}, generator);
  save_npy(folder.file("floats.npy"), floats);
  INFO(".npy stores the raw bytes of each value: what save_npy writes, load_npy must give back exactly, shape and all");
  CHECK_THAT((load_npy<float, 4>(folder.file("floats.npy"))), AllClose(floats, tolerance::exact));

  const xt::xtensor<std::uint8_t, 1> bytes = {0, 7, 255};
  save_npy(folder.file("bytes.npy"), bytes);
  CHECK_THAT((load_npy<std::uint8_t, 1>(folder.file("bytes.npy"))), AllClose(bytes, tolerance::exact));
}

TEST_CASE("a float32 file loads as double and a float64 file as float", "[ch01][npy][property]") {
  TemporaryDirectory folder;
  const xt::xtensor<float, 2> values = {{0.5f, -1.25f}, {3.0f, 1e-3f}};
  save_npy(folder.file("f4.npy"), values);
  const xt::xtensor<double, 2> as_double = load_npy<double, 2>(folder.file("f4.npy"));
  INFO("every float32 value is exactly a double, so a float32 file loaded as double must hold the same numbers");
  CHECK_THAT(as_double, AllClose(values, tolerance::exact));
  save_npy(folder.file("f8.npy"), as_double);
  INFO(
      "these doubles came from floats, so converting the float64 file back to float must round to the same "
      "floats exactly");
  CHECK_THAT((load_npy<float, 2>(folder.file("f8.npy"))), AllClose(values, tolerance::exact));
}

TEST_CASE("a Fortran-order file written by NumPy comes back in row-major order", "[ch01][npy][golden]") {
  const auto x = load_npy<float, 3>(resnet::testing::golden_path("ch01/fortran_order.npy"));
  REQUIRE(x.shape() == std::array<std::size_t, 3>{2, 3, 4});
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      for (std::size_t k = 0; k < 4; ++k) CHECK(x(i, j, k) == static_cast<float>(i * 12 + j * 4 + k));
}

namespace {

// A version 1.0 .npy file with this header dict and these value bytes (the header padded
// with spaces and ended by a newline, as NumPy writes it).
std::string npy_file(const std::string& dict, const std::string& values) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size() & 0xFF) +
         static_cast<char>(header.size() >> 8) + header + values;
}

}  // namespace

TEST_CASE("headers written by other NumPy versions read: keys in any order, version 2.0", "[ch01][npy][property]") {
  TemporaryDirectory folder;
  const std::string two_floats("\x00\x00\x80\x3f\x00\x00\x00\x40", 8);  // 1.0f and 2.0f, little-endian
  write_bytes(folder.file("order.npy"),
              npy_file("{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}", two_floats));
  CHECK_THAT((load_npy<float, 1>(folder.file("order.npy"))), AllClose(xt::xtensor<float, 1>{1, 2}, tolerance::exact));
  // Version 2.0: the header's length in 4 bytes instead of 2.
  std::string version_2 = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", two_floats);
  version_2[6] = 2;
  version_2.insert(10, 2, '\0');
  write_bytes(folder.file("v2.npy"), version_2);
  CHECK_THAT((load_npy<float, 1>(folder.file("v2.npy"))), AllClose(xt::xtensor<float, 1>{1, 2}, tolerance::exact));
}

TEST_CASE("a hostile .npy header is refused before anything is allocated from it", "[ch01][npy][error]") {
  // What tests/fuzz/fuzz_readers found in the reader that trusted xtensor's xnpy: a header
  // length or a shape taken on trust made it allocate gigabytes, and a shape whose product
  // overflows 2^64 read as a one-element array of shape (2^64 - 1, 2^64 - 1).
  TemporaryDirectory folder;
  auto check_refused = [&](const std::string& bytes, const std::string& problem) {
    write_bytes(folder.file("hostile.npy"), bytes);
    INFO("expected problem: " << problem);
    CHECK_THROWS_WITH((load_npy<float, 2>(folder.file("hostile.npy"))),
                      Catch::Contains("hostile.npy") && Catch::Contains(problem));
  };
  check_refused(std::string("\x93NUMPY\x02\x00\xff\xff\xff\x7f{}", 14),
                "the .npy header is truncated: its length says 2147483647 bytes, but only 2 follow");
  check_refused(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }", "1234"),
                "truncated: the header promises shape (1000000, 1000000) (4000000000000 bytes of values)");
  check_refused(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (18446744073709551615, "
                         "18446744073709551615), }",
                         "1234"),
                "(more than 2^64 bytes of values)");
  check_refused(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (18446744073709551616, 1), }", ""),
                "a size is too large");
  check_refused(npy_file("{'descr': '<f4', 'shape': (1, 1), }", "1234"), "needs the keys 'descr', 'fortran_order'");
  check_refused(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), 'extra': 1}", "1234"),
                "unknown key 'extra'");
  check_refused(npy_file("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1, 1)}", "1234"),
                "the key 'descr' appears twice");
  check_refused(npy_file("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1, 1)}", "1234"),
                "fortran_order is not True or False");
  check_refused(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -1)}", "1234"),
                "a size is not a non-negative integer");
  check_refused(std::string("\x93NUMPY\x09\x00\x00\x00", 10), ".npy format version 9.0");
}

TEST_CASE("bad .npy files are errors that name the file and the problem", "[ch01][npy][error]") {
  TemporaryDirectory folder;
  const xt::xtensor<float, 2> values = xt::ones<float>({4, 4});
  const std::string good = xt::dump_npy(values);

  SECTION("missing file") {
    CHECK_THROWS_WITH((load_npy<float, 2>(folder.file("absent.npy"))),
                      Catch::Contains("cannot open") && Catch::Contains("absent.npy"));
  }
  SECTION("not a .npy file") {
    write_bytes(folder.file("text.npy"), "hello, world: not numpy");
    CHECK_THROWS_WITH((load_npy<float, 2>(folder.file("text.npy"))), Catch::Contains("not a .npy file"));
  }
  SECTION("truncated data") {
    write_bytes(folder.file("short.npy"), good.substr(0, good.size() - 5));
    CHECK_THROWS_WITH((load_npy<float, 2>(folder.file("short.npy"))), Catch::Contains("truncated"));
  }
  SECTION("truncated header") {
    write_bytes(folder.file("header.npy"), good.substr(0, 20));
    CHECK_THROWS_AS((load_npy<float, 2>(folder.file("header.npy"))), DataError);
  }
  SECTION("wrong rank") {
    save_npy(folder.file("rank2.npy"), values);
    CHECK_THROWS_WITH((load_npy<float, 4>(folder.file("rank2.npy"))),
                      Catch::Contains("(4, 4)") && Catch::Contains("expected rank 4"));
  }
  SECTION("wrong element type") {
    save_npy(folder.file("bytes.npy"), xt::xtensor<std::uint8_t, 1>{1, 2});
    CHECK_THROWS_WITH((load_npy<float, 1>(folder.file("bytes.npy"))), Catch::Contains("|u1") && Catch::Contains("<f4"));
  }
  SECTION("unwritable path") { CHECK_THROWS_AS(save_npy(folder.file("no/such/folder/x.npy"), values), DataError); }
}
