// The GPU twin of chapter 2's convolution: im2col (task 6.5), a GEMM from the ladder of
// tasks 6.3-6.4, and the reshuffles between the two layouts. The shapes, with
// CRS = C R S and NPQ = N P Q:
//   forward:  columns (CRS, NPQ) = im2col(x)
//             product (K, NPQ)   = weight (K, CRS) columns
//             y[n, k, p, q]      = product[k, (n P + p) Q + q] + bias[k]
//   backward: dy_matrix (K, NPQ) = dy rearranged from (N, K, PQ) to (K, N, PQ)
//             dbias[k]           = sum of dy over n, p, q  (a per-channel sum of dy)
//             dweight (K, CRS)   = dy_matrix columns^T
//             dcolumns (CRS, NPQ) = weight^T dy_matrix;  dx = col2im(dcolumns)
// The GEMM only computes C = A B, so the two transposes are written out first.
#include "resnet/cuda/conv2d.hpp"

#include "resnet/cuda/kernels.hpp"

namespace resnet::cuda {

void transpose(const float* a, float* a_transposed, std::size_t rows, std::size_t columns, Launch where) {
  const std::size_t values = rows * columns;
  if (values == 0) return;
  // One thread per entry of the result, so the writes are coalesced (the reads are strided).
  const Index32 rows32 = index32(rows, "transpose");
  index32(values, "transpose");
  launch("transpose", grid_1d(values), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    if (t.global_x() >= values) return;
    const Index32 e = static_cast<Index32>(t.global_x());
    const Index32 j = e / rows32, i = e % rows32;  // a_transposed[j, i] = a[i, j]
    a_transposed[e] = a[static_cast<std::size_t>(i) * columns + j];
  });
}

namespace {

// out[b, a, i] = in[a, b, i] for in of shape (A, B, inner): swaps the two outer axes.
void swap_outer_axes(const char* kernel, const float* in, float* out, std::size_t A, std::size_t B, std::size_t inner,
                     Launch where) {
  const std::size_t values = A * B * inner;
  if (values == 0) return;
  const Index32 inner32 = index32(inner, kernel), A32 = index32(A, kernel), B32 = index32(B, kernel);
  index32(values, kernel);
  launch(kernel, grid_1d(values), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    if (t.global_x() >= values) return;
    const Index32 e = static_cast<Index32>(t.global_x());
    const Index32 i = e % inner32, a = e / inner32 % A32, b = e / (inner32 * A32);
    out[e] = in[(a * B32 + b) * inner32 + i];
  });
}

}  // namespace

std::size_t Conv2dWorkspace::values_needed(const WindowShape& s) {
  const std::size_t CRS = s.C * s.R * s.S, NPQ = s.N * s.P * s.Q;
  // backward: dy_matrix (K NPQ) + columns^T (NPQ CRS) + weight^T (CRS K) + dcolumns (CRS NPQ);
  // the forward pass needs only the product (K NPQ), which fits in the same space.
  return s.K * NPQ + NPQ * CRS + CRS * s.K + CRS * NPQ;
}

void im2col_gemm_forward(const float* x, const float* weight, const float* bias, float* y, float* columns,
                         float* workspace, const WindowShape& s, GemmKernel kernel, Launch where) {
  const std::size_t CRS = s.C * s.R * s.S, NPQ = s.N * s.P * s.Q, PQ = s.P * s.Q;
  if (s.K * NPQ == 0) return;
  im2col(x, columns, s, where);
  float* product = workspace;  // (K, NPQ)
  gemm(kernel, weight, columns, product, s.K, NPQ, CRS, where);
  // (K, N, PQ) -> (N, K, PQ), adding the bias on the way.
  const std::size_t values = s.N * s.K * PQ;
  const Index32 PQ32 = index32(PQ, "conv2d_output_layout"), K32 = index32(s.K, "conv2d_output_layout");
  index32(values, "conv2d_output_layout");
  launch("conv2d_output_layout", grid_1d(values), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    if (t.global_x() >= values) return;
    const Index32 e = static_cast<Index32>(t.global_x());
    const Index32 pq = e % PQ32, k = e / PQ32 % K32, n = e / (PQ32 * K32);
    const float value = product[k * NPQ + n * PQ32 + pq];
    y[e] = bias != nullptr ? value + bias[k] : value;
  });
}

void im2col_gemm_backward(const float* dy, const float* weight, const float* columns, float* dx, float* dweight,
                          float* dbias, float* workspace, const WindowShape& s, GemmKernel kernel, Launch where) {
  const std::size_t CRS = s.C * s.R * s.S, NPQ = s.N * s.P * s.Q, PQ = s.P * s.Q;
  float* dy_matrix = workspace;                                             // (K, NPQ)
  float* columns_transposed = dy_matrix + s.K * NPQ;                        // (NPQ, CRS)
  float* weight_transposed = columns_transposed + NPQ * CRS;                // (CRS, K)
  float* dcolumns = weight_transposed + CRS * s.K;                          // (CRS, NPQ)
  swap_outer_axes("conv2d_dy_matrix", dy, dy_matrix, s.N, s.K, PQ, where);  // (N, K, PQ) -> (K, N, PQ)
  if (dbias != nullptr) channel_sums(dy, dbias, s.N, s.K, PQ, where);
  transpose(columns, columns_transposed, CRS, NPQ, where);
  gemm(kernel, dy_matrix, columns_transposed, dweight, s.K, CRS, NPQ, where);
  transpose(weight, weight_transposed, s.K, CRS, where);
  gemm(kernel, weight_transposed, dy_matrix, dcolumns, CRS, NPQ, s.K, where);
  col2im(dcolumns, dx, s, where);
}

}  // namespace resnet::cuda
