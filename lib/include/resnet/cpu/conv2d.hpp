/// @file
/// @brief The library's float convolution for the CPU: the GEMM of chapter 2 without the
///        whole batch's im2col matrix, images taken a tile at a time.
///
/// Task 2.7's convolution (resnet/ops/conv2d.hpp) builds the im2col matrix of the whole
/// batch, (C R S) x (N P Q) floats, and multiplies it by the weight. For the first stage of
/// a CIFAR ResNet that matrix is 576 x 131,072 floats, 302 MB, written once and read again
/// by the GEMM's packing. This version computes the same products without it:
///
/// - **forward**: y = W cols. The GEMM (cpu::sgemm_packed_b) asks for its B operand one
///   micro-panel at a time, and each panel is gathered straight from the input's windows:
///   the im2col matrix exists only as the few kilobytes of panels in cache.
/// - **backward**: dweight = dy cols^T and dcols = W^T dy, then col2im. These take a tile of
///   images at a time (about kColumnsPerTile output pixels), so the im2col matrix and
///   the gradient of it exist only for one tile, a few megabytes.
/// - the output is written in (N, K, P, Q) directly when a tile is one image, so the layout
///   copies around the reference's GEMM go too.
///
/// - **Winograd F(2x2, 3x3)** for 3x3, stride-1 convolutions with at least
///   kWinogradMinimumChannels channels in and out and at least kWinogradMinimumTiles 2x2
///   output tiles per image (every 3x3 of a ResNet's stages but the first of a
///   downsampling stage, on all but the smallest maps; winograd_applies() says exactly):
///   the forward pass, dx (itself a 3x3 stride-1 convolution of dy by the flipped
///   filters) and dweight (Winograd's F(3x3, 2x2), the same transforms the other way
///   round) take 2.25x fewer multiply-adds; see lib/src/cpu/winograd.cpp.
///
/// - **windows that each cover the whole image** (windows_cover_image()), as on the
///   smallest maps (the deep stages of a ResNet on 32x32 images with the ImageNet stem,
///   whose maps are 2x2 and 1x1): the convolution is then a dense layer, one matrix product
///   per pass, and the window taps that read only padding cost nothing.
///
/// The numbers are those of conv2d_forward() and conv2d_backward() up to float rounding
/// (a different order of additions, and Winograd's transforms):
/// tests/02_convolution/test_cpu_conv2d.cpp compares them.
#pragma once

#include <cstddef>

#include <xtensor/xtensor.hpp>

#include "resnet/ops/window_shape.hpp"

