// The library's float convolution: windows packed straight into the GEMM's panels in the
// forward pass, a tile of images at a time in the backward pass (resnet/cpu/conv2d.hpp).
//
// Both passes see the im2col matrix of chapter 2, cols (C R S) x (N P Q): row (c, r, s),
// column (n, p, q) holds x[n, c, p stride - padding + r, q stride - padding + s], or 0 where
// that falls in the padding. Nothing here builds it for the whole batch.
#include "resnet/cpu/conv2d.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "resnet/cpu/packed_sgemm.hpp"
#include "resnet/error.hpp"
#include "resnet/shape.hpp"
#include "scratch_floats.hpp"
#include "winograd.hpp"

namespace resnet::cpu {

namespace {

// Output pixels (p, q_begin) .. (p, q_begin + count - 1) of image n: consecutive columns of
// the im2col matrix whose windows lie side by side in the same input rows.
struct PixelRun {
  std::size_t image;
  std::size_t p;
  std::size_t q_begin;
  std::size_t count;
};

// A piece of one row of a B micro-panel: `count` columns from column `to` on, read from the
// input at `from` + c H W (channel c) and every stride-th float after it; or, when
// `zeros`, columns whose windows read padding there.
struct Segment {
  std::size_t to;
  std::size_t count;
  std::size_t from;
  bool zeros;
};

// The widest B micro-panel of any kernel (AVX-512: 32 columns), so at most 32 runs.
constexpr std::size_t kMaxPanelColumns = 32;

// The im2col matrix of one batch, read or written a run at a time.
class Windows {
 public:
  explicit Windows(const WindowShape& shape) : shape_(shape), columns_inside_(shape.S) {
    // For each column offset s of the window, the output columns q whose input column
    // q stride - padding + s is inside the image (not padding): computed once, not per run.
    for (std::size_t s = 0; s < shape.S; ++s) {
      columns_inside_[s] = outputs_inside(shape.W, shape.Q, s, shape.stride, shape.padding);
    }
  }

  // The runs of columns first .. first + count - 1 (column n P Q + p Q + q is pixel (p, q) of
  // image n), in order, into `runs`; returns how many. A run ends at the end of an output row.
  template <std::size_t Capacity>
  std::size_t runs_of_columns(std::size_t first, std::size_t count, std::array<PixelRun, Capacity>& runs) const {
    const std::size_t plane = shape_.P * shape_.Q;
    std::size_t run_count = 0;
    for (std::size_t column = first; column < first + count; column += runs[run_count - 1].count) {
      const std::size_t image = column / plane, pixel = column % plane;
      const std::size_t p = pixel / shape_.Q, q = pixel % shape_.Q;
      runs[run_count++] = PixelRun{image, p, q, std::min(shape_.Q - q, first + count - column)};
    }
    return run_count;
  }

  // out[t] = cols(row (c, r, s), column of pixel (run.p, run.q_begin + t) of run.image) for t
  // < run.count: input values where the window is inside the image, zeros in the padding.
  // (Plain loops rather than std::copy and std::fill: the runs are short, 4 to 32 floats,
  // and the compiler turns these into a few vector moves where a call to memmove would
  // cost more than the copy.)
  void gather(const float* x, std::size_t c, std::size_t r, std::size_t s, const PixelRun& run, float* out) const {
    const float* input_row = input_row_of(x, c, r, run);
    const auto [begin, end] = inside(s, run);
    if (input_row == nullptr || begin == end) {
      for (std::size_t t = 0; t < run.count; ++t) out[t] = 0.0f;
      return;
    }
    const std::size_t stride = shape_.stride, zeros_before = begin - run.q_begin;
    const float* from = input_row + begin * stride + s - shape_.padding;
    for (std::size_t t = 0; t < zeros_before; ++t) out[t] = 0.0f;
    float* to = out + zeros_before;
    if (stride == 1) {
      for (std::size_t t = 0; t < end - begin; ++t) to[t] = from[t];
    } else {
      for (std::size_t t = 0; t < end - begin; ++t) to[t] = from[t * stride];
    }
    for (std::size_t t = end - run.q_begin; t < run.count; ++t) out[t] = 0.0f;
  }

