// SPDX-License-Identifier: Apache-2.0
// BabelStream kernels (copy, mul, add, triad, dot) for device memory bandwidth.
// Grid-stride loops over 16-byte vectors with a resident grid; bytes per pass are
// weight * sizeof(T) * n (METHODOLOGY §2.3), computed by the harness, not here.
#include <gpb/fill_hash.hpp>
#include <gpb/kernels.cuh>

namespace gpb {
namespace {

template <class T>
struct Vec;
template <>
struct Vec<float> {
  using type = float4;
  static constexpr int width = 4;
};
template <>
struct Vec<double> {
  using type = double2;
  static constexpr int width = 2;
};

__device__ inline float4 fma_vec(float4 b, float s, float4 c) {
  return make_float4(b.x + s * c.x, b.y + s * c.y, b.z + s * c.z, b.w + s * c.w);
}
__device__ inline double2 fma_vec(double2 b, double s, double2 c) {
  return make_double2(b.x + s * c.x, b.y + s * c.y);
}
__device__ inline float4 mul_vec(float s, float4 c) {
  return make_float4(s * c.x, s * c.y, s * c.z, s * c.w);
}
__device__ inline double2 mul_vec(double s, double2 c) { return make_double2(s * c.x, s * c.y); }
__device__ inline float4 add_vec(float4 a, float4 b) {
  return make_float4(a.x + b.x, a.y + b.y, a.z + b.z, a.w + b.w);
}
__device__ inline double2 add_vec(double2 a, double2 b) { return make_double2(a.x + b.x, a.y + b.y); }
__device__ inline float dot_vec(float4 a, float4 b) {
  return a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
}
__device__ inline double dot_vec(double2 a, double2 b) { return a.x * b.x + a.y * b.y; }

// Pass p starts each thread at a rotated index, so consecutive passes touch different
// addresses per thread and the compiler cannot merge them (the arrays may alias).
__device__ inline std::size_t rotate(std::size_t i, std::size_t shift, std::size_t nv) {
  const std::size_t j = i + shift;
  return j >= nv ? j - nv : j;
}

template <class T>
__global__ void copy_kernel(const typename Vec<T>::type* __restrict__ a, typename Vec<T>::type* c,
                            std::size_t nv, int passes) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (int p = 0; p < passes; ++p) {
    const std::size_t shift = (static_cast<std::size_t>(p) * 977u * blockDim.x) % nv;
    for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < nv; i += stride) {
      const std::size_t j = rotate(i, shift, nv);
      c[j] = a[j];
    }
  }
}

template <class T>
__global__ void mul_kernel(typename Vec<T>::type* b, const typename Vec<T>::type* __restrict__ c,
                           T s, std::size_t nv, int passes) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (int p = 0; p < passes; ++p) {
    const std::size_t shift = (static_cast<std::size_t>(p) * 977u * blockDim.x) % nv;
    for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < nv; i += stride) {
      const std::size_t j = rotate(i, shift, nv);
      b[j] = mul_vec(s, c[j]);
    }
  }
}

template <class T>
__global__ void add_kernel(const typename Vec<T>::type* __restrict__ a,
                           const typename Vec<T>::type* __restrict__ b, typename Vec<T>::type* c,
                           std::size_t nv, int passes) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (int p = 0; p < passes; ++p) {
    const std::size_t shift = (static_cast<std::size_t>(p) * 977u * blockDim.x) % nv;
    for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < nv; i += stride) {
      const std::size_t j = rotate(i, shift, nv);
      c[j] = add_vec(a[j], b[j]);
    }
  }
}

template <class T>
__global__ void triad_kernel(typename Vec<T>::type* a, const typename Vec<T>::type* __restrict__ b,
                             const typename Vec<T>::type* __restrict__ c, T s, std::size_t nv,
                             int passes) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (int p = 0; p < passes; ++p) {
    const std::size_t shift = (static_cast<std::size_t>(p) * 977u * blockDim.x) % nv;
    for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < nv; i += stride) {
      const std::size_t j = rotate(i, shift, nv);
      a[j] = fma_vec(b[j], s, c[j]);
    }
  }
}

constexpr int kDotThreads = 256;

