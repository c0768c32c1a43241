#include "device_batches.hpp"

namespace resnet {

// The slots go back to the caching allocator, whose next user may write them on another
// stream: first let the kernels that read them finish.
DeviceBatches::~DeviceBatches() {
  try {
    if (uploader_) cuda::synchronize();
  } catch (...) {  // a kernel failure was reported where it happened
  }
}

Tensor<float, 4> DeviceBatches::upload(const Tensor<float, 4>& images) {
  if (!uploader_) {  // full batches of the first batch's image size
    const std::array<std::size_t, 4> shape{batch_size_, images.dim(1), images.dim(2), images.dim(3)};
    for (auto& slot : slots_) slot = Tensor<float, 4>::empty(shape, Device::cuda);
    uploader_ = std::make_unique<cuda::BatchUploader>(slots_[0].size() * sizeof(float));
  }
  if (images.shape() != slots_[0].shape()) return images.to(Device::cuda);
  Tensor<float, 4>& slot = slots_[uploader_->next_slot()];
  uploader_->upload(slot.device_data(), images.host().data(), images.size() * sizeof(float));
  return slot;  // the copy reads the slot before the next upload() may overwrite it
}

}  // namespace resnet
