// SPDX-License-Identifier: Apache-2.0
// Move-only owners of CUDA resources (DESIGN §9 RAII). Creation failures throw; destruction
// logs and never throws. No bare cudaMalloc/cudaStreamCreate/... outside this file.
#pragma once

#include <gpb/common/units.hpp>
#include <gpb/cuda_check.hpp>

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>

namespace gpb {

template <class Handle, class Deleter>
class UniqueHandle {
 public:
  UniqueHandle() noexcept = default;
  explicit UniqueHandle(Handle h) noexcept : handle_(h) {}
  UniqueHandle(UniqueHandle&& o) noexcept : handle_(std::exchange(o.handle_, Handle{})) {}
  UniqueHandle& operator=(UniqueHandle&& o) noexcept {
    if (this != &o) {
      reset();
      handle_ = std::exchange(o.handle_, Handle{});
    }
    return *this;
  }
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;
  ~UniqueHandle() { reset(); }
  Handle get() const noexcept { return handle_; }
  void reset() noexcept {
    if (handle_ != Handle{}) {
      Deleter{}(handle_);
      handle_ = Handle{};
    }
  }

 private:
  Handle handle_{};
};

struct StreamDeleter {
  void operator()(cudaStream_t s) const noexcept { GPB_CUDA_CHECK_NOEXCEPT(cudaStreamDestroy(s)); }
};
struct EventDeleter {
  void operator()(cudaEvent_t e) const noexcept { GPB_CUDA_CHECK_NOEXCEPT(cudaEventDestroy(e)); }
};
struct CublasLtDeleter {
  void operator()(cublasLtHandle_t h) const noexcept { cublasLtDestroy(h); }
};
using Stream = UniqueHandle<cudaStream_t, StreamDeleter>;
using Event = UniqueHandle<cudaEvent_t, EventDeleter>;
using CublasLtHandle = UniqueHandle<cublasLtHandle_t, CublasLtDeleter>;

inline Stream make_stream() {
  cudaStream_t s = nullptr;
  GPB_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  return Stream(s);
}
inline Event make_event() {
  cudaEvent_t e = nullptr;
  GPB_CUDA_CHECK(cudaEventCreate(&e));
  return Event(e);
}
inline CublasLtHandle make_cublaslt() {
  cublasLtHandle_t h = nullptr;
  GPB_CUBLAS_CHECK(cublasLtCreate(&h));
  return CublasLtHandle(h);
}

/// Makes `device` current and restores the previous device on every path.
class DeviceScope {
 public:
  explicit DeviceScope(int device) {
    GPB_CUDA_CHECK(cudaGetDevice(&previous_));
    GPB_CUDA_CHECK(cudaSetDevice(device));
  }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;
  ~DeviceScope() { GPB_CUDA_CHECK_NOEXCEPT(cudaSetDevice(previous_)); }

 private:
  int previous_ = 0;
};

/// Device allocation of `count` elements of T (checked size math, MR-14).
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() noexcept = default;
  /// Allocates on the current device, which is also where it is freed.
  explicit DeviceBuffer(std::size_t count) : count_(count) {
    if (count > 0) {
      GPB_CUDA_CHECK(cudaGetDevice(&device_));
      GPB_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&ptr_), checked_mul(count, sizeof(T))));
    }
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : ptr_(std::exchange(o.ptr_, nullptr)),
        count_(std::exchange(o.count_, 0)),
        device_(o.device_) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = std::exchange(o.ptr_, nullptr);
      count_ = std::exchange(o.count_, 0);
      device_ = o.device_;
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { release(); }
  T* data() const noexcept { return ptr_; }
  std::size_t size() const noexcept { return count_; }
  std::size_t size_bytes() const noexcept { return count_ * sizeof(T); }

 private:
  /// Frees with the owning device current (a peer's buffer outlives the scope that made it),
  /// then restores the caller's device.
  void release() noexcept {
    if (ptr_ == nullptr) {
      return;
    }
    int current = device_;
    const bool switched = cudaGetDevice(&current) == cudaSuccess && current != device_ &&
                          cudaSetDevice(device_) == cudaSuccess;
    GPB_CUDA_CHECK_NOEXCEPT(cudaFree(ptr_));
    if (switched) {
      GPB_CUDA_CHECK_NOEXCEPT(cudaSetDevice(current));
    }
    ptr_ = nullptr;
  }
  T* ptr_ = nullptr;
  std::size_t count_ = 0;
  int device_ = 0;
};

/// Pinned, device-mapped host allocation (used by the launch gate's flag).
template <class T>
class PinnedBuffer {
 public:
  explicit PinnedBuffer(std::size_t count, unsigned flags = cudaHostAllocMapped) : count_(count) {
    GPB_CUDA_CHECK(
        cudaHostAlloc(reinterpret_cast<void**>(&ptr_), checked_mul(count, sizeof(T)), flags));
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  ~PinnedBuffer() {
    if (ptr_ != nullptr) {
      GPB_CUDA_CHECK_NOEXCEPT(cudaFreeHost(ptr_));
    }
  }
  T* data() const noexcept { return ptr_; }
  std::size_t size() const noexcept { return count_; }

 private:
  T* ptr_ = nullptr;
  std::size_t count_ = 0;
};

}  // namespace gpb
