/// @file
/// @brief Keeping freed memory in the process, so that the next training step reuses it.
#pragma once

namespace resnet {

/// @ingroup core
/// @brief Asks the C library to keep freed memory for reuse instead of handing it back to
///        the kernel; call it once at the start of a training or inference program.
///
/// Every op returns fresh tensors, and one ResNet-34 step at batch 128 allocates tens of
/// gigabytes in blocks of up to ~300 MB (im2col's columns, activations and their copies in
/// the caches). glibc serves every block over 32 MiB with its own mmap and unmaps it when
/// it is freed, so the next step gets brand-new pages that the kernel must fault in and
/// zero one 4 KiB page at a time: measured in bench/results/resnet34.md, that took 40% of
/// an inference pass. With this call, large blocks come from the heap like small ones and
/// freed ones stay there, so from the second step on the same memory is reused. The peak
/// resident memory stays about the same; it is simply not returned between steps.
///
/// Only glibc has these settings (`mallopt`); elsewhere this does nothing.
/// @returns true when the settings were applied
bool keep_freed_memory();

}  // namespace resnet