  // The segments of a panel row at window offset (r, s) over `runs` (which fill the row's
  // columns in order), into `out`; returns how many (at most 3 per run). Every channel c
  // has the same segments, offset by c H W: so a panel computes them once per (r, s) and
  // reuses them for every channel.
  std::size_t segments(const PixelRun* runs, std::size_t run_count, std::size_t r, std::size_t s, Segment* out) const {
    std::size_t count = 0, column = 0;
    for (std::size_t i = 0; i < run_count; ++i) {
      const PixelRun& run = runs[i];
      const std::size_t padded_row = run.p * shape_.stride + r;
      const bool row_inside = padded_row >= shape_.padding && padded_row < shape_.H + shape_.padding;
      const auto [begin, end] = inside(s, run);
      if (!row_inside || begin == end) {
        out[count++] = Segment{column, run.count, 0, true};
      } else {
        const std::size_t row_start = (run.image * shape_.C * shape_.H + (padded_row - shape_.padding)) * shape_.W;
        if (begin > run.q_begin) out[count++] = Segment{column, begin - run.q_begin, 0, true};
        out[count++] = Segment{column + (begin - run.q_begin), end - begin,
                               row_start + begin * shape_.stride + s - shape_.padding, false};
        if (end < run.q_begin + run.count) {
          out[count++] = Segment{column + (end - run.q_begin), run.q_begin + run.count - end, 0, true};
        }
      }
      column += run.count;
    }
    return count;
  }

  // Fills one panel row from its segments, for channel c.
  void fill_row(const float* x, std::size_t c, const Segment* segments, std::size_t count, float* out) const {
    const float* channel = x + c * shape_.H * shape_.W;
    const std::size_t stride = shape_.stride;
    for (std::size_t i = 0; i < count; ++i) {
      const Segment& segment = segments[i];
      float* to = out + segment.to;
      if (segment.zeros) {
        for (std::size_t t = 0; t < segment.count; ++t) to[t] = 0.0f;
      } else if (stride == 1) {
        const float* from = channel + segment.from;
        for (std::size_t t = 0; t < segment.count; ++t) to[t] = from[t];
      } else {
        const float* from = channel + segment.from;
        for (std::size_t t = 0; t < segment.count; ++t) to[t] = from[t * stride];
      }
    }
  }

  // The reverse of gather() for col2im: dx[input pixel of each column] += values[t]; the
  // entries that fall in the padding have no input pixel and are dropped.
  void scatter_add(const float* values, std::size_t c, std::size_t r, std::size_t s, const PixelRun& run,
                   float* dx) const {
    float* input_row = const_cast<float*>(input_row_of(dx, c, r, run));
    const auto [begin, end] = inside(s, run);
    if (input_row == nullptr || begin == end) return;
    const std::size_t stride = shape_.stride;
    float* to = input_row + begin * stride + s - shape_.padding;
    const float* from = values + (begin - run.q_begin);
    if (stride == 1) {
      for (std::size_t t = 0; t < end - begin; ++t) to[t] += from[t];
    } else {
      for (std::size_t t = 0; t < end - begin; ++t) to[t * stride] += from[t];
    }
  }

 private:
  // The start of input row p stride - padding + r of channel c of the run's image, or
  // nullptr when that row is padding.
  const float* input_row_of(const float* tensor, std::size_t c, std::size_t r, const PixelRun& run) const {
    const std::size_t padded_row = run.p * shape_.stride + r;  // the input row + padding
    if (padded_row < shape_.padding || padded_row >= shape_.H + shape_.padding) return nullptr;
    return tensor + ((run.image * shape_.C + c) * shape_.H + (padded_row - shape_.padding)) * shape_.W;
  }

  // The output columns q of the run whose window column s is inside the image: [begin, end).
  std::pair<std::size_t, std::size_t> inside(std::size_t s, const PixelRun& run) const {
    const OutputRange& range = columns_inside_[s];
    const std::size_t begin = std::clamp(range.first, run.q_begin, run.q_begin + run.count);
    const std::size_t end = std::clamp(range.last, begin, run.q_begin + run.count);
    return {begin, end};
  }

  WindowShape shape_;
  std::vector<OutputRange> columns_inside_;
};

// A row of the im2col matrix, (c, r, s), stepped through in order: s fastest, then r, then c,
// as the weight (K, C, R, S) is stored.
struct WindowRow {
  std::size_t c, r, s;

  WindowRow(std::size_t row, const WindowShape& shape)
      : c(row / (shape.R * shape.S)), r(row / shape.S % shape.R), s(row % shape.S) {}

