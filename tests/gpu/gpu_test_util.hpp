// SPDX-License-Identifier: Apache-2.0
// Helpers for GPU tests: skip cleanly without a device; find the gpubench binary next to us.
#pragma once

#include <cuda_runtime_api.h>

#include <gtest/gtest.h>

#include <string>

#include <unistd.h>

namespace gpb::test {

/// True when a CUDA device can be used; tests call GPB_REQUIRE_GPU() first.
inline bool gpu_available() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

/// <build>/bench/gpubench, found from this executable's path (<build>/tests/gpu/...), so the
/// test also works when the build folder was moved to another machine.
inline std::string gpubench_path() {
  char buf[4096] = {};
  const ssize_t len = readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string self(buf, len > 0 ? static_cast<std::size_t>(len) : 0);
  const auto slash = self.rfind('/');
  return self.substr(0, slash) + "/../../bench/gpubench";
}

}  // namespace gpb::test

#define GPB_REQUIRE_GPU()                      \
  do {                                         \
    if (!::gpb::test::gpu_available()) {       \
      GTEST_SKIP() << "no usable CUDA device"; \
    }                                          \
  } while (0)