template <class T>
__global__ void dot_kernel(const typename Vec<T>::type* __restrict__ a,
                           const typename Vec<T>::type* __restrict__ b, T* partials,
                           std::size_t nv, int passes) {
  __shared__ T sums[kDotThreads];
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  T sum = 0;
  for (int p = 0; p < passes; ++p) {
    const std::size_t shift = (static_cast<std::size_t>(p) * 977u * blockDim.x) % nv;
    for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < nv; i += stride) {
      const std::size_t j = rotate(i, shift, nv);
      sum += dot_vec(a[j], b[j]);
    }
  }
  sums[threadIdx.x] = sum;
  for (int offset = blockDim.x / 2; offset > 0; offset /= 2) {
    __syncthreads();
    if (threadIdx.x < offset) {
      sums[threadIdx.x] += sums[threadIdx.x + offset];
    }
  }
  if (threadIdx.x == 0) {
    partials[blockIdx.x] = sums[0];
  }
}

template <class T>
__global__ void fill_hash_kernel(T* a, std::size_t n, std::uint64_t seed, T lo) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    a[i] = hash_value(seed, i, lo);
  }
}

}  // namespace

template <class T>
cudaError_t stream_launch_config(int device, StreamLaunch* out) {
  int sms = 0;
  if (const cudaError_t e = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
      e != cudaSuccess) {
    return e;
  }
  int per_sm = 0;
  // The triad kernel is the heaviest of the set; its occupancy sizes the resident grid.
  if (const cudaError_t e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, triad_kernel<T>,
                                                                          kDotThreads, 0);
      e != cudaSuccess) {
    return e;
  }
  out->threads = kDotThreads;
  out->blocks = sms * (per_sm > 0 ? per_sm : 1);
  return cudaSuccess;
}

template <class T>
cudaError_t launch_stream(StreamOp op, T* a, T* b, T* c, T scalar, T* dot_partials, std::size_t n,
                          int passes, StreamLaunch cfg, cudaStream_t stream) {
  using V = typename Vec<T>::type;
  if (n % Vec<T>::width != 0 || cfg.blocks <= 0 || cfg.threads != kDotThreads || passes < 1) {
    return cudaErrorInvalidValue;
  }
  const std::size_t nv = n / Vec<T>::width;
  auto* va = reinterpret_cast<V*>(a);
  auto* vb = reinterpret_cast<V*>(b);
  auto* vc = reinterpret_cast<V*>(c);
  switch (op) {
    case StreamOp::copy:
      copy_kernel<T><<<cfg.blocks, cfg.threads, 0, stream>>>(va, vc, nv, passes);
      break;
    case StreamOp::mul:
      mul_kernel<T><<<cfg.blocks, cfg.threads, 0, stream>>>(vb, vc, scalar, nv, passes);
      break;
    case StreamOp::add:
      add_kernel<T><<<cfg.blocks, cfg.threads, 0, stream>>>(va, vb, vc, nv, passes);
      break;
    case StreamOp::triad:
      triad_kernel<T><<<cfg.blocks, cfg.threads, 0, stream>>>(va, vb, vc, scalar, nv, passes);
      break;
    case StreamOp::dot:
      dot_kernel<T><<<cfg.blocks, cfg.threads, 0, stream>>>(va, vb, dot_partials, nv, passes);
      break;
  }
  return cudaGetLastError();
}

template <class T>
cudaError_t launch_fill_hash(T* a, std::size_t n, std::uint64_t seed, T lo, cudaStream_t stream) {
  int device = 0;
  int sms = 0;
  if (const cudaError_t e = cudaGetDevice(&device); e != cudaSuccess) {
    return e;
  }
  if (const cudaError_t e = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
      e != cudaSuccess) {
    return e;
  }
  fill_hash_kernel<T><<<sms * 8, 256, 0, stream>>>(a, n, seed, lo);
  return cudaGetLastError();
}

template cudaError_t stream_launch_config<float>(int, StreamLaunch*);
template cudaError_t stream_launch_config<double>(int, StreamLaunch*);
template cudaError_t launch_stream<float>(StreamOp, float*, float*, float*, float, float*,
                                          std::size_t, int, StreamLaunch, cudaStream_t);
template cudaError_t launch_stream<double>(StreamOp, double*, double*, double*, double, double*,
                                           std::size_t, int, StreamLaunch, cudaStream_t);
template cudaError_t launch_fill_hash<float>(float*, std::size_t, std::uint64_t, float, cudaStream_t);
template cudaError_t launch_fill_hash<double>(double*, std::size_t, std::uint64_t, double,
                                              cudaStream_t);

}  // namespace gpb
