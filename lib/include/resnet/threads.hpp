/// @file
/// @brief How many threads the framework's parallel parts use.
#pragma once

namespace resnet {

/// @ingroup core
/// @brief Sets the threads of both parallel parts: OpenMP (im2col, col2im, elementwise
///        loops) and OpenBLAS (the GEMMs). 0 leaves their defaults (one per core).
/// @param threads the thread count; 0 (or less) changes nothing
/// @see https://pytorch.org/docs/stable/generated/torch.set_num_threads.html
void set_thread_count(int threads);

/// @ingroup core
/// @brief The OpenMP thread count in effect.
/// @see https://pytorch.org/docs/stable/generated/torch.get_num_threads.html
int thread_count();

}  // namespace resnet
