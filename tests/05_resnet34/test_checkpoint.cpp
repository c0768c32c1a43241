// Checkpoints: the safetensors reader and writer, and saving and loading models with them.
// Framework code, not an exercise: these tests pass in every mode.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <string>

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "resnet/error.hpp"
#include "resnet/io/checkpoint.hpp"
#include "resnet/io/crc32.hpp"
#include "resnet/io/safetensors.hpp"
#include "resnet/nn/batchnorm2d.hpp"
#include "resnet/nn/conv2d.hpp"
#include "resnet/nn/sequential.hpp"
#include "resnet/random.hpp"
#include "support/golden.hpp"
#include "support/temporary_directory.hpp"

using namespace resnet;
using Catch::Contains;
using resnet::testing::TemporaryDirectory;
using resnet::testing::write_bytes;

namespace {

// A small model with a state dict of every kind: conv weight and bias, batch-norm
// parameters and running statistics (float), and the batch counter (int64).
template <class T>
std::unique_ptr<Sequential<T>> small_net(std::uint64_t seed) {
  Generator generator(seed);
  auto net = std::make_unique<Sequential<T>>();
  net->append(std::make_unique<Conv2d<T>>(2, 3, 3, 1, 1, Bias::learned, generator));
  auto& bn = net->append(std::make_unique<BatchNorm2d<T>>(3));
  for (std::size_t c = 0; c < 3; ++c) {
    bn.weight.value.host()(c) = static_cast<T>(generator.normal());
    bn.running_mean.value.host()(c) = static_cast<T>(generator.normal());
    bn.running_var.value.host()(c) = static_cast<T>(1.0 + generator.uniform());
  }
  bn.num_batches_tracked.count = static_cast<std::int64_t>(seed) + 7;
  return net;
}

// Names, shapes, dtypes and values, all exactly equal.
void require_same_state(const StateDict& actual, const StateDict& expected) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    INFO("entry " << i << ": " << expected[i].first);
    CHECK(actual[i].first == expected[i].first);
    CHECK(actual[i].second.shape == expected[i].second.shape);
    CHECK(actual[i].second.dtype == expected[i].second.dtype);
    CHECK(actual[i].second.values == expected[i].second.values);
  }
}

// The bytes of a safetensors file with the given header text and data section.
std::string file_bytes(const std::string& header, const std::string& data) {
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xFF));
  return bytes + header + data;
}

// The header of a safetensors file, parsed.
nlohmann::json header_of(const std::string& bytes) {
  std::uint64_t length = 0;
  for (int i = 0; i < 8; ++i) length |= std::uint64_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
  return nlohmann::json::parse(bytes.substr(8, length));
}

const StateDict kEveryDtype = {
    {"weight", {{2, 3}, DType::float32, {0.5, -1.25, 3.0, 0.0, -0.0, 65504.0}}},
    {"running_var", {{3}, DType::float64, {0.1, 1e300, -4.9e-324}}},
    {"num_batches_tracked", {{}, DType::int64, {42}}},
    {"steps", {{2, 2}, DType::int64, {-3, 0, 9007199254740992.0, -9223372036854775808.0}}},
    {"empty", {{0, 4}, DType::float32, {}}},
};

}  // namespace

TEST_CASE("tensors of every dtype survive a safetensors round trip exactly", "[ch05][checkpoint]") {
  const SafetensorsContents decoded = decode_safetensors(encode_safetensors(kEveryDtype), "memory");
  require_same_state(decoded.tensors, kEveryDtype);
  CHECK(decoded.metadata.empty());
  {
    INFO(
        "the bytes of -0.0 differ from those of 0.0 (the sign bit): a round trip that copies bytes keeps it "
        "negative, while -0.0 == 0.0 in the check above cannot tell them apart");
    CHECK(std::signbit(decoded.tensors[0].second.values[4]));  // -0.0 stays negative
  }

  TemporaryDirectory folder;
  write_safetensors(folder.file("every_dtype.safetensors"), kEveryDtype);
  require_same_state(read_safetensors(folder.file("every_dtype.safetensors")).tensors, kEveryDtype);
}