  void next(const WindowShape& shape) {
    if (++s < shape.S) return;
    s = 0;
    if (++r < shape.R) return;
    r = 0;
    ++c;
  }
};

void require_sizes(const char* op, const char* name, const std::array<std::size_t, 4>& actual,
                   const std::array<std::size_t, 4>& expected) {
  if (actual != expected) {
    throw ShapeError(std::string(op) + ": " + name + " has shape " + format_shape(actual) + ", expected " +
                     format_shape(expected));
  }
}

SgemmOptions default_options() {
  SgemmOptions options;
  options.path = default_simd_path();
  return options;
}

// y[n0 + g, k, :] = product[k, g P Q ..] for the g images of a tile: from the GEMM's
// (K, images x P Q) layout to the batch's (N, K, P, Q).
void copy_to_batch_layout(const float* product, std::size_t images, std::size_t n0, const WindowShape& shape,
                          float* y) {
  const std::size_t plane = shape.P * shape.Q, columns = images * plane;
#pragma omp parallel for collapse(2)
  for (std::size_t g = 0; g < images; ++g) {
    for (std::size_t k = 0; k < shape.K; ++k) {
      const float* from = product + k * columns + g * plane;
      std::copy(from, from + plane, y + ((n0 + g) * shape.K + k) * plane);
    }
  }
}

// The reverse: tile[k, g P Q ..] = dy[n0 + g, k, :].
void copy_to_channel_layout(const float* dy, std::size_t images, std::size_t n0, const WindowShape& shape,
                            float* tile) {
  const std::size_t plane = shape.P * shape.Q, columns = images * plane;
#pragma omp parallel for collapse(2)
  for (std::size_t g = 0; g < images; ++g) {
    for (std::size_t k = 0; k < shape.K; ++k) {
      const float* from = dy + ((n0 + g) * shape.K + k) * plane;
      std::copy(from, from + plane, tile + k * columns + g * plane);
    }
  }
}

// On output maps narrower than this, im2col_tile(), col2im_tile() and the forward panels
// (pack_narrow_window_panel()) look every pixel up in a PixelSources table instead of
// copying a row of the map at a time: there a row is at most 15 floats (1 to 8 in
// ResNet-34 with the ImageNet stem on 32x32 images, layer1 to layer4), and working out
// each row's bounds cost more than copying it.
constexpr std::size_t kNarrowMap = 16;

// For each window offset (r, s), where every output pixel (p, q) of a plane reads the
// input: the index of input pixel (p stride - padding + r, q stride - padding + s) in its
// channel plane, or -1 where that is padding. The same for every channel and image.
// Empty for maps kNarrowMap wide or wider, and for input planes too large for int32
// indices (the row-by-row path takes those).
class PixelSources {
 public:
  explicit PixelSources(const WindowShape& shape) : plane_(shape.P * shape.Q) {
    if (shape.Q >= kNarrowMap) return;
    if (shape.H * shape.W > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) return;
    table_.resize(shape.R * shape.S * plane_);
    std::int32_t* entry = table_.data();
    for (std::size_t r = 0; r < shape.R; ++r) {
      for (std::size_t s = 0; s < shape.S; ++s) {
        for (std::size_t p = 0; p < shape.P; ++p) {
          for (std::size_t q = 0; q < shape.Q; ++q)
            *entry++ = source(shape, p * shape.stride + r, q * shape.stride + s);
        }
      }
    }
  }

  bool empty() const { return table_.empty(); }

  // The P Q sources of window offset (r, s), given as r S + s.
  const std::int32_t* of_offset(std::size_t offset) const { return table_.data() + offset * plane_; }

 private:
  // The input pixel at padded row and column (the input's plus `padding`), or -1.
  static std::int32_t source(const WindowShape& shape, std::size_t padded_row, std::size_t padded_column) {
    if (padded_row < shape.padding || padded_row >= shape.H + shape.padding) return -1;
    if (padded_column < shape.padding || padded_column >= shape.W + shape.padding) return -1;
    return static_cast<std::int32_t>((padded_row - shape.padding) * shape.W + padded_column - shape.padding);
  }