namespace resnet::cpu {

/// @ingroup core
/// @brief How cpu::conv2d_forward() and conv2d_backward() compute the products that a
///        shortcut can take: `automatic` uses Winograd where winograd_applies() and the
///        dense layer where windows_cover_image() (and its matrix stays small); `gemm`
///        neither (the tests use both to check each).
enum class ConvAlgorithm { automatic, gemm };

/// @ingroup core
/// @brief The fewest channels (in and out) for which Winograd pays: with fewer, its 16
///        matrix products are too thin for the GEMM's micro-kernel.
inline constexpr std::size_t kWinogradMinimumChannels = 16;

/// @ingroup core
/// @brief The fewest 2x2 output tiles per image for which Winograd pays. On 2x2 maps (one
///        tile) it took longer than the GEMM: ResNet-34's layer3 at 32x32 with the
///        ImageNet stem, batch 128, forward 4.1 ms against 3.1 ms (bench_conv2d
///        --imagenet-size 32, Intel Xeon with AVX-512, 2 threads), and still 2.9 against
///        2.7 ms once its filter transform was made cheaper; on 4x4 maps (four tiles) the
///        two took the same time, on 8x8 maps Winograd 0.81 times the GEMM's.
inline constexpr std::size_t kWinogradMinimumTiles = 4;

/// @ingroup core
/// @brief Whether `shape` is a convolution Winograd F(2x2, 3x3) computes here: a 3x3
///        window, stride 1, padding at most 2, at least kWinogradMinimumChannels channels
///        in and out, an output whose 2x2 tiles save at least a third of the GEMM's
///        multiply-adds (not a 1x1 or 3x3 map, whose tiles overhang it), and at least
///        kWinogradMinimumTiles tiles per image (not a 2x2 map).
bool winograd_applies(const WindowShape& shape);

/// @ingroup core
/// @brief Whether every window of `shape` covers the whole input image, as a 3x3 window
///        with padding 1 does on a 2x2 map (ResNet-34's layer3 on 32x32 images with the
///        ImageNet stem) or a 1x1 window on a 1x1 map.
///
/// Then output pixel (p, q) multiplies the whole image x[n] by one fixed part of the
/// window, the taps weight[:, :, padding - p stride ..., padding - q stride ...] that fall
/// on it: the convolution is a dense layer whose (K P Q) x (C H W) matrix D holds, in row
/// (k, p, q), those taps of the K filters. conv2d_forward() and conv2d_backward()
/// (ConvAlgorithm::automatic) compute such a convolution as y = x D^T, dx = dy D and
/// dD = dy^T x, with no window to gather, and (N, K, P, Q) is the layout of y as an
/// N x (K P Q) matrix. On a 2x2 map that is 4 taps per output instead of the GEMM's 9, as
/// Winograd's F(2x2, 3x3) also achieves, without its transforms; on a 1x1 map, 1 of 9.
/// The dense matrix has P Q H W entries per filter against the weight's R S; it is used
/// only while it is at most 4 times the weight (a window much larger than a small map, say
/// 31x31 with padding 15 over 16x16, would make it 68 times the weight).
/// @param shape a convolution's sizes
/// @return true when every output pixel's window contains every input pixel
bool windows_cover_image(const WindowShape& shape);

/// @ingroup core
/// @brief The gradients conv2d_backward() returns.
struct Conv2dGrads {
  xt::xtensor<float, 4> dx;       ///< (N, C, H, W)
  xt::xtensor<float, 4> dweight;  ///< (K, C, R, S)
  xt::xtensor<float, 1> dbias;    ///< (K), or empty when no bias gradient was asked for
};

/// @ingroup core
/// @brief \f$ y_{nkpq} = b_k + \sum_{c,r,s} W_{kcrs}\, x_{n,c,p\,\text{stride}-\text{pad}+r,\,
///        q\,\text{stride}-\text{pad}+s} \f$, as resnet::conv2d_forward(), with the windows
///        packed straight into the GEMM's panels.
/// @param x input, (N, C, H, W)
/// @param weight filters, (K, C, R, S)
/// @param bias (K) values to add, or nullptr for none
/// @param shape every size, from conv2d_shape(x, weight, stride, padding)
/// @param algorithm the shortcuts where they apply (automatic), or the GEMM always
/// @return y, (N, K, P, Q)
/// @throws ShapeError when x or the weight does not have the sizes of `shape`
xt::xtensor<float, 4> conv2d_forward(const xt::xtensor<float, 4>& x, const xt::xtensor<float, 4>& weight,
                                     const float* bias, const WindowShape& shape,
                                     ConvAlgorithm algorithm = ConvAlgorithm::automatic);

/// @ingroup core
/// @brief The gradients of conv2d_forward() given dy: by the GEMM a tile of images at a
///        time, or by the same shortcuts as the forward pass.
/// @param dy upstream gradient, (N, K, P, Q)
/// @param x the forward pass's input, (N, C, H, W)
/// @param weight the forward pass's weight, (K, C, R, S)
/// @param shape the forward pass's sizes
/// @param with_bias whether to return dbias (the sum of dy over N, P and Q)
/// @param algorithm the shortcuts where they apply (automatic: Winograd for dx and dweight,
///        the dense layer for all three), or the GEMM always
/// @return dx, dweight, and dbias when asked for
/// @throws ShapeError when a tensor does not have the sizes of `shape`
Conv2dGrads conv2d_backward(const xt::xtensor<float, 4>& dy, const xt::xtensor<float, 4>& x,
                            const xt::xtensor<float, 4>& weight, const WindowShape& shape, bool with_bias,
                            ConvAlgorithm algorithm = ConvAlgorithm::automatic);

/// @ingroup core
/// @brief About how many output pixels (columns of the im2col matrix) one tile of images
///        has: enough for the GEMMs to run at full speed on every thread, few enough that a
///        tile's im2col matrix stays a few megabytes. A tile is at least one image.
inline constexpr std::size_t kColumnsPerTile = 2048;

/// @ingroup core
/// @brief How many images one tile of a convolution with output planes of `plane` pixels
///        (P Q) has, for a batch of `batch` images: about kColumnsPerTile / plane, at least
///        1, at most `batch`.
std::size_t images_per_tile(std::size_t plane, std::size_t batch);

}  // namespace resnet::cpu