TEST_CASE("safetensors metadata survives a round trip, and the bytes are laid out as the format says",
          "[ch05][checkpoint]") {
  Generator generator(5);
  generator.normal();  // leaves a cached value in the state
  const Metadata metadata = {
      {"epoch", "12"}, {"rng", generator.state()}, {"empty", ""}, {"quotes and \"escapes\"\n", "caf\xc3\xa9 \\ \t"}};
  const std::string bytes = encode_safetensors(kEveryDtype, metadata);
  CHECK(decode_safetensors(bytes, "memory").metadata == metadata);

  const nlohmann::json header = header_of(bytes);
  const std::size_t header_length = bytes.size() - 8 - (24 + 24 + 8 + 32);
  CHECK(header_length % 8 == 0);  // padded with spaces, so the data starts aligned
  CHECK(bytes.substr(8, 2) == "{\"");
  CHECK(header.at("__metadata__").at("epoch") == "12");
  CHECK(header.at("weight").at("dtype") == "F32");
  CHECK(header.at("weight").at("shape") == nlohmann::json{2, 3});
  CHECK(header.at("weight").at("data_offsets") == nlohmann::json{0, 24});  // the state dict's order
  CHECK(header.at("running_var").at("data_offsets") == nlohmann::json{24, 48});
  CHECK(header.at("num_batches_tracked").at("shape") == nlohmann::json::array());
  CHECK(header.at("num_batches_tracked").at("dtype") == "I64");
  CHECK(header.at("empty").at("data_offsets") == nlohmann::json{88, 88});
  // Little-endian: 0.5f is 0x3F000000, so its first byte in the data section is 0x00 and its fourth 0x3F.
  const std::size_t data = 8 + header_length;
  CHECK(static_cast<unsigned char>(bytes[data]) == 0x00);
  CHECK(static_cast<unsigned char>(bytes[data + 3]) == 0x3F);

  // The generator state read back continues the same sequence.
  Generator resumed(0);
  resumed.set_state(decode_safetensors(bytes, "memory").metadata.at("rng"));
  CHECK(resumed.normal() == generator.normal());
}

TEST_CASE("a float64 value saved as float32 in safetensors is rounded to the nearest float", "[ch05][checkpoint]") {
  const double inf = std::numeric_limits<double>::infinity();
  const StateDict state = {{"x", {{4}, DType::float32, {0.1, 1.0 / 3.0, inf, std::nan("")}}}};
  const auto values = decode_safetensors(encode_safetensors(state), "memory").tensors[0].second.values;
  CHECK(values[0] == static_cast<double>(0.1f));
  CHECK(values[0] != 0.1);
  CHECK(values[1] == static_cast<double>(1.0f / 3.0f));
  CHECK(values[2] == inf);
  INFO("NaN must stay NaN when converted to float32 and back");
  CHECK(std::isnan(values[3]));
}

TEST_CASE("a file written by the official safetensors library is read with its values", "[ch05][checkpoint][golden]") {
  // tests/golden/ch05/safetensors/README.md says how the file was made.
  const auto contents =
      read_safetensors(resnet::testing::golden_path("ch05/safetensors/written_by_python.safetensors"));
  CHECK(contents.metadata == Metadata{{"epoch", "3"}, {"note", "written by safetensors.numpy"}});
  // The official writer orders the data by alignment, then name; we return data order.
  const StateDict expected = {
      {"bn.num_batches_tracked", {{}, DType::int64, {42}}},
      {"steps", {{2, 2}, DType::int64, {-3, 0, 7, 123456789012.0}}},
      {"fc.bias", {{3}, DType::float64, {0.1, -2.5, 1e300}}},
      {"conv.weight", {{2, 3}, DType::float32, {0.5, -1.25, 3.0, static_cast<double>(0.1f), -0.0, 65504.0}}},
      {"empty", {{0, 4}, DType::float32, {}}},
  };
  require_same_state(contents.tensors, expected);
}