  std::size_t plane_;
  std::vector<std::int32_t> table_;
};

// The im2col matrix of images n0 .. n0 + images - 1: (C R S) x (images P Q), into `cols`.
void im2col_tile(const float* x, const Windows& windows, const PixelSources& sources, const WindowShape& shape,
                 std::size_t n0, std::size_t images, float* cols) {
  const std::size_t plane = shape.P * shape.Q, rows = shape.C * shape.R * shape.S, columns = images * plane;
#pragma omp parallel for
  for (std::size_t row = 0; row < rows; ++row) {
    const WindowRow window(row, shape);
    float* out = cols + row * columns;
    if (!sources.empty()) {
      const std::int32_t* source = sources.of_offset(window.r * shape.S + window.s);
      for (std::size_t g = 0; g < images; ++g, out += plane) {
        const float* channel = x + ((n0 + g) * shape.C + window.c) * shape.H * shape.W;
        for (std::size_t t = 0; t < plane; ++t) out[t] = source[t] < 0 ? 0.0f : channel[source[t]];
      }
      continue;
    }
    for (std::size_t g = 0; g < images; ++g) {
      for (std::size_t p = 0; p < shape.P; ++p, out += shape.Q) {
        windows.gather(x, window.c, window.r, window.s, PixelRun{n0 + g, p, 0, shape.Q}, out);
      }
    }
  }
}

// One (image, channel) plane of col2im: every entry of the plane's rows of dcols (one per
// window offset, `columns` apart) added to the input pixel it read.
void col2im_plane(const float* rows, std::size_t columns, const Windows& windows, const PixelSources& sources,
                  const WindowShape& shape, std::size_t image, std::size_t c, float* dx) {
  for (std::size_t r = 0; r < shape.R; ++r) {
    for (std::size_t s = 0; s < shape.S; ++s) {
      const float* row = rows + (r * shape.S + s) * columns;
      if (!sources.empty()) {
        const std::int32_t* source = sources.of_offset(r * shape.S + s);
        float* channel = dx + (image * shape.C + c) * shape.H * shape.W;
        for (std::size_t t = 0; t < shape.P * shape.Q; ++t) {
          if (source[t] >= 0) channel[source[t]] += row[t];
        }
        continue;
      }
      for (std::size_t p = 0; p < shape.P; ++p) {
        windows.scatter_add(row + p * shape.Q, c, r, s, PixelRun{image, p, 0, shape.Q}, dx);
      }
    }
  }
}

// dx of images n0 .. n0 + images - 1 = col2im(dcols): every image's channel planes are
// zeroed, then every entry of dcols is added to the input pixel its window read. Threads
// take (image, channel) planes, which no two of them share.
void col2im_tile(const float* dcols, const Windows& windows, const PixelSources& sources, const WindowShape& shape,
                 std::size_t n0, std::size_t images, float* dx) {
  const std::size_t plane = shape.P * shape.Q, columns = images * plane, window_size = shape.R * shape.S;
#pragma omp parallel for collapse(2)
  for (std::size_t g = 0; g < images; ++g) {
    for (std::size_t c = 0; c < shape.C; ++c) {
      float* channel = dx + ((n0 + g) * shape.C + c) * shape.H * shape.W;
      std::fill(channel, channel + shape.H * shape.W, 0.0f);
      col2im_plane(dcols + c * window_size * columns + g * plane, columns, windows, sources, shape, n0 + g, c, dx);
    }
  }
}

// pack_window_panel() on a narrow map, where a panel's columns span many output rows and
// images: for each window offset, every column's place in the input is looked up once
// (the image's offset plus the pixel's, or -1 in the padding) and then read for every
// channel, c H W further on.
void pack_narrow_window_panel(const float* x, const PixelSources& sources, const WindowShape& shape, std::size_t first,
                              std::size_t n, std::size_t nr, std::size_t k0, std::size_t kc, float* panel) {
  const std::size_t offsets = shape.R * shape.S, plane = shape.P * shape.Q, channel_size = shape.H * shape.W;
  std::array<std::ptrdiff_t, kMaxPanelColumns> from;
  for (std::size_t i = 0; i < std::min(kc, offsets); ++i) {
    const std::int32_t* source = sources.of_offset((k0 + i) % offsets);  // rows i, i + R S, ... share it
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t column = first + j, image = column / plane;
      const std::int32_t pixel = source[column % plane];
      from[j] = pixel < 0 ? -1 : static_cast<std::ptrdiff_t>(image * shape.C * channel_size) + pixel;
    }
    for (std::size_t row = i; row < kc; row += offsets) {
      const float* channel = x + (k0 + row) / offsets * channel_size;
      float* out = panel + row * nr;
      for (std::size_t j = 0; j < n; ++j) out[j] = from[j] < 0 ? 0.0f : channel[from[j]];
      for (std::size_t j = n; j < nr; ++j) out[j] = 0.0f;
    }
  }
}

// One B micro-panel of the forward GEMM, gathered from the input: rows k0 .. k0 + kc - 1
// of the im2col matrix (window rows (c, r, s)), its columns first .. first + n - 1 (output
// pixels), as kc rows of nr floats with columns n .. nr - 1 zero.
//
// The rows of one window offset (r, s) are R S apart (one per channel) and share their
// segments, which differ only by the channel's offset c H W: so the loop takes each
// offset in turn, works out its segments once, and fills its rows channel by channel.
// The common row, nr consecutive pixels of one output row away from the border (a single
// segment, stride 1), is a plain copy of nr floats.
void pack_window_panel(const float* x, const Windows& windows, const PixelSources& sources, const WindowShape& shape,
                       std::size_t first, std::size_t n, std::size_t nr, std::size_t k0, std::size_t kc, float* panel) {
  if (!sources.empty()) {
    pack_narrow_window_panel(x, sources, shape, first, n, nr, k0, kc, panel);
    return;
  }
  std::array<PixelRun, kMaxPanelColumns> runs;
  const std::size_t run_count = windows.runs_of_columns(first, n, runs);
  std::array<Segment, 3 * kMaxPanelColumns> segments;
  const std::size_t offsets = shape.R * shape.S, channel_size = shape.H * shape.W;
  for (std::size_t i = 0; i < std::min(kc, offsets); ++i) {
    const std::size_t offset = (k0 + i) % offsets;  // the window offset of rows i, i + R S, ...
    const std::size_t segment_count =
        windows.segments(runs.data(), run_count, offset / shape.S, offset % shape.S, segments.data());
    const bool one_copy = segment_count == 1 && !segments[0].zeros && n == nr && shape.stride == 1;
    for (std::size_t row = i; row < kc; row += offsets) {
      const std::size_t c = (k0 + row) / offsets;
      float* out = panel + row * nr;
      if (one_copy) {
        const float* from = x + c * channel_size + segments[0].from;
        for (std::size_t j = 0; j < nr; ++j) out[j] = from[j];
        continue;
      }
      windows.fill_row(x, c, segments.data(), segment_count, out);
      for (std::size_t j = n; j < nr; ++j) out[j] = 0.0f;
    }
  }
}

void add_bias(const float* bias, const WindowShape& shape, float* y) {
  const std::size_t plane = shape.P * shape.Q;
#pragma omp parallel for collapse(2)
  for (std::size_t n = 0; n < shape.N; ++n) {
    for (std::size_t k = 0; k < shape.K; ++k) {
      float* out = y + (n * shape.K + k) * plane;
      for (std::size_t i = 0; i < plane; ++i) out[i] += bias[k];
    }
  }
}

// The (C, K, R, S) filters of dx's convolution: weight[k, c, R - 1 - r, S - 1 - s].
xt::xtensor<float, 4> flipped_filters(const xt::xtensor<float, 4>& weight) {
  const std::size_t K = weight.shape()[0], C = weight.shape()[1], R = weight.shape()[2], S = weight.shape()[3];
  xt::xtensor<float, 4> flipped = xt::xtensor<float, 4>::from_shape({C, K, R, S});
  const std::size_t window = R * S;
#pragma omp parallel for collapse(2)
  for (std::size_t c = 0; c < C; ++c) {
    for (std::size_t k = 0; k < K; ++k) {
      const float* from = weight.data() + (k * C + c) * window;
      float* to = flipped.data() + (c * K + k) * window;
      for (std::size_t i = 0; i < window; ++i) to[i] = from[window - 1 - i];  // (r, s) -> (R-1-r, S-1-s)
    }
  }
  return flipped;
}

xt::xtensor<float, 1> sum_over_batch_and_pixels(const float* dy, const WindowShape& shape) {
  xt::xtensor<float, 1> dbias = xt::zeros<float>({shape.K});
  const std::size_t plane = shape.P * shape.Q;
  for (std::size_t n = 0; n < shape.N; ++n) {
    for (std::size_t k = 0; k < shape.K; ++k) {
      const float* values = dy + (n * shape.K + k) * plane;
      double sum = 0.0;
      for (std::size_t i = 0; i < plane; ++i) sum += values[i];
      dbias(k) += static_cast<float>(sum);
    }
  }
  return dbias;
}

// When every window covers the whole image (windows_cover_image()), the convolution is a
// dense layer: output (k, p, q) is a weighted sum of all C H W inputs, the weight of input
// (c, h, w) being tap (h - p stride + padding, w - q stride + padding) of filter (k, c),
// which is always inside the window. As a (K P Q) x (C H W) matrix D, y (N x K P Q) = x (N x
// C H W) D^T, and (N, K, P, Q) is that very matrix: one GEMM, no layout to change.

// Tap row r of output row p reads input row h = p stride + r - padding: r = h + padding - p stride.
std::size_t tap_of(std::size_t input, std::size_t output, const WindowShape& shape) {
  return input + shape.padding - output * shape.stride;
}

// D, the dense matrix above, into `d`: each filter's taps copied to the P Q rows that use them.
void dense_weight(const xt::xtensor<float, 4>& weight, const WindowShape& shape, float* d) {
  const std::size_t image = shape.C * shape.H * shape.W;
#pragma omp parallel for
  for (std::size_t k = 0; k < shape.K; ++k) {
    for (std::size_t p = 0; p < shape.P; ++p) {
      for (std::size_t q = 0; q < shape.Q; ++q) {
        float* row = d + ((k * shape.P + p) * shape.Q + q) * image;
        for (std::size_t c = 0; c < shape.C; ++c) {
          const float* filter = weight.data() + (k * shape.C + c) * shape.R * shape.S;
          for (std::size_t h = 0; h < shape.H; ++h) {
            const float* taps = filter + tap_of(h, p, shape) * shape.S;
            for (std::size_t w = 0; w < shape.W; ++w) row[(c * shape.H + h) * shape.W + w] = taps[tap_of(w, q, shape)];
          }
        }
      }
    }
  }
}

// dweight from dD (K P Q x C H W): each tap collects the entries of D it was copied to;
// the taps that no output position reads (padding only) get 0.
void fold_dense_gradient(const float* dense, const WindowShape& shape, float* dweight) {
  const std::size_t image = shape.C * shape.H * shape.W;
#pragma omp parallel for
  for (std::size_t k = 0; k < shape.K; ++k) {
    float* filters = dweight + k * shape.C * shape.R * shape.S;  // the C filters of output channel k
    std::fill(filters, filters + shape.C * shape.R * shape.S, 0.0f);
    for (std::size_t p = 0; p < shape.P; ++p) {
      for (std::size_t q = 0; q < shape.Q; ++q) {
        const float* row = dense + ((k * shape.P + p) * shape.Q + q) * image;
        for (std::size_t c = 0; c < shape.C; ++c) {
          for (std::size_t h = 0; h < shape.H; ++h) {
            float* taps = filters + (c * shape.R + tap_of(h, p, shape)) * shape.S;
            for (std::size_t w = 0; w < shape.W; ++w) taps[tap_of(w, q, shape)] += row[(c * shape.H + h) * shape.W + w];
          }
        }
      }
    }
  }
}

// Whether to compute the convolution as the dense layer above: every window covers the
// image, and D (P Q H W floats per filter) is at most 4 times the weight (R S per filter).
bool dense_layer_applies(const WindowShape& shape) {
  return windows_cover_image(shape) && shape.P * shape.Q * shape.H * shape.W <= 4 * shape.R * shape.S;
}

// y = x D^T (+ bias): the convolution as the dense layer above.
xt::xtensor<float, 4> forward_dense(const xt::xtensor<float, 4>& x, const xt::xtensor<float, 4>& weight,
                                    const float* bias, const WindowShape& shape) {
  xt::xtensor<float, 4> y = xt::xtensor<float, 4>::from_shape(shape.output_shape());
  const std::size_t image = shape.C * shape.H * shape.W, outputs = shape.K * shape.P * shape.Q;
  const detail::ScratchFloats dense(outputs * image);
  dense_weight(weight, shape, dense.data());
  sgemm_with(default_options(), Transpose::no, Transpose::yes, shape.N, outputs, image, 1.0f, x.data(), image,
             dense.data(), image, 0.0f, y.data(), outputs);
  if (bias != nullptr) add_bias(bias, shape, y.data());
  return y;
}

// The gradients of forward_dense(): dx (N x C H W) = dy (N x K P Q) D, and dD = dy^T x
// (K P Q x C H W), folded back into the taps.
Conv2dGrads backward_dense(const xt::xtensor<float, 4>& dy, const xt::xtensor<float, 4>& x,
                           const xt::xtensor<float, 4>& weight, const WindowShape& shape) {
  Conv2dGrads grads{xt::xtensor<float, 4>::from_shape(shape.input_shape()),
                    xt::xtensor<float, 4>::from_shape(shape.weight_shape()),
                    {}};
  const std::size_t image = shape.C * shape.H * shape.W, outputs = shape.K * shape.P * shape.Q;
  const SgemmOptions options = default_options();
  {
    const detail::ScratchFloats dense(outputs * image);
    dense_weight(weight, shape, dense.data());
    sgemm_with(options, Transpose::no, Transpose::no, shape.N, image, outputs, 1.0f, dy.data(), outputs, dense.data(),
               image, 0.0f, grads.dx.data(), image);
  }
  detail::ScratchFloats dense_gradient(outputs * image);
  if (shape.N == 0) std::fill(dense_gradient.data(), dense_gradient.data() + outputs * image, 0.0f);
  sgemm_with(options, Transpose::yes, Transpose::no, outputs, image, shape.N, 1.0f, dy.data(), outputs, x.data(), image,
             0.0f, dense_gradient.data(), image);
  fold_dense_gradient(dense_gradient.data(), shape, grads.dweight.data());
  return grads;
}

}  // namespace

