// SPDX-License-Identifier: Apache-2.0
#include <gpb/common/pattern.hpp>
#include <gpb/kernels/interconnect.cuh>

#include "current_device.cuh"

namespace gpb {
namespace {

constexpr int kCopyThreads = 512;
constexpr int kCopyBlocksPerSm = 4;  // enough loads in flight to cover a link's latency
constexpr int kCheckThreads = 256;

/// Blocks that fill every SM of the current device `per_sm` times over.
cudaError_t blocks_for_device(int per_sm, int& blocks) {
  int sms = 0;
  if (const cudaError_t e = current_device_sms(sms); e != cudaSuccess) {
    return e;
  }
  blocks = sms * per_sm;
  return cudaSuccess;
}

__global__ void __launch_bounds__(kCopyThreads)
    sm_copy_kernel(const uint4* __restrict__ src, uint4* __restrict__ dst, std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  // Four independent loads before their stores: more bytes in flight over a long-latency link.
  for (; i + 3 * stride < n; i += 4 * stride) {
    const uint4 a = src[i];
    const uint4 b = src[i + stride];
    const uint4 c = src[i + 2 * stride];
    const uint4 d = src[i + 3 * stride];
    dst[i] = a;
    dst[i + stride] = b;
    dst[i + 2 * stride] = c;
    dst[i + 3 * stride] = d;
  }
  for (; i < n; i += stride) {
    dst[i] = src[i];
  }
}

__global__ void pointer_chase_kernel(const std::uint32_t* chain,
                                     std::int64_t hops,
                                     std::uint32_t* end) {
  std::uint32_t at = 0;
  for (std::int64_t h = 0; h < hops; ++h) {
    at = __ldcv(chain + at);
  }
  *end = at;
}

__global__ void fill_pattern_kernel(std::uint32_t* p, std::size_t words, std::uint64_t seed) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < words;
       i += stride) {
    p[i] = pattern_word(seed, i);
  }
}

__global__ void fill_pattern_tail_kernel(unsigned char* p,
                                         std::size_t begin,
                                         std::size_t bytes,
                                         std::uint64_t seed) {
  for (std::size_t off = begin; off < bytes; ++off) {
    p[off] = pattern_byte(seed, off);
  }
}

__device__ void count_bad_bytes(std::uint32_t got,
                                std::uint32_t want,
                                std::size_t offset,
                                PatternCounts* counts) {
  const std::uint32_t diff = got ^ want;
  unsigned bad = 0;
  unsigned first = 4;
  for (unsigned b = 0; b < 4; ++b) {
    if (((diff >> (8 * b)) & 0xffu) != 0) {
      ++bad;
      first = first < b ? first : b;
    }
  }
  atomicAdd(&counts->mismatched_bytes, static_cast<unsigned long long>(bad));
  atomicMin(&counts->first_mismatch, static_cast<unsigned long long>(offset + first));
}

__global__ void check_pattern_kernel(const std::uint32_t* p,
                                     std::size_t words,
                                     std::size_t bytes,
                                     std::uint64_t seed,
                                     PatternCounts* counts) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t tid = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (std::size_t i = tid; i < words; i += stride) {
    const std::uint32_t want = pattern_word(seed, i);
    if (p[i] != want) {
      count_bad_bytes(p[i], want, 4 * i, counts);
    }
  }
  if (tid == 0) {  // the last bytes that do not fill a word
    const auto* bytes_p = reinterpret_cast<const unsigned char*>(p);
    for (std::size_t off = 4 * words; off < bytes; ++off) {
      if (bytes_p[off] != pattern_byte(seed, off)) {
        atomicAdd(&counts->mismatched_bytes, 1ull);
        atomicMin(&counts->first_mismatch, static_cast<unsigned long long>(off));
      }
    }
  }
}

}  // namespace

cudaError_t launch_sm_copy(const void* src, void* dst, std::size_t bytes, cudaStream_t stream) {
  if (bytes % 16 != 0 || reinterpret_cast<std::uintptr_t>(src) % 16 != 0 ||
      reinterpret_cast<std::uintptr_t>(dst) % 16 != 0) {
    return cudaErrorInvalidValue;
  }
  int blocks = 0;
  if (const cudaError_t e = blocks_for_device(kCopyBlocksPerSm, blocks); e != cudaSuccess) {
    return e;
  }
  sm_copy_kernel<<<blocks, kCopyThreads, 0, stream>>>(
      static_cast<const uint4*>(src), static_cast<uint4*>(dst), bytes / 16);
  return cudaGetLastError();
}

cudaError_t launch_pointer_chase(const std::uint32_t* chain,
                                 std::int64_t hops,
                                 std::uint32_t* end,
                                 cudaStream_t stream) {
  if (hops < 0) {
    return cudaErrorInvalidValue;
  }
  pointer_chase_kernel<<<1, 1, 0, stream>>>(chain, hops, end);
  return cudaGetLastError();
}

cudaError_t launch_fill_pattern(void* p,
                                std::size_t bytes,
                                std::uint64_t seed,
                                cudaStream_t stream) {
  if (reinterpret_cast<std::uintptr_t>(p) % 4 != 0) {
    return cudaErrorInvalidValue;
  }
  int blocks = 0;
  if (const cudaError_t e = blocks_for_device(2, blocks); e != cudaSuccess) {
    return e;
  }
  const std::size_t words = bytes / 4;
  if (words > 0) {
    fill_pattern_kernel<<<blocks, kCheckThreads, 0, stream>>>(
        static_cast<std::uint32_t*>(p), words, seed);
  }
  if (bytes % 4 != 0) {
    fill_pattern_tail_kernel<<<1, 1, 0, stream>>>(
        static_cast<unsigned char*>(p), 4 * words, bytes, seed);
  }
  return cudaGetLastError();
}

cudaError_t launch_check_pattern(const void* p,
                                 std::size_t bytes,
                                 std::uint64_t seed,
                                 PatternCounts* counts,
                                 cudaStream_t stream) {
  if (reinterpret_cast<std::uintptr_t>(p) % 4 != 0) {
    return cudaErrorInvalidValue;
  }
  const PatternCounts fresh{0ull, ~0ull};
  if (const cudaError_t e =
          cudaMemcpyAsync(counts, &fresh, sizeof fresh, cudaMemcpyHostToDevice, stream);
      e != cudaSuccess) {
    return e;
  }
  // The copy above reads `fresh` from the stack: wait for it before returning.
  if (const cudaError_t e = cudaStreamSynchronize(stream); e != cudaSuccess) {
    return e;
  }
  int blocks = 0;
  if (const cudaError_t e = blocks_for_device(2, blocks); e != cudaSuccess) {
    return e;
  }
  check_pattern_kernel<<<blocks, kCheckThreads, 0, stream>>>(
      static_cast<const std::uint32_t*>(p), bytes / 4, bytes, seed, counts);
  return cudaGetLastError();
}

}  // namespace gpb