TEST_CASE("a model saved with save_model loads from its checkpoint into a fresh model with every value equal",
          "[ch05][checkpoint]") {
  TemporaryDirectory folder;
  const std::string path = folder.file("small.safetensors");
  const auto saved = small_net<float>(1);
  save_model(path, *saved, {{"model", "small"}, {"epoch", "4"}});

  const auto loaded = small_net<float>(2);  // other weights, other counter
  const Checkpoint checkpoint = load_model(path, *loaded);
  require_same_state(loaded->state_dict(), saved->state_dict());
  CHECK(checkpoint.metadata == Metadata{{"model", "small"}, {"epoch", "4"}});
  CHECK(checkpoint.optimizer.empty());

  // The file is what torchvision names would give: "0.weight", ..., "1.num_batches_tracked" (I64).
  const auto raw = read_safetensors(path);
  CHECK(raw.tensors.back().first == "1.num_batches_tracked");
  CHECK(raw.tensors.back().second.dtype == DType::int64);
  CHECK(raw.metadata.at("format") == kCheckpointFormat);

  // A float model's checkpoint loads into a double model, value for value.
  const auto in_double = small_net<double>(3);
  load_model(path, *in_double);
  const StateDict as_float = saved->state_dict(), as_double = in_double->state_dict();
  for (std::size_t i = 0; i < as_float.size(); ++i) CHECK(as_double[i].second.values == as_float[i].second.values);
}

TEST_CASE("a checkpoint keeps model, optimizer state and metadata apart", "[ch05][checkpoint]") {
  TemporaryDirectory folder;
  const std::string path = folder.file("run.safetensors");
  Checkpoint checkpoint;
  checkpoint.model = small_net<float>(1)->state_dict();
  checkpoint.optimizer = {{"0.weight.exp_avg", {{2}, DType::float32, {0.25, -0.5}}},
                          {"step", {{}, DType::int64, {100}}}};
  checkpoint.metadata = {{"epoch", "9"}, {"stem", "cifar"}, {"classes", "10"}};
  save_checkpoint(path, checkpoint);

  const Checkpoint loaded = load_checkpoint(path);
  require_same_state(loaded.model, checkpoint.model);
  require_same_state(loaded.optimizer, checkpoint.optimizer);
  CHECK(loaded.metadata == checkpoint.metadata);  // "format" is the file's business

  const auto raw = read_safetensors(path);
  CHECK(raw.tensors[checkpoint.model.size()].first == "optimizer.0.weight.exp_avg");
  CHECK(raw.metadata.at("format") == "resnet-from-scratch checkpoint 1");

  // Saving again replaces the file whole and leaves no temporary file behind.
  checkpoint.metadata["epoch"] = "10";
  save_checkpoint(path, checkpoint);
  CHECK(load_checkpoint(path).metadata.at("epoch") == "10");
  INFO(
      "saving writes a temporary file and renames it over the old one, so the folder must hold only "
      "run.safetensors afterwards: no temporary file left behind");
  CHECK(std::distance(std::filesystem::directory_iterator(folder.path()), {}) == 1);
}

TEST_CASE("plain safetensors weights without a format key load as a model, and another format is refused",
          "[ch05][checkpoint]") {
  TemporaryDirectory folder;
  const auto source = small_net<float>(1);
  write_safetensors(folder.file("plain.safetensors"), source->state_dict(), {{"source", "torchvision"}});
  const auto target = small_net<float>(2);
  const Checkpoint plain = load_model(folder.file("plain.safetensors"), *target);
  require_same_state(target->state_dict(), source->state_dict());
  CHECK(plain.metadata == Metadata{{"source", "torchvision"}});

  write_safetensors(folder.file("other.safetensors"), source->state_dict(), {{"format", "pt"}});
  CHECK_THROWS_AS(load_checkpoint(folder.file("other.safetensors")), DataError);
  CHECK_THROWS_WITH(load_checkpoint(folder.file("other.safetensors")),
                    Contains("other.safetensors") && Contains("\"format\": \"pt\""));
}

TEST_CASE("a checkpoint of another model is refused and leaves the model untouched", "[ch05][checkpoint][error]") {
  TemporaryDirectory folder;
  const auto model = small_net<float>(1);
  const StateDict before = model->state_dict();
  auto check_refused = [&](const StateDict& state, const std::string& problem) {
    const std::string path = folder.file("other_model.safetensors");
    write_safetensors(path, state);
    CHECK_THROWS_AS(load_model(path, *model), DataError);
    CHECK_THROWS_WITH(load_model(path, *model),
                      Contains(path) && Contains("does not fit the model") && Contains(problem));
    require_same_state(model->state_dict(), before);
  };
  Generator generator(4);
  Sequential<float> wider;
  wider.append(std::make_unique<Conv2d<float>>(2, 4, 3, 1, 1, Bias::learned, generator));
  wider.append(std::make_unique<BatchNorm2d<float>>(4));
  check_refused(wider.state_dict(), "'0.weight' has shape (4, 2, 3, 3), the model expects (3, 2, 3, 3)");
  StateDict extra = small_net<float>(2)->state_dict();
  extra.emplace_back("2.weight", StateEntry{{1}, DType::float32, {1.0}});
  check_refused(extra, "unexpected entry '2.weight'");
  StateDict counter_as_float = small_net<float>(2)->state_dict();
  counter_as_float.back().second.dtype = DType::float32;
  check_refused(counter_as_float, "'1.num_batches_tracked' is float32, the model stores int64");
}