bool windows_cover_image(const WindowShape& shape) {
  // Output p reads rows p stride - padding ... p stride - padding + R - 1: all of 0 ... H - 1
  // for every p when the last output starts at or above row 0 and the first ends at or
  // below row H - 1.
  if (shape.P == 0 || shape.Q == 0) return false;
  const bool rows = (shape.P - 1) * shape.stride <= shape.padding && shape.H + shape.padding <= shape.R;
  const bool columns = (shape.Q - 1) * shape.stride <= shape.padding && shape.W + shape.padding <= shape.S;
  return rows && columns;
}

bool winograd_applies(const WindowShape& shape) {
  if (shape.R != 3 || shape.S != 3 || shape.stride != 1 || shape.padding > 2) return false;
  if (shape.C < kWinogradMinimumChannels || shape.K < kWinogradMinimumChannels) return false;
  // Winograd does 16 multiply-adds per tile of 2 x 2 outputs (per K C), the GEMM 9 per
  // output. On small maps the tiles overhang: a 1x1 output is a whole tile (16 against 9),
  // a 3x3 output four (64 against 81). Only where it saves at least a third.
  const std::size_t tiles = (shape.P + 1) / 2 * ((shape.Q + 1) / 2);
  if (9.0 * static_cast<double>(shape.P * shape.Q) < 1.5 * 16.0 * static_cast<double>(tiles)) return false;
  // And only with at least kWinogradMinimumTiles tiles per image: the transforms, the
  // filters' above all (16 K C values, every call), cost about as much per call whatever
  // the map, and with one tile an image (a 2x2 map) they cost more than they save.
  return tiles >= kWinogradMinimumTiles;
}

