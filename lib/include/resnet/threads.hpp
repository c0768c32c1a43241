/// @file
/// @brief How many threads the framework's parallel parts use.
#pragma once

namespace resnet {

/// @ingroup core
/// @brief Sets the threads of both parallel parts: OpenMP (im2col, col2im, elementwise
///        loops) and OpenBLAS (the GEMMs). 0 leaves their defaults (one per core).
void set_thread_count(int threads);

/// @ingroup core
/// @brief The OpenMP thread count in effect.
int thread_count();

}  // namespace resnet