TEST_CASE("every corruption of a safetensors file is reported with the file's name and the problem",
          "[ch05][checkpoint][error]") {
  TemporaryDirectory folder;
  const auto model = small_net<float>(1);
  const StateDict before = model->state_dict();
  auto check_refused = [&](const std::string& bytes, const std::string& problem) {
    const std::string path = folder.file("corrupt.safetensors");
    write_bytes(path, bytes);
    INFO("expected problem: " << problem);
    CHECK_THROWS_AS(load_model(path, *model), DataError);
    CHECK_THROWS_WITH(load_model(path, *model), Contains(path) && Contains(problem));
    require_same_state(model->state_dict(), before);
  };
  const std::string f32 = R"("dtype": "F32", "shape": [2])";
  const std::string eight_bytes(8, '\0');

  CHECK_THROWS_WITH(load_model(folder.file("absent.safetensors"), *model),
                    Contains("cannot open") && Contains("absent.safetensors"));
  check_refused("", "the file has 0 bytes, fewer than the 8");
  check_refused(std::string("\x10\x00\x00", 3), "the file has 3 bytes");
  check_refused(file_bytes("{}", "").substr(0, 9), "the header length is 2 bytes but only 1 bytes follow");
  check_refused(std::string("\x00\x00\x00\x40\x00\x00\x00\x00", 8) + "{}", "more than the 100 MB");
  check_refused(file_bytes("{\"a\": {", ""), "the header is not valid JSON");
  check_refused(file_bytes("[1, 2]", ""), "not an object of named tensors");
  check_refused(file_bytes(R"({"a": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}})", std::string(4, '\0')),
                "tensor 'a' has dtype BF16, which this reader does not support (supported: F32, F64, I64");
  check_refused(file_bytes(R"({"a": {"dtype": 32, "shape": [2], "data_offsets": [0, 8]}})", eight_bytes),
                "tensor 'a' has a dtype that is not a string");
  check_refused(file_bytes(R"({"a": {"shape": [2], "data_offsets": [0, 8]}})", eight_bytes),
                "tensor 'a' has no \"dtype\"");
  check_refused(file_bytes(R"({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", eight_bytes),
                "the shape of 'a' is [-2], not a list of non-negative integers");
  check_refused(file_bytes(R"({"a": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}})", eight_bytes),
                "not a list of non-negative integers");
  check_refused(file_bytes("{\"a\": {" + f32 + R"(, "data_offsets": [0, 4, 8]}})", eight_bytes),
                "not a pair [begin, end]");
  check_refused(file_bytes("{\"a\": {" + f32 + R"(, "data_offsets": [8, 0]}})", eight_bytes),
                "not a pair [begin, end] with begin <= end");
  check_refused(file_bytes(R"({"a": {"dtype": "F64", "shape": [2, 3], "data_offsets": [0, 8]}})", eight_bytes),
                "tensor 'a' (F64, shape (2, 3)) needs 48 bytes, but its data_offsets [0, 8) hold 8");
  check_refused(
      file_bytes(R"({"a": {"dtype": "F64", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}})", eight_bytes),
      "needs more than 2^64 bytes");
  check_refused(file_bytes("{\"a\": {" + f32 + R"(, "data_offsets": [0, 8]}})", "1234"),
                "lies at bytes [0, 8) of the data section, which has only 4 bytes: the file is truncated");
  check_refused(
      file_bytes("{\"a\": {" + f32 + R"(, "data_offsets": [0, 8]}, "b": {)" + f32 + R"(, "data_offsets": [4, 12]}})",
                 std::string(12, '\0')),
      "tensor 'b' at bytes [4, 12) overlaps tensor 'a' at bytes [0, 8)");
  check_refused(file_bytes("{\"a\": {" + f32 + R"(, "data_offsets": [4, 12]}})", std::string(12, '\0')),
                "the data section has a gap: bytes [0, 4) belong to no tensor");
  check_refused(file_bytes("{\"a\": {" + f32 + R"(, "data_offsets": [0, 8]}})", std::string(12, '\0')),
                "the data section has 12 bytes but the tensors use only the first 8: 4 bytes at the end");
  check_refused(
      file_bytes("{\"a\": {" + f32 + R"(, "data_offsets": [0, 8]}, "a": {)" + f32 + R"(, "data_offsets": [8, 16]}})",
                 std::string(16, '\0')),
      "the header names 'a' twice");
  check_refused(file_bytes(R"({"__metadata__": {"epoch": 3}})", ""), "__metadata__ entry 'epoch' is 3, not a string");
  check_refused(file_bytes(R"({"__metadata__": ["epoch"]})", ""), "__metadata__ is not a JSON object");
}

