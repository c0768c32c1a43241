// For the tests of chapter 6's GPU path: Device::cuda is the GPU when there is one, else
// the emulated device (device memory is host memory, kernels run under host emulation),
// for the lifetime of one object.
#pragma once

#include "resnet/cuda/memory.hpp"

namespace resnet::testing {

class DeviceForTest {
 public:
  DeviceForTest() : was_emulated_(cuda::is_emulated()) {
    if (!cuda::is_available()) cuda::use_emulated_device(true);
  }
  ~DeviceForTest() { cuda::use_emulated_device(was_emulated_); }
  DeviceForTest(const DeviceForTest&) = delete;
  DeviceForTest& operator=(const DeviceForTest&) = delete;

 private:
  bool was_emulated_;
};

}  // namespace resnet::testing
