// SPDX-License-Identifier: Apache-2.0
// The current device's SM count, for launchers that size their grid from it (kernels/ only).
#pragma once

#include <cuda_runtime_api.h>

namespace gpb {

/// SMs of the current device into `sms`.
inline cudaError_t current_device_sms(int& sms) {
  int device = 0;
  if (const cudaError_t e = cudaGetDevice(&device); e != cudaSuccess) {
    return e;
  }
  return cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
}

}  // namespace gpb