TEST_CASE("a checkpoint cut short at any length is refused without a crash", "[ch05][checkpoint][error]") {
  TemporaryDirectory folder;
  const auto model = small_net<float>(1);
  const StateDict before = model->state_dict();
  const std::string bytes = encode_safetensors(model->state_dict(), {{"epoch", "1"}, {"format", kCheckpointFormat}});
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    INFO("cut to " << length << " of " << bytes.size() << " bytes");
    CHECK_THROWS_AS(decode_safetensors(bytes.substr(0, length), "cut.safetensors"), DataError);
  }
  for (std::size_t length = 0; length < bytes.size(); length += 41) {  // a sample through load_model
    const std::string path = folder.file("cut.safetensors");
    write_bytes(path, bytes.substr(0, length));
    CHECK_THROWS_AS(load_model(path, *model), DataError);
  }
  require_same_state(model->state_dict(), before);
}

TEST_CASE("random byte damage to a checkpoint never crashes the reader", "[ch05][checkpoint][error]") {
  // A flipped byte in the data is a different valid file; in the header it is usually an
  // error. Either way the reader must answer with a result or a DataError, never a crash.
  const std::string bytes = encode_safetensors(small_net<float>(1)->state_dict(), {{"epoch", "1"}});
  std::mt19937 engine(7);
  std::uniform_int_distribution<std::size_t> position(0, bytes.size() - 1);
  std::uniform_int_distribution<int> value(0, 255);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string damaged = bytes;
    for (int flips = 0; flips < 1 + trial % 3; ++flips) damaged[position(engine)] = static_cast<char>(value(engine));
    try {
      decode_safetensors(damaged, "damaged.safetensors");
    } catch (const DataError& error) {
      CHECK_THAT(error.what(), Contains("damaged.safetensors: "));
    }
  }
}

TEST_CASE("crc32 gives zlib's CRC-32, in one piece or several", "[ch05][checkpoint][checksum]") {
  // The check value of the CRC-32 catalogue, and values Python's zlib.crc32 gives.
  const std::string digits = "123456789";
  CHECK(crc32(digits.data(), digits.size()) == 0xCBF43926u);
  CHECK(crc32("", 0) == 0u);
  const std::string fox = "The quick brown fox jumps over the lazy dog";
  CHECK(crc32(fox.data(), fox.size()) == 0x414FA339u);  // zlib.crc32(b"The quick brown fox ...")
  CHECK(crc32(fox.data() + 10, fox.size() - 10, crc32(fox.data(), 10)) == 0x414FA339u);
  CHECK(crc32_hex(0x0000BEEFu) == "0000beef");
}

