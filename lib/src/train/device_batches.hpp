// Training batches on the GPU (chapter 6), for the Trainer: an internal header of lib/src/train.
#pragma once

#include <array>
#include <cstddef>
#include <memory>

#include "resnet/cuda/memory.hpp"
#include "resnet/tensor.hpp"

namespace resnet {

// Two device slots that a BatchUploader fills in turn, so that a batch travels while the GPU
// still computes on the one before. upload() returns the batch as a tensor of its own, copied
// on the device from the slot (a 1.5 MB copy per step of 128 images), so that the training
// step may keep or free it like any other tensor while the slot waits for the next upload.
// A batch of another shape (an epoch's last, smaller one) is copied on its own.
class DeviceBatches {
 public:
  explicit DeviceBatches(std::size_t batch_size) : batch_size_(batch_size) {}
  DeviceBatches(const DeviceBatches&) = delete;
  DeviceBatches& operator=(const DeviceBatches&) = delete;
  ~DeviceBatches();

  // images (B, 3, H, W) on the CPU -> the same on the GPU.
  Tensor<float, 4> upload(const Tensor<float, 4>& images);

 private:
  std::size_t batch_size_;
  std::unique_ptr<cuda::BatchUploader> uploader_;
  Tensor<float, 4> slots_[2];
};

}  // namespace resnet
