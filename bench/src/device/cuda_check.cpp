// SPDX-License-Identifier: Apache-2.0
#include <gpb/cuda_check.hpp>

#include <cstdio>
#include <string>

namespace gpb {

bool is_sticky(cudaError_t e) noexcept {
  switch (e) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorECCUncorrectable:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidPc:
    case cudaErrorLaunchTimeout:
    case cudaErrorAssert:
      return true;
    default:
      return false;
  }
}

bool GpuError::out_of_memory() const noexcept {
  return (api_ == "cuda" && code_ == static_cast<int>(cudaErrorMemoryAllocation)) ||
         (api_ == "cublas" && code_ == static_cast<int>(CUBLAS_STATUS_ALLOC_FAILED));
}

namespace detail {

void throw_cuda(cudaError_t e, const char* expr, const char* file, int line) {
  const std::string name = cudaGetErrorName(e);
  const std::string what = std::string(file) + ":" + std::to_string(line) + ": " + expr + " -> " +
                           name + "(" + std::to_string(static_cast<int>(e)) +
                           "): " + cudaGetErrorString(e);
  // Clear a non-sticky error so the next call on this device does not report it again.
  if (!is_sticky(e)) {
    (void)cudaGetLastError();
  }
  throw GpuError(what, "cuda", static_cast<int>(e), name, is_sticky(e));
}

void throw_cublas(cublasStatus_t s, const char* expr, const char* file, int line) {
  const std::string name = cublasGetStatusName(s);
  const std::string what = std::string(file) + ":" + std::to_string(line) + ": " + expr + " -> " +
                           name + "(" + std::to_string(static_cast<int>(s)) +
                           "): " + cublasGetStatusString(s);
  throw GpuError(what, "cublas", static_cast<int>(s), name, false);
}

void log_cuda_noexcept(cudaError_t e, const char* expr, const char* file, int line) noexcept {
  std::fprintf(stderr,
               "gpubench: %s:%d: %s -> %s(%d) (in cleanup)\n",
               file,
               line,
               expr,
               cudaGetErrorName(e),
               static_cast<int>(e));
}

}  // namespace detail
}  // namespace gpb
