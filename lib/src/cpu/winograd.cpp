// Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016), for the library's convolution (winograd.hpp).
//
// In one dimension, two outputs of a 3-tap filter g over four inputs d,
//     y0 = d0 g0 + d1 g1 + d2 g2,   y1 = d1 g0 + d2 g1 + d3 g2    (6 multiplications),
// come from four products of transformed values (4 multiplications):
//     m0 = (d0 - d2) g0,            m1 = (d1 + d2) (g0 + g1 + g2) / 2,
//     m2 = (d2 - d1) (g0 - g1 + g2) / 2,                 m3 = (d1 - d3) g2,
//     y0 = m0 + m1 + m2,            y1 = m1 - m2 - m3.
// As matrices: y = A^T [(G g) * (B^T d)] with
//     B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
//     A^T = [1 1 1 0; 0 1 -1 -1].
// Nested in two dimensions, a 2x2 block of outputs comes from a 4x4 patch of the input:
//     Y = A^T [ (G g G^T) * (B^T d B) ] A,     16 multiplications instead of 36.
// Over C input channels the 16 element-wise products become 16 matrix products: with
// U[xi] = (G g G^T)[xi] for every (k, c), a (K x C) matrix, and V[xi] = (B^T d B)[xi] for
// every (c, tile), a (C x tiles) matrix, M[xi] = U[xi] V[xi] (K x tiles), and each tile's
// 4x4 values of M go through A^T . A. The products do 16 K C per tile of 4 outputs, 4 K C
// per output, where the convolution's GEMM does 9 K C: 2.25x fewer multiply-adds. The
// transforms are additions only, and the halves in G are exact in binary, so on small
// integers every step is exact (the tests rely on that).
//
// The weight gradient takes the same trilinear form the other way round. In one dimension,
// dW_r = sum_i d_{i+r} dy_i over a tile of two outputs, and for every dy', g and d
//     sum_i dy'_i y_i = sum_xi (A dy')_xi (G g)_xi (B^T d)_xi,
// so the gradient with respect to g is dW = G^T [(A dy) * (B^T d)]: F(3, 2), whose input
// transform is the forward's B^T. In two dimensions, per tile,
//     dW = G^T [ (A dy A^T) * (B^T d B) ] G,
// and summed over tiles and images the 16 element-wise products become 16 matrix products
// again: M[xi] (K x C) = dU[xi] (K x tiles) V[xi]^T (tiles x C), with dU[xi] = (A dy A^T)[xi]
// and V as in the forward pass. 16 multiply-adds per tile of four outputs instead of 36.
#include "winograd.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "resnet/cpu/packed_sgemm.hpp"
#include "scratch_floats.hpp"

namespace resnet::cpu::detail {

namespace {

constexpr std::size_t kPoints = 16;  // 4 x 4 transformed values per tile

// About how many floats of transformed inputs and products one group of images may use:
// 16 (C + K) per tile. 1 M floats, 4 MB: the group's matrices stay in L3. (Timed on the
// 2-vCPU VM with 2^18 to 2^23; the VM's noise hid most differences, 2^23 was slower.)
constexpr std::size_t kScratchFloats = std::size_t{1} << 20;

// The tiles of 2 x 2 outputs covering a (P, Q) output, and the groups of images.
struct Tiling {
  std::size_t N, C, H, W, K, padding, P, Q;
  std::size_t tile_rows, tile_columns;  // ceil(P / 2), ceil(Q / 2)
  std::size_t padded_width;             // of one input row with its zeros: 2 tile_columns + 2