TEST_CASE("a checkpoint carries a checksum per tensor, and damage to any tensor's bytes is named",
          "[ch05][checkpoint][checksum][error]") {
  const StateDict state = small_net<float>(1)->state_dict();
  const std::string bytes = encode_safetensors(state, {{"epoch", "1"}});
  const SafetensorsContents intact = decode_safetensors(bytes, "intact.safetensors");
  CHECK(intact.checksummed);
  CHECK(intact.metadata == Metadata{{"epoch", "1"}});  // the checksums are the reader's business
  const nlohmann::json header = header_of(bytes);
  INFO("the header's metadata: " << header.at("__metadata__").dump());
  CHECK(header.at("__metadata__").size() == 1 + state.size());  // "epoch" and one "crc32:<name>" per tensor

  // Every byte of the data section belongs to one tensor: change any one, and the reader
  // must refuse the file, naming that tensor (a different valid file without the checksum).
  const std::size_t data_begin = bytes.size() - [&] {
    std::size_t size = 0;
    for (const auto& [name, entry] : state) size += entry.values.size() * (entry.dtype == DType::float32 ? 4 : 8);
    return size;
  }();
  for (std::size_t position = data_begin; position < bytes.size(); position += 3) {
    std::string damaged = bytes;
    damaged[position] = static_cast<char>(damaged[position] ^ (1 << (position % 8)));  // one flipped bit
    const auto offset = position - data_begin;
    std::string owner;
    for (const auto& [name, entry] : header.items()) {
      if (name != "__metadata__" && entry.at("data_offsets")[0] <= offset && offset < entry.at("data_offsets")[1]) {
        owner = name;
      }
    }
    INFO("bit " << position % 8 << " of byte " << position << " flipped; it belongs to tensor '" << owner << "'");
    CHECK_THROWS_WITH(decode_safetensors(damaged, "damaged.safetensors"),
                      Contains("damaged.safetensors: tensor '" + owner + "' does not match its checksum"));
  }
}

TEST_CASE("a file without checksums loads unchecked, and inconsistent checksums are refused",
          "[ch05][checkpoint][checksum][error]") {
  const std::string f32 = R"("dtype": "F32", "shape": [1], "data_offsets": )";
  const std::string one = std::string("\x00\x00\x80\x3f", 4);  // 1.0f
  // Written by another tool: no checksum at all.
  const SafetensorsContents plain = decode_safetensors(file_bytes("{\"a\": {" + f32 + "[0, 4]}}", one), "plain");
  CHECK_FALSE(plain.checksummed);
  CHECK(plain.tensors.at(0).second.values == std::vector<double>{1.0});
  const std::string crc_of_one = crc32_hex(crc32(one.data(), 4));
  const std::string two_tensors = "\"a\": {" + f32 + "[0, 4]}, \"b\": {" + f32 + "[4, 8]}";
  auto file_with = [&](const std::string& metadata) {
    return file_bytes("{\"__metadata__\": {" + metadata + "}, " + two_tensors + "}", one + one);
  };
  CHECK(decode_safetensors(file_with("\"crc32:a\": \"" + crc_of_one + "\", \"crc32:b\": \"" + crc_of_one + "\""), "f")
            .checksummed);
  CHECK_THROWS_WITH(decode_safetensors(file_with("\"crc32:a\": \"" + crc_of_one + "\""), "f"),
                    Contains("f: tensor 'b' has no checksum, though 1 of the file's 2 tensors have one"));
  CHECK_THROWS_WITH(decode_safetensors(file_with("\"crc32:a\": \"" + crc_of_one + "\", \"crc32:b\": \"" + crc_of_one +
                                                 "\", \"crc32:c\": \"" + crc_of_one + "\""),
                                       "f"),
                    Contains("f: the metadata has a checksum for tensor 'c', which the file does not hold"));
  CHECK_THROWS_WITH(decode_safetensors(file_with("\"crc32:a\": \"XYZ\", \"crc32:b\": \"" + crc_of_one + "\""), "f"),
                    Contains("f: the checksum of tensor 'a' is 'XYZ', not 8 lower-case hex digits"));
  CHECK_THROWS_WITH(encode_safetensors({}, {{"crc32:a", "00000000"}}),
                    Contains("the metadata key 'crc32:a' is reserved"));
}

