// Task 1.1: strides and flat offsets.
#include <catch2/catch.hpp>
#include <xtensor/xtensor.hpp>

#include "resnet/ops/indexing.hpp"

using resnet::flat_offset;
using resnet::row_major_strides;

TEST_CASE("row-major strides of an NCHW batch are (C*H*W, H*W, W, 1)", "[ch01][indexing][hand][1.1]") {
  const std::array<std::size_t, 4> shape{2, 3, 4, 5};
  const std::array<std::size_t, 4> expected{60, 20, 5, 1};
  CHECK(row_major_strides(shape) == expected);
}

TEST_CASE("an empty axis counts as size 1 in the strides, as in PyTorch", "[ch01][indexing][hand][1.1]") {
  // torch.empty(2, 0, 3).stride() == (3, 3, 1)
  CHECK(row_major_strides<3>({2, 0, 3}) == std::array<std::size_t, 3>{3, 3, 1});
}

TEST_CASE("row-major strides match xtensor's own strides for every rank", "[ch01][indexing][property][1.1]") {
  const xt::xtensor<float, 1> a = xt::xtensor<float, 1>::from_shape({7});
  const xt::xtensor<float, 2> b = xt::xtensor<float, 2>::from_shape({3, 7});
  const xt::xtensor<float, 3> c = xt::xtensor<float, 3>::from_shape({2, 3, 7});
  const xt::xtensor<float, 4> d = xt::xtensor<float, 4>::from_shape({5, 2, 3, 7});
  auto as_array = [](const auto& strides) {
    std::array<std::size_t, std::tuple_size<std::decay_t<decltype(strides)>>::value> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::size_t>(strides[i]);
    return out;
  };
  INFO(
      "row-major (C order): the last axis has stride 1 and each other axis's stride is the product of the sizes "
      "after it; xtensor stores its tensors row-major, so its own strides are the answer for shapes (7), (3, 7), "
      "(2, 3, 7) and (5, 2, 3, 7)");
  CHECK(row_major_strides(a.shape()) == as_array(a.strides()));
  CHECK(row_major_strides(b.shape()) == as_array(b.strides()));
  CHECK(row_major_strides(c.shape()) == as_array(c.strides()));
  CHECK(row_major_strides(d.shape()) == as_array(d.strides()));
}

TEST_CASE("flat_offset finds every element of an NCHW batch where xtensor stores it",
          "[ch01][indexing][property][1.1]") {
  xt::xtensor<int, 4> x = xt::xtensor<int, 4>::from_shape({2, 3, 4, 5});
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<int>(i);
  for (std::size_t n = 0; n < 2; ++n)
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t h = 0; h < 4; ++h)
        for (std::size_t w = 0; w < 5; ++w) {
          const std::size_t offset = flat_offset(x.shape(), {n, c, h, w});
          INFO("x holds its own storage index, so x("
               << n << ", " << c << ", " << h << ", " << w << ") = " << x(n, c, h, w)
               << " = n*60 + c*20 + h*5 + w is where xtensor stores that element in a (2, 3, 4, 5) "
                  "tensor; flat_offset said "
               << offset);
          REQUIRE(x.data()[offset] == x(n, c, h, w));
        }
}

TEST_CASE("flat_offset of the last element is size - 1", "[ch01][indexing][hand][1.1]") {
  CHECK(flat_offset<4>({2, 3, 4, 5}, {1, 2, 3, 4}) == 119);
  CHECK(flat_offset<2>({3, 7}, {2, 0}) == 14);
  CHECK(flat_offset<1>({9}, {8}) == 8);
}

TEST_CASE("flat_offset rejects an index outside the shape", "[ch01][indexing][error][1.1]") {
  CHECK_THROWS_AS(flat_offset<4>({2, 3, 4, 5}, {0, 3, 0, 0}), std::out_of_range);
  CHECK_THROWS_WITH(flat_offset<2>({3, 7}, {0, 7}), Catch::Contains("(0, 7)") && Catch::Contains("(3, 7)"));
}