  std::size_t tiles_per_image() const { return tile_rows * tile_columns; }
};

// G g G^T of one 3x3 filter g: its 16 values, entry (i, j) at 4 i + j.
void transform_filter(const float* g, float* out) {
  float gg[4][3];  // G g: the filter's columns through G
  for (std::size_t s = 0; s < 3; ++s) {
    gg[0][s] = g[s];
    gg[1][s] = 0.5f * (g[s] + g[3 + s] + g[6 + s]);
    gg[2][s] = 0.5f * (g[s] - g[3 + s] + g[6 + s]);
    gg[3][s] = g[6 + s];
  }
  for (std::size_t i = 0; i < 4; ++i) {  // (G g) G^T: each row through G
    const float a = gg[i][0], b = gg[i][1], c = gg[i][2];
    out[4 * i + 0] = a;
    out[4 * i + 1] = 0.5f * (a + b + c);
    out[4 * i + 2] = 0.5f * (a - b + c);
    out[4 * i + 3] = c;
  }
}

// Filters are transformed this many at a time: their values go to a local table first,
// then out to U as 16 runs of consecutive floats. Storing each filter's 16 values
// straight into U touches 16 places K C floats apart (a page apart each): for 256 x 256
// filters that took a fifth of a Winograd convolution on 2x2 maps (perf), a cost per call
// whatever the map size.
constexpr std::size_t kFilterBlock = 64;

// U, into `u`: for xi = 4 i + j, the (K x C) matrix of entry (i, j) of G g G^T of every filter.
void transform_filters(const xt::xtensor<float, 4>& weight, const Tiling& t, float* u) {
  const std::size_t filters = t.K * t.C, blocks = (filters + kFilterBlock - 1) / kFilterBlock;
#pragma omp parallel for
  for (std::size_t block = 0; block < blocks; ++block) {
    const std::size_t first = block * kFilterBlock, count = std::min(kFilterBlock, filters - first);
    float transformed[kPoints][kFilterBlock];
    for (std::size_t f = 0; f < count; ++f) {  // filter first + f = k C + c
      float values[kPoints];
      transform_filter(weight.data() + (first + f) * 9, values);
      for (std::size_t xi = 0; xi < kPoints; ++xi) transformed[xi][f] = values[xi];
    }
    for (std::size_t xi = 0; xi < kPoints; ++xi) {
      std::copy(transformed[xi], transformed[xi] + count, u + xi * filters + first);
    }
  }
}

// V: for images n0 .. n0 + images - 1, the (C x tiles) matrices of B^T d B, tile index
// (image, tile row, tile column). One tile row at a time, B^T is applied along the four
// input rows for every column at once, then B along each tile's four columns: both loops
// run over consecutive floats.
void transform_inputs(const xt::xtensor<float, 4>& x, std::size_t n0, std::size_t images, const Tiling& t, float* v) {
  const std::size_t tiles = images * t.tiles_per_image(), width = t.padded_width;
#pragma omp parallel
  {
    std::vector<float> rows(4 * width), mixed(4 * width);
#pragma omp for collapse(2)
    for (std::size_t c = 0; c < t.C; ++c) {
      for (std::size_t g = 0; g < images; ++g) {
        const float* channel = x.data() + ((n0 + g) * t.C + c) * t.H * t.W;
        for (std::size_t ty = 0; ty < t.tile_rows; ++ty) {
          // The four input rows 2 ty - padding + i, with their padding as zeros.
          std::fill(rows.begin(), rows.end(), 0.0f);
          for (std::size_t i = 0; i < 4; ++i) {
            const std::size_t padded_row = 2 * ty + i;
            if (padded_row < t.padding || padded_row >= t.H + t.padding) continue;
            const float* from = channel + (padded_row - t.padding) * t.W;
            std::copy(from, from + t.W, rows.data() + i * width + t.padding);
          }
          // B^T along the rows: mixed_i = (B^T d)_i for every column.
          const float *r0 = rows.data(), *r1 = r0 + width, *r2 = r1 + width, *r3 = r2 + width;
          float *m0 = mixed.data(), *m1 = m0 + width, *m2 = m1 + width, *m3 = m2 + width;
          for (std::size_t w = 0; w < width; ++w) {
            m0[w] = r0[w] - r2[w];
            m1[w] = r1[w] + r2[w];
            m2[w] = r2[w] - r1[w];
            m3[w] = r1[w] - r3[w];
          }
          // B along each tile's columns 2 tx .. 2 tx + 3.
          const std::size_t first_tile = (g * t.tile_rows + ty) * t.tile_columns;
          for (std::size_t i = 0; i < 4; ++i) {
            const float* m = mixed.data() + i * width;
            float* v0 = v + ((4 * i + 0) * t.C + c) * tiles + first_tile;
            float* v1 = v + ((4 * i + 1) * t.C + c) * tiles + first_tile;
            float* v2 = v + ((4 * i + 2) * t.C + c) * tiles + first_tile;
            float* v3 = v + ((4 * i + 3) * t.C + c) * tiles + first_tile;
            for (std::size_t tx = 0; tx < t.tile_columns; ++tx) {
              const float a = m[2 * tx], b = m[2 * tx + 1], cc = m[2 * tx + 2], d = m[2 * tx + 3];
              v0[tx] = a - cc;
              v1[tx] = b + cc;
              v2[tx] = cc - b;
              v3[tx] = b - d;
            }
          }
        }
      }
    }
  }
}

// y of images n0 ..: every tile's 2 x 2 outputs A^T M A, the 16 values of M read from the
// 16 products at consecutive tiles; the outputs past P or Q (odd sizes) are dropped.
void transform_outputs(const float* m, std::size_t n0, std::size_t images, const Tiling& t, float* y) {
  const std::size_t tiles = images * t.tiles_per_image();
#pragma omp parallel
  {
    std::vector<float> out_rows(2 * 2 * t.tile_columns);
#pragma omp for collapse(2)
    for (std::size_t k = 0; k < t.K; ++k) {
      for (std::size_t g = 0; g < images; ++g) {
        float* plane = y + ((n0 + g) * t.K + k) * t.P * t.Q;
        for (std::size_t ty = 0; ty < t.tile_rows; ++ty) {
          const std::size_t first_tile = (g * t.tile_rows + ty) * t.tile_columns;
          const float* p[kPoints];
          for (std::size_t xi = 0; xi < kPoints; ++xi) p[xi] = m + (xi * t.K + k) * tiles + first_tile;
          float* top = out_rows.data();
          float* bottom = top + 2 * t.tile_columns;
          for (std::size_t tx = 0; tx < t.tile_columns; ++tx) {
            // A^T along the rows: s = rows 0 + 1 + 2, d = rows 1 - 2 - 3, for each column j.
            float s[4], d[4];
            for (std::size_t j = 0; j < 4; ++j) {
              s[j] = p[j][tx] + p[4 + j][tx] + p[8 + j][tx];
              d[j] = p[4 + j][tx] - p[8 + j][tx] - p[12 + j][tx];
            }
            // A along the columns.
            top[2 * tx] = s[0] + s[1] + s[2];
            top[2 * tx + 1] = s[1] - s[2] - s[3];
            bottom[2 * tx] = d[0] + d[1] + d[2];
            bottom[2 * tx + 1] = d[1] - d[2] - d[3];
          }
          std::copy(top, top + t.Q, plane + 2 * ty * t.Q);
          if (2 * ty + 1 < t.P) std::copy(bottom, bottom + t.Q, plane + (2 * ty + 1) * t.Q);
        }
      }
    }
  }
}

// dU, into `u`: for images n0 .., the (K x tiles) matrices of A dy A^T, the tiles indexed
// as in V. One 1-D step maps a pair (p, q) of outputs to (p, p + q, p - q, -q). One tile
// row at a time: the two dy rows are split into their even and odd columns (zeros past P
// or Q: those outputs do not exist, so their gradient is 0), A runs along the rows for every
// tile at once, then down the columns into four of the 16 matrices per column j. Every
// loop runs over consecutive tiles.
void transform_output_gradients(const xt::xtensor<float, 4>& dy, std::size_t n0, std::size_t images, const Tiling& t,
                                float* u) {
  const std::size_t tiles = images * t.tiles_per_image(), columns = t.tile_columns;
#pragma omp parallel
  {
    // even_top, odd_top, even_bottom, odd_bottom, then top and bottom after A along the row.
    std::vector<float> split(4 * columns), top(columns), bottom(columns);
#pragma omp for collapse(2)
    for (std::size_t k = 0; k < t.K; ++k) {
      for (std::size_t g = 0; g < images; ++g) {
        const float* plane = dy.data() + ((n0 + g) * t.K + k) * t.P * t.Q;
        for (std::size_t ty = 0; ty < t.tile_rows; ++ty) {
          std::fill(split.begin(), split.end(), 0.0f);
          for (std::size_t row = 0; row < 2 && 2 * ty + row < t.P; ++row) {
            const float* from = plane + (2 * ty + row) * t.Q;
            float* even = split.data() + 2 * row * columns;
            float* odd = even + columns;
            for (std::size_t q = 0; q < t.Q; ++q) (q % 2 == 0 ? even : odd)[q / 2] = from[q];
          }
          const float *a = split.data(), *b = a + columns, *c = b + columns, *d = c + columns;
          const std::size_t first_tile = (g * t.tile_rows + ty) * t.tile_columns;
          for (std::size_t j = 0; j < 4; ++j) {
            // A along the rows: entry j of (p, p + q, p - q, -q) for every tile.
            for (std::size_t tx = 0; tx < columns; ++tx) {
              top[tx] = j == 0 ? a[tx] : j == 1 ? a[tx] + b[tx] : j == 2 ? a[tx] - b[tx] : -b[tx];
              bottom[tx] = j == 0 ? c[tx] : j == 1 ? c[tx] + d[tx] : j == 2 ? c[tx] - d[tx] : -d[tx];
            }
            // A down column j: points j, 4 + j, 8 + j, 12 + j.
            float* u0 = u + ((0 + j) * t.K + k) * tiles + first_tile;
            float* u1 = u + ((4 + j) * t.K + k) * tiles + first_tile;
            float* u2 = u + ((8 + j) * t.K + k) * tiles + first_tile;
            float* u3 = u + ((12 + j) * t.K + k) * tiles + first_tile;
            for (std::size_t tx = 0; tx < columns; ++tx) {
              u0[tx] = top[tx];
              u1[tx] = top[tx] + bottom[tx];
              u2[tx] = top[tx] - bottom[tx];
              u3[tx] = -bottom[tx];
            }
          }
        }
      }
    }
  }
}

// G^T m G of one filter's 16 summed products m (entry (i, j) at 4 i + j): its 3x3 gradient.
// One 1-D step maps (m0, m1, m2, m3) to (m0 + h, (m1 - m2) / 2, h + m3), h = (m1 + m2) / 2.
void gradient_of_filter(const float* m, float* dweight) {
  float rows[3][4];  // G^T down each column j
  for (std::size_t j = 0; j < 4; ++j) {
    const float half_sum = 0.5f * (m[4 + j] + m[8 + j]);
    rows[0][j] = m[j] + half_sum;
    rows[1][j] = 0.5f * (m[4 + j] - m[8 + j]);
    rows[2][j] = half_sum + m[12 + j];
  }
  for (std::size_t r = 0; r < 3; ++r) {  // G along each row
    const float half_sum = 0.5f * (rows[r][1] + rows[r][2]);
    dweight[3 * r + 0] = rows[r][0] + half_sum;
    dweight[3 * r + 1] = 0.5f * (rows[r][1] - rows[r][2]);
    dweight[3 * r + 2] = half_sum + rows[r][3];
  }
}

// dweight (K, C, 3, 3) from the 16 (K x C) matrices M, kFilterBlock filters at a time: each
// block reads 16 runs of consecutive floats (the mirror of transform_filters).
void gradients_of_filters(const float* m, const Tiling& t, float* dweight) {
  const std::size_t filters = t.K * t.C, blocks = (filters + kFilterBlock - 1) / kFilterBlock;
#pragma omp parallel for
  for (std::size_t block = 0; block < blocks; ++block) {
    const std::size_t first = block * kFilterBlock, count = std::min(kFilterBlock, filters - first);
    float products[kPoints][kFilterBlock];
    for (std::size_t xi = 0; xi < kPoints; ++xi) {
      std::copy(m + xi * filters + first, m + xi * filters + first + count, products[xi]);
    }
    for (std::size_t f = 0; f < count; ++f) {  // filter first + f = k C + c
      float values[kPoints];
      for (std::size_t xi = 0; xi < kPoints; ++xi) values[xi] = products[xi][f];
      gradient_of_filter(values, dweight + (first + f) * 9);
    }
  }
}

// The tiles of a 3x3 stride-1 convolution of x (N, C, H, W) into K channels.
Tiling tiling_of(const std::array<std::size_t, 4>& x_shape, std::size_t K, std::size_t padding) {
  Tiling t{};
  t.N = x_shape[0];
  t.C = x_shape[1];
  t.H = x_shape[2];
  t.W = x_shape[3];
  t.K = K;
  t.padding = padding;
  t.P = t.H + 2 * padding - 2;
  t.Q = t.W + 2 * padding - 2;
  t.tile_rows = (t.P + 1) / 2;
  t.tile_columns = (t.Q + 1) / 2;
  t.padded_width = 2 * t.tile_columns + 2;
  return t;
}

// How many images go through the transforms together: about kScratchFloats floats of
// transformed tiles, 16 (C + K) per tile.
std::size_t images_per_group(const Tiling& t) {
  const std::size_t per_image = kPoints * (t.C + t.K) * t.tiles_per_image();
  return std::clamp<std::size_t>(kScratchFloats / per_image, 1, std::max<std::size_t>(t.N, 1));
}

SgemmOptions one_thread() {
  SgemmOptions options;
  options.path = default_simd_path();
  options.threads = 1;
  return options;
}

}  // namespace

xt::xtensor<float, 4> winograd_3x3(const xt::xtensor<float, 4>& x,       // (N, C, H, W)
                                   const xt::xtensor<float, 4>& weight,  // (K, C, 3, 3)
                                   std::size_t padding) {
  const Tiling t = tiling_of(x.shape(), weight.shape()[0], padding);
  xt::xtensor<float, 4> y = xt::xtensor<float, 4>::from_shape({t.N, t.K, t.P, t.Q});
  ScratchFloats u(kPoints * t.K * t.C);
  transform_filters(weight, t, u.data());
  const std::size_t group = images_per_group(t);
  ScratchFloats v(kPoints * t.C * group * t.tiles_per_image());
  ScratchFloats m(kPoints * t.K * group * t.tiles_per_image());
  const SgemmOptions options = one_thread();
  for (std::size_t n0 = 0; n0 < t.N; n0 += group) {
    const std::size_t images = std::min(group, t.N - n0), tiles = images * t.tiles_per_image();
    transform_inputs(x, n0, images, t, v.data());
    // The 16 products are independent: the threads take them whole.
#pragma omp parallel for schedule(dynamic)
    for (std::size_t xi = 0; xi < kPoints; ++xi) {
      sgemm_with(options, Transpose::no, Transpose::no, t.K, tiles, t.C, 1.0f, u.data() + xi * t.K * t.C, t.C,
                 v.data() + xi * t.C * tiles, tiles, 0.0f, m.data() + xi * t.K * tiles, tiles);
    }
    transform_outputs(m.data(), n0, images, t, y.data());
  }
  return y;
}

xt::xtensor<float, 4> winograd_3x3_weight_gradient(const xt::xtensor<float, 4>& x,   // (N, C, H, W)
                                                   const xt::xtensor<float, 4>& dy,  // (N, K, P, Q)
                                                   std::size_t padding) {
  const Tiling t = tiling_of(x.shape(), dy.shape()[1], padding);
  xt::xtensor<float, 4> dweight = xt::xtensor<float, 4>::from_shape({t.K, t.C, 3, 3});
  ScratchFloats products(kPoints * t.K * t.C);  // M, summed over the groups
  if (t.N == 0) std::fill(products.data(), products.data() + kPoints * t.K * t.C, 0.0f);
  const std::size_t group = images_per_group(t);
  ScratchFloats v(kPoints * t.C * group * t.tiles_per_image());
  ScratchFloats du(kPoints * t.K * group * t.tiles_per_image());
  const SgemmOptions options = one_thread();
  for (std::size_t n0 = 0; n0 < t.N; n0 += group) {
    const std::size_t images = std::min(group, t.N - n0), tiles = images * t.tiles_per_image();
    transform_inputs(x, n0, images, t, v.data());
    transform_output_gradients(dy, n0, images, t, du.data());
    // M[xi] (K x C) += dU[xi] (K x tiles) V[xi]^T; the first group overwrites.
#pragma omp parallel for schedule(dynamic)
    for (std::size_t xi = 0; xi < kPoints; ++xi) {
      sgemm_with(options, Transpose::no, Transpose::yes, t.K, t.C, tiles, 1.0f, du.data() + xi * t.K * tiles, tiles,
                 v.data() + xi * t.C * tiles, tiles, n0 == 0 ? 0.0f : 1.0f, products.data() + xi * t.K * t.C, t.C);
    }
  }
  gradients_of_filters(products.data(), t, dweight.data());
  return dweight;
}

}  // namespace resnet::cpu::detail