std::size_t images_per_tile(std::size_t plane, std::size_t batch) {
  const std::size_t images = plane == 0 ? batch : (kColumnsPerTile + plane / 2) / plane;
  return std::clamp<std::size_t>(images, 1, std::max<std::size_t>(batch, 1));
}

xt::xtensor<float, 4> conv2d_forward(const xt::xtensor<float, 4>& x,       // (N, C, H, W)
                                     const xt::xtensor<float, 4>& weight,  // (K, C, R, S)
                                     const float* bias,                    // (K) or nullptr
                                     const WindowShape& shape, ConvAlgorithm algorithm) {
  require_sizes("cpu::conv2d_forward", "x", x.shape(), shape.input_shape());
  require_sizes("cpu::conv2d_forward", "weight", weight.shape(), shape.weight_shape());
  if (algorithm == ConvAlgorithm::automatic && dense_layer_applies(shape)) return forward_dense(x, weight, bias, shape);
  if (algorithm == ConvAlgorithm::automatic && winograd_applies(shape)) {
    xt::xtensor<float, 4> y = detail::winograd_3x3(x, weight, shape.padding);
    if (bias != nullptr) add_bias(bias, shape, y.data());
    return y;
  }
  xt::xtensor<float, 4> y = xt::xtensor<float, 4>::from_shape(shape.output_shape());  // (N, K, P, Q)
  const std::size_t plane = shape.P * shape.Q, depth = shape.C * shape.R * shape.S;
  const std::size_t tile = images_per_tile(plane, shape.N);
  const detail::ScratchFloats product(tile > 1 ? shape.K * tile * plane : 0);
  const Windows windows(shape);
  const PixelSources sources(shape);
  const SgemmOptions options = default_options();
  for (std::size_t n0 = 0; n0 < shape.N; n0 += tile) {
    const std::size_t images = std::min(tile, shape.N - n0), columns = images * plane;
    // B = the tile's columns of the im2col matrix, one micro-panel at a time: panel row i
    // is window row k0 + i, its n columns are the windows of n consecutive output pixels.
    const BPanelPacker pack_windows = [&](std::size_t k0, std::size_t kc, std::size_t j0, std::size_t n, std::size_t nr,
                                          float* panel) {
      pack_window_panel(x.data(), windows, sources, shape, n0 * plane + j0, n, nr, k0, kc, panel);
    };
    // One image: its (K, P Q) block of y is the GEMM's C. Several: C is the scratch, copied.
    float* c = images == 1 ? y.data() + n0 * shape.K * plane : product.data();
    sgemm_packed_b(options, Transpose::no, shape.K, columns, depth, 1.0f, weight.data(), depth, pack_windows, 0.0f, c,
                   columns);
    if (images > 1) copy_to_batch_layout(product.data(), images, n0, shape, y.data());
  }
  if (bias != nullptr) add_bias(bias, shape, y.data());
  return y;
}

