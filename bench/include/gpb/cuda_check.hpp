// SPDX-License-Identifier: Apache-2.0
// Checked CUDA/cuBLAS calls (METHODOLOGY FH-1): every host API call goes through a macro that
// throws GpuError with "file:line: expr -> NAME(code): message"; the case wrapper records it.
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace gpb {

/// A failed CUDA/cuBLAS call. `sticky` errors poison the device (FH-1).
class GpuError : public std::runtime_error {
 public:
  GpuError(const std::string& what, std::string api, int code, std::string name, bool sticky)
      : std::runtime_error(what),
        api_(std::move(api)),
        code_(code),
        name_(std::move(name)),
        sticky_(sticky) {}
  const std::string& api() const noexcept { return api_; }
  int code() const noexcept { return code_; }
  const std::string& name() const noexcept { return name_; }
  bool sticky() const noexcept { return sticky_; }
  /// Out of memory: the case is skipped, not failed (FH-5).
  bool out_of_memory() const noexcept;

 private:
  std::string api_;
  int code_;
  std::string name_;
  bool sticky_;
};

/// True for errors after which the CUDA context is unusable (FH-1 list).
bool is_sticky(cudaError_t e) noexcept;

namespace detail {
[[noreturn]] void throw_cuda(cudaError_t e, const char* expr, const char* file, int line);
[[noreturn]] void throw_cublas(cublasStatus_t s, const char* expr, const char* file, int line);
/// For destructors: logs to stderr, never throws.
void log_cuda_noexcept(cudaError_t e, const char* expr, const char* file, int line) noexcept;
}  // namespace detail

}  // namespace gpb

#define GPB_CUDA_CHECK(expr)                                        \
  do {                                                              \
    const cudaError_t gpb_e_ = (expr);                              \
    if (gpb_e_ != cudaSuccess) {                                    \
      ::gpb::detail::throw_cuda(gpb_e_, #expr, __FILE__, __LINE__); \
    }                                                               \
  } while (0)
#define GPB_CUDA_CHECK_LAUNCH() GPB_CUDA_CHECK(cudaGetLastError())
#define GPB_CUDA_CHECK_NOEXCEPT(expr)                                      \
  do {                                                                     \
    const cudaError_t gpb_e_ = (expr);                                     \
    if (gpb_e_ != cudaSuccess) {                                           \
      ::gpb::detail::log_cuda_noexcept(gpb_e_, #expr, __FILE__, __LINE__); \
    }                                                                      \
  } while (0)
#define GPB_CUBLAS_CHECK(expr)                                        \
  do {                                                                \
    const cublasStatus_t gpb_s_ = (expr);                             \
    if (gpb_s_ != CUBLAS_STATUS_SUCCESS) {                            \
      ::gpb::detail::throw_cublas(gpb_s_, #expr, __FILE__, __LINE__); \
    }                                                                 \
  } while (0)
