/// @file
/// @brief Chapter 6's kernels on raw arrays: elementwise ops, per-channel reductions and
///        im2col, each the GPU twin of a CPU op from chapters 1-3.
///
/// Every function takes device pointers and launches a kernel (Launch::gpu), or takes
/// host pointers and runs the same kernel body on the CPU (Launch::host_emulation, see
/// resnet/cuda/launch.hpp). Arrays are contiguous and row-major, as in the Tensor class;
/// an activation (N, C, H, W) has `HW = H * W` values per image and channel.
/// Instantiated for float and double.
#pragma once

#include <cstddef>
#include <cstdint>

#include "resnet/cuda/launch.hpp"
#include "resnet/ops/window_shape.hpp"

namespace resnet::cuda {

/// @ingroup ch06
/// @brief \f$ y = \max(0, x) \f$ elementwise, a NaN staying NaN (task 6.1); the twin of
///        resnet::relu_forward.
/// @param x     (n) input
/// @param y     (n) output (may be x itself)
/// @param n     number of values
/// @param where GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.nn.functional.relu.html
template <class T>
void relu_forward(const T* x, T* y, std::size_t n, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief \f$ dx = dy \odot [x > 0] \f$: dy where x > 0 (or x is NaN), 0 where x <= 0 (task 6.1);
///        the twin of resnet::relu_backward.
/// @param x     (n) the forward pass's input
/// @param dy    (n) gradient of the loss with respect to y
/// @param dx    (n) gradient with respect to x, overwritten (may be dy itself)
/// @param n     number of values
/// @param where GPU or host emulation
template <class T>
void relu_backward(const T* x, const T* dy, T* dx, std::size_t n, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief \f$ \text{out}_i = a_i + b_i \f$ elementwise (a residual block's skip connection).
/// @param a     (n)
/// @param b     (n)
/// @param out   (n), may be a or b
/// @param n     number of values
/// @param where GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.add.html
template <class T>
void add(const T* a, const T* b, T* out, std::size_t n, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief \f$ x_i \leftarrow \text{factor} \cdot x_i \f$ elementwise, in place.
/// @param x      (n)
/// @param factor the scale
/// @param n      number of values
/// @param where  GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.mul.html
template <class T>
void scale(T* x, T factor, std::size_t n, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief \f$ \text{out}_i = a_i b_i \f$ elementwise (dropout: x times its scaled mask).
/// @param a     (n)
/// @param b     (n)
/// @param out   (n), may be a or b
/// @param n     number of values
/// @param where GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.mul.html
template <class T>
void multiply(const T* a, const T* b, T* out, std::size_t n, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief The threads per block of the per-channel reductions (a power of two).
inline constexpr unsigned kReductionThreads = 256;

/// @ingroup ch06
/// @brief \f$ \text{sums}_c = \sum_{n,h,w} x_{nchw} \f$ (task 6.2): one block per channel,
///        each thread adding a strided share into shared memory, then a tree reduction.
///        The twin of resnet::sum_along over axes 0, 2 and 3.
/// @param x     (N, C, HW) input
/// @param sums  (C) output
/// @param N     batch size
/// @param C     channels
/// @param HW    values per image and channel (H * W)
/// @param where GPU or host emulation (which runs the barrier phases one after the other)
/// @see https://pytorch.org/docs/stable/generated/torch.sum.html
template <class T>
void channel_sums(const T* x, T* sums, std::size_t N, std::size_t C, std::size_t HW, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief Per-channel mean and biased variance, as batch norm needs them in training:
///        \f$ \mu_c = \frac{1}{m} \sum_{n,h,w} x_{nchw} \f$,
///        \f$ \sigma^2_c = \frac{1}{m} \sum_{n,h,w} (x_{nchw} - \mu_c)^2 \f$ with m = N * HW
///        (two passes, as resnet::variance_along does, so no cancellation).
/// @param x        (N, C, HW) input
/// @param mean     (C) output
/// @param variance (C) output, biased (divided by m)
/// @param N        batch size
/// @param C        channels
/// @param HW       values per image and channel
/// @param where    GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.var_mean.html
template <class T>
void channel_mean_variance(const T* x, T* mean, T* variance, std::size_t N, std::size_t C, std::size_t HW,
                           Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief The arrays of one batch norm forward pass on the GPU (device pointers; host
///        pointers under host emulation). Sizes: x, y and x_hat have N C HW values, the
///        rest C.
template <class T>
struct BatchNormArrays {
  const T* x = nullptr;       ///< (N, C, HW) input
  const T* gamma = nullptr;   ///< (C) scale (PyTorch's `weight`)
  const T* beta = nullptr;    ///< (C) shift (PyTorch's `bias`)
  T* running_mean = nullptr;  ///< (C) updated in train mode, read in eval mode
  T* running_var = nullptr;   ///< (C) updated in train mode (unbiased), read in eval mode
  T* y = nullptr;             ///< (N, C, HW) output
  T* x_hat = nullptr;         ///< (N, C, HW) output: the normalised input, for the backward pass
  T* inverse_std = nullptr;   ///< (C) output: 1 / sqrt(variance + eps) used, for the backward pass
  T* mean = nullptr;          ///< (C) output: the mean used (the batch's or the running one)
  T* variance = nullptr;      ///< (C) scratch: the batch's biased variance (train mode)
};

/// @ingroup ch06
/// @brief Batch normalization, the twin of resnet::batchnorm2d_forward:
///        \f$ \hat{x} = (x - \mu_c) / \sqrt{\sigma^2_c + \epsilon} \f$, \f$ y = \gamma_c \hat{x} + \beta_c \f$,
///        with the batch's mean and biased variance (through channel_mean_variance) and a
///        running-statistics update in train mode, the running statistics in eval mode.
///
/// The update of the running mean \f$ \bar\mu_c \f$ and variance \f$ \bar\sigma^2_c \f$, with
/// M = N HW and m = momentum: \f$ \bar\mu_c \leftarrow (1 - m)\,\bar\mu_c + m\,\mu_c \f$ and
/// \f$ \bar\sigma^2_c \leftarrow (1 - m)\,\bar\sigma^2_c + m\,\sigma^2_c\,M / (M - 1) \f$.
/// Unlike the CPU op, this function does not check that M >= 2 in train mode: the caller must.
/// @param arrays   the arrays (see BatchNormArrays)
/// @param N        batch size
/// @param C        channels
/// @param HW       values per image and channel
/// @param training train mode (true) or eval mode
/// @param eps      added to the variance (PyTorch: 1e-5)
/// @param momentum weight of the batch in the running statistics (PyTorch: 0.1)
/// @param where    GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
template <class T>
void batchnorm2d_forward(const BatchNormArrays<T>& arrays, std::size_t N, std::size_t C, std::size_t HW, bool training,
                         double eps, double momentum, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief The gradients of batch norm with respect to x, gamma and beta, in the mode of the
///        forward pass: the twin of resnet::batchnorm2d_backward (same gradients; the
///        per-channel sums go through channel_sums). chapters/03_batchnorm/README.md, task
///        3.2, derives them.
/// @param dy          (N, C, HW) upstream gradient
/// @param x_hat       (N, C, HW) from the forward pass
/// @param gamma       (C) the scale used
/// @param inverse_std (C) from the forward pass
/// @param dx          (N, C, HW) output (also the scratch of the dgamma sum: must not be dy)
/// @param dgamma      (C) output
/// @param dbeta       (C) output
/// @param N           batch size
/// @param C           channels
/// @param HW          values per image and channel
/// @param training    whether the forward pass was in train mode
/// @param where       GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
template <class T>
void batchnorm2d_backward(const T* dy, const T* x_hat, const T* gamma, const T* inverse_std, T* dx, T* dgamma, T* dbeta,
                          std::size_t N, std::size_t C, std::size_t HW, bool training, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief The im2col matrix of a convolution's input (task 6.5), one thread per entry: the
///        same (C R S, N P Q) matrix as resnet::im2col, row (c R + r) S + s and column
///        (n P + p) Q + q holding the input value kernel entry (c, r, s) meets in window
///        (n, p, q), 0 where that position is in the padding.
/// @param x       (N, C, H, W) input
/// @param columns (C R S, N P Q) output
/// @param shape   the sizes, stride and padding
/// @param where   GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.nn.Unfold.html
template <class T>
void im2col(const T* x, T* columns, const WindowShape& shape, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief The inverse gather of im2col: \f$ x_{nchw} \f$ = the sum of every column entry that
///        im2col copied from (n, c, h, w); one thread per entry of x, so no two threads
///        write the same place and no atomics are needed. The twin of resnet::col2im.
/// @param columns (C R S, N P Q) input
/// @param x       (N, C, H, W) output, overwritten
/// @param shape   the sizes, stride and padding
/// @param where   GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.nn.Fold.html
template <class T>
void col2im(const T* columns, T* x, const WindowShape& shape, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief Global average pooling: \f$ y_{nc} = \frac{1}{HW} \sum_{h,w} x_{nchw} \f$, one
///        thread per (n, c). The twin of resnet::global_avg_pool2d_forward.
/// @param x     (N C, HW) input
/// @param y     (N C) output
/// @param NC    N times C
/// @param HW    values per image and channel
/// @param where GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.nn.AdaptiveAvgPool2d.html
template <class T>
void global_avg_pool2d_forward(const T* x, T* y, std::size_t NC, std::size_t HW, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief The gradient of global average pooling with respect to x, one thread per value
///        of dx. The twin of resnet::global_avg_pool2d_backward.
/// @param dy    (N C) upstream gradient
/// @param dx    (N C, HW) output
/// @param NC    N times C
/// @param HW    values per image and channel
/// @param where GPU or host emulation
template <class T>
void global_avg_pool2d_backward(const T* dy, T* dx, std::size_t NC, std::size_t HW, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief Max pooling, one thread per output: \f$ y_{ncpq} \f$ = the largest input of its
///        window (padding never wins, ties keep the first, a NaN wins), and argmax = h W + w
///        of that input. The twin of resnet::max_pool2d_forward.
/// @param x      (N, C, H, W) input
/// @param y      (N, C, P, Q) output
/// @param argmax (N, C, P, Q) where each maximum was, h W + w
/// @param shape  the sizes (K = C), stride and padding, from resnet::pool2d_shape
/// @param where  GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.nn.MaxPool2d.html
template <class T>
void max_pool2d_forward(const T* x, T* y, std::size_t* argmax, const WindowShape& shape, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief The gradient of max pooling with respect to x, one thread per input gathering
///        from the windows that contain it (no two threads write the same place, and the
///        result is identical to the CPU op's). The twin of resnet::max_pool2d_backward.
/// @param dy     (N, C, P, Q) upstream gradient
/// @param argmax (N, C, P, Q) from max_pool2d_forward
/// @param dx     (N, C, H, W) output
/// @param shape  as in the forward pass
/// @param where  GPU or host emulation
template <class T>
void max_pool2d_backward(const T* dy, const std::size_t* argmax, T* dx, const WindowShape& shape,
                         Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief Softmax cross-entropy, one thread per image:
///        \f$ p_{nk} = \operatorname{softmax}(z_n)_k \f$ and
///        \f$ \ell_n = -\log \operatorname{softmax}(z_n)_{y_n} \f$, computed so that it
///        stays finite for any logits (as resnet::log_softmax, task 1.6). The batch's loss
///        is the mean of the row losses \f$ \ell_n \f$. The twin of
///        resnet::cross_entropy_forward.
/// @param logits        (N, K) scores
/// @param labels        (N) classes, each in 0 ... K - 1 (checked by the caller)
/// @param probabilities (N, K) output, for the backward pass
/// @param row_losses    (N) output
/// @param N             images
/// @param K             classes
/// @param where         GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html
template <class T>
void cross_entropy_forward(const T* logits, const std::int64_t* labels, T* probabilities, T* row_losses, std::size_t N,
                           std::size_t K, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief The gradient of the mean loss with respect to the logits, times dloss, one thread
///        per entry. The twin of resnet::cross_entropy_backward (task 2.4 derives it).
/// @param dloss         the upstream gradient of the mean loss (1 for the final loss)
/// @param probabilities (N, K) from cross_entropy_forward
/// @param labels        (N) classes
/// @param dlogits       (N, K) output
/// @param N             images
/// @param K             classes
/// @param where         GPU or host emulation
template <class T>
void cross_entropy_backward(T dloss, const T* probabilities, const std::int64_t* labels, T* dlogits, std::size_t N,
                            std::size_t K, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief The hyper-parameters of one Adam step, as the kernel needs them.
struct AdamStep {
  double learning_rate = 1e-3;          ///< lr at this step
  double beta1 = 0.9;                   ///< decay of the mean of gradients
  double beta2 = 0.999;                 ///< decay of the mean of squared gradients
  double eps = 1e-8;                    ///< added to the denominator
  double weight_decay = 0.0;            ///< Adam: added to the gradient; AdamW: decoupled
  bool decoupled_weight_decay = false;  ///< true for AdamW
  std::int64_t step = 1;                ///< t, from 1
};

/// @ingroup ch06
/// @brief One Adam (or AdamW) update of `count` parameters, one thread per value, with the
///        arithmetic of resnet::adam_update (torch.optim.Adam's update, in its order of
///        operations, as a contract; task 7.2 derives why the corrections exist):
///        \f$ m \leftarrow \beta_1 m + (1 - \beta_1) g \f$, \f$ v \leftarrow \beta_2 v + (1 - \beta_2) g^2 \f$,
///        \f$ w \leftarrow w - \frac{\eta}{1 - \beta_1^t}
///        \cdot \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon} \f$,
///        where g is the gradient plus \f$ \lambda w \f$ (Adam), or the gradient alone after
///        \f$ w \leftarrow w (1 - \eta\lambda) \f$ (AdamW).
/// @param value      (count) parameters, updated
/// @param grad       (count) their gradients
/// @param exp_avg    (count) m, updated
/// @param exp_avg_sq (count) v, updated
/// @param count      number of values
/// @param step       the hyper-parameters and t
/// @param where      GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.optim.Adam.html
/// @see https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html
template <class T>
void adam_update(T* value, const T* grad, T* exp_avg, T* exp_avg_sq, std::size_t count, const AdamStep& step,
                 Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief The hyper-parameters of one SGD step, as the kernel needs them.
struct SgdStep {
  double learning_rate = 0.1;  ///< lr at this step
  double momentum = 0.0;       ///< 0 for plain gradient descent
  double dampening = 0.0;      ///< scales the new gradient in the momentum buffer by (1 - dampening)
  double weight_decay = 0.0;   ///< L2: adds weight_decay w to the gradient
  bool nesterov = false;       ///< Nesterov momentum
  bool first_step = false;     ///< the momentum buffer starts as the first gradient
};

/// @ingroup ch06
/// @brief One SGD update of `count` parameters, one thread per value, with the arithmetic
///        of resnet::sgd_update (torch.optim.SGD's): \f$ g = \nabla L + \lambda w \f$;
///        with momentum \f$ b \leftarrow \mu b + (1 - \tau) g \f$ (b = g on the first step) and
///        g = b, or \f$ g + \mu b \f$ for Nesterov; \f$ w \leftarrow w - \eta g \f$.
/// @param value           (count) parameters, updated
/// @param grad            (count) their gradients
/// @param momentum_buffer (count) b, updated (unused without momentum)
/// @param count           number of values
/// @param step            the hyper-parameters
/// @param where           GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.optim.SGD.html
template <class T>
void sgd_update(T* value, const T* grad, T* momentum_buffer, std::size_t count, const SgdStep& step,
                Launch where = Launch::gpu);

}  // namespace resnet::cuda