Conv2dGrads conv2d_backward(const xt::xtensor<float, 4>& dy,      // (N, K, P, Q)
                            const xt::xtensor<float, 4>& x,       // (N, C, H, W)
                            const xt::xtensor<float, 4>& weight,  // (K, C, R, S)
                            const WindowShape& shape, bool with_bias, ConvAlgorithm algorithm) {
  require_sizes("cpu::conv2d_backward", "dy", dy.shape(), shape.output_shape());
  require_sizes("cpu::conv2d_backward", "x", x.shape(), shape.input_shape());
  require_sizes("cpu::conv2d_backward", "weight", weight.shape(), shape.weight_shape());
  if (algorithm == ConvAlgorithm::automatic && dense_layer_applies(shape)) {
    Conv2dGrads grads = backward_dense(dy, x, weight, shape);
    if (with_bias) grads.dbias = sum_over_batch_and_pixels(dy.data(), shape);
    return grads;
  }
  if (algorithm == ConvAlgorithm::automatic && winograd_applies(shape)) {
    // dx of a 3x3 stride-1 convolution is the 3x3 stride-1 convolution of dy by the filters
    // flipped in both directions with C and K swapped, padded by 2 - padding: each input
    // pixel collects the outputs whose windows covered it.
    Conv2dGrads grads{detail::winograd_3x3(dy, flipped_filters(weight), 2 - shape.padding),
                      detail::winograd_3x3_weight_gradient(x, dy, shape.padding),
                      {}};
    if (with_bias) grads.dbias = sum_over_batch_and_pixels(dy.data(), shape);
    return grads;
  }
  Conv2dGrads grads{xt::xtensor<float, 4>::from_shape(shape.input_shape()),
                    xt::xtensor<float, 4>::from_shape(shape.weight_shape()),
                    {}};
  const std::size_t plane = shape.P * shape.Q, depth = shape.C * shape.R * shape.S;
  const std::size_t tile = images_per_tile(plane, shape.N);
  const detail::ScratchFloats cols(depth * tile * plane);  // the tile's im2col, then its gradient
  const detail::ScratchFloats dy_tile(tile > 1 ? shape.K * tile * plane : 0);
  const Windows windows(shape);
  const PixelSources sources(shape);
  const SgemmOptions options = default_options();
  if (shape.N == 0) grads.dweight.fill(0.0f);
  for (std::size_t n0 = 0; n0 < shape.N; n0 += tile) {
    const std::size_t images = std::min(tile, shape.N - n0), columns = images * plane;
    // dy of the tile as a (K, images P Q) matrix: for one image it is already stored so.
    const float* dy_matrix = dy.data() + n0 * shape.K * plane;
    if (images > 1) {
      copy_to_channel_layout(dy.data(), images, n0, shape, dy_tile.data());
      dy_matrix = dy_tile.data();
    }
    im2col_tile(x.data(), windows, sources, shape, n0, images, cols.data());
    // dweight (K, C R S) += dy_tile (K, columns) cols^T (columns, C R S); the first tile
    // overwrites (beta = 0), the others add.
    sgemm_with(options, Transpose::no, Transpose::yes, shape.K, depth, columns, 1.0f, dy_matrix, columns, cols.data(),
               columns, n0 == 0 ? 0.0f : 1.0f, grads.dweight.data(), depth);
    // dcols (C R S, columns) = weight^T (C R S, K) dy_tile (K, columns), over cols.
    sgemm_with(options, Transpose::yes, Transpose::no, depth, columns, shape.K, 1.0f, weight.data(), depth, dy_matrix,
               columns, 0.0f, cols.data(), columns);
    col2im_tile(cols.data(), windows, sources, shape, n0, images, grads.dx.data());
  }
  if (with_bias) grads.dbias = sum_over_batch_and_pixels(dy.data(), shape);
  return grads;
}

}  // namespace resnet::cpu