TEST_CASE("load_checkpoint says whether the file was checked against its checksums", "[ch05][checkpoint][checksum]") {
  TemporaryDirectory folder;
  const auto model = small_net<float>(1);
  save_model(folder.file("ours.safetensors"), *model, {{"epoch", "1"}});
  CHECK(load_checkpoint(folder.file("ours.safetensors")).checksummed);
  // Weights as another tool writes them: no checksum; loaded, and said to be unchecked.
  write_bytes(folder.file("plain.safetensors"),
              file_bytes(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", std::string(4, '\0')));
  const Checkpoint plain = load_checkpoint(folder.file("plain.safetensors"));
  CHECK_FALSE(plain.checksummed);
  CHECK(plain.model.size() == 1);
}

TEST_CASE("the safetensors writer refuses a state dict that it could not read back", "[ch05][checkpoint][error]") {
  CHECK_THROWS_WITH(encode_safetensors({{"x", {{2, 2}, DType::float32, {1, 2, 3}}}}),
                    Contains("'x' has 3 values for shape (2, 2)"));
  CHECK_THROWS_AS(encode_safetensors({{"x", {{2, 2}, DType::float32, {1, 2, 3}}}}), ShapeError);
  CHECK_THROWS_WITH(encode_safetensors({{"n", {{}, DType::int64, {2.5}}}}), Contains("not a whole number"));
  CHECK_THROWS_WITH(encode_safetensors({{"n", {{}, DType::int64, {9223372036854775808.0}}}}),
                    Contains("not a whole number in the int64 range"));
  const StateEntry one{{1}, DType::float32, {1}};
  CHECK_THROWS_WITH(encode_safetensors({{"x", one}, {"x", one}}), Contains("'x' appears twice"));
  CHECK_THROWS_WITH(encode_safetensors({{"__metadata__", one}}), Contains("reserved"));

  TemporaryDirectory folder;
  Checkpoint bad_name;
  bad_name.model = {{"optimizer.x", one}};
  CHECK_THROWS_WITH(save_checkpoint(folder.file("a.safetensors"), bad_name), Contains("starts with 'optimizer.'"));
  Checkpoint bad_format;
  bad_format.metadata = {{"format", "mine"}};
  CHECK_THROWS_WITH(save_checkpoint(folder.file("a.safetensors"), bad_format), Contains("\"format\" is reserved"));
  CHECK_FALSE(std::filesystem::exists(folder.file("a.safetensors")));
  CHECK_THROWS_WITH(save_model(folder.file("no_such_folder/a.safetensors"), *small_net<float>(1)),
                    Contains("cannot write") && Contains("no_such_folder/a.safetensors"));
}

TEST_CASE("a safetensors header nested thousands deep is refused without a crash", "[ch05][checkpoint][error]") {
  // Found by tests/fuzz/fuzz_readers: printing such a shape in the error message overflowed
  // the stack (nlohmann::json::dump recurses once per level).
  const std::string deep_shape = std::string(100000, '[') + "2" + std::string(100000, ']');
  const std::string bytes = file_bytes(
      R"({"a": {"dtype": "F32", "shape": )" + deep_shape + R"(, "data_offsets": [0, 8]}})", std::string(8, '\0'));
  CHECK_THROWS_WITH(decode_safetensors(bytes, "deep.safetensors"),
                    Contains("deep.safetensors: ") && Contains("nests JSON deeper than 64 levels"));
  CHECK_NOTHROW(decode_safetensors(file_bytes(R"({"__metadata__": {"k": "[[[["}})", ""), "brackets_in_a_string"));
}

namespace {

// The id of a process that has run and ended (a child that exits at once, then reaped).
pid_t process_that_has_ended() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  return child;
}

}  // namespace

TEST_CASE("a save removes the temporary files its killed predecessors left, and only those", "[ch05][checkpoint]") {
  // A SIGKILL during a save leaves "last.safetensors.tmp-<process id>" behind.
  TemporaryDirectory folder;
  const std::string killed = folder.file("last.safetensors.tmp-" + std::to_string(process_that_has_ended()));
  const std::string running = folder.file("last.safetensors.tmp-1");  // process 1 runs as long as the system
  const std::string other_file = folder.file("best.safetensors.tmp-" + std::to_string(process_that_has_ended()));
  // A writer whose process id this process cannot see (another PID namespace) but that holds
  // the lock on its file, as every writer does.
  const std::string locked = folder.file("last.safetensors.tmp-" + std::to_string(process_that_has_ended()));
  for (const auto& path : {killed, running, other_file, locked}) write_bytes(path, "half a checkpoint");
  const int lock_holder = ::open(locked.c_str(), O_RDONLY);
  REQUIRE(lock_holder >= 0);
  REQUIRE(::flock(lock_holder, LOCK_EX) == 0);
  save_model(folder.file("last.safetensors"), *small_net<float>(1));
  ::close(lock_holder);
  CHECK(std::filesystem::exists(folder.file("last.safetensors")));
  INFO("the temporary file of a writer that no longer runs is removed by the next save of the same file");
  CHECK_FALSE(std::filesystem::exists(killed));
  INFO("a writer that still runs or holds its lock, and the temporary files of other files, are left alone");
  CHECK(std::filesystem::exists(running));
  CHECK(std::filesystem::exists(locked));
  CHECK(std::filesystem::exists(other_file));
}
