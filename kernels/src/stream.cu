// SPDX-License-Identifier: Apache-2.0
// BabelStream kernels (copy, mul, add, triad, dot) for device memory bandwidth.
// 16-byte vectors; the launcher's grid decides the layout: a resident grid strides through the
// arrays, a one-pass grid (stream_one_pass_blocks, the HBM default) gives every thread its own
// vectors and no loop. Bytes per pass are weight * sizeof(T) * n (METHODOLOGY §2.3), computed
// by the harness, not here.
#include <gpb/common/fill_hash.hpp>
#include <gpb/kernels/fill.cuh>
#include <gpb/kernels/stream.cuh>

#include <type_traits>

#include "current_device.cuh"

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
__device__ inline double2 mul_vec(double s, double2 c) {
  return make_double2(s * c.x, s * c.y);
}
__device__ inline float4 add_vec(float4 a, float4 b) {
  return make_float4(a.x + b.x, a.y + b.y, a.z + b.z, a.w + b.w);
}
__device__ inline double2 add_vec(double2 a, double2 b) {
  return make_double2(a.x + b.x, a.y + b.y);
}
__device__ inline float dot_vec(float4 a, float4 b) {
  return a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
}
__device__ inline double dot_vec(double2 a, double2 b) {
  return a.x * b.x + a.y * b.y;
}

// Pass p starts each thread at a rotated index, so consecutive passes touch different
// addresses per thread and the compiler cannot merge them (the arrays may alias).
__device__ inline std::size_t rotate(std::size_t i, std::size_t shift, std::size_t nv) {
  const std::size_t j = i + shift;
  return j >= nv ? j - nv : j;
}

// Loads and stores with the launch's cache hint (kernels/stream.cuh CacheHint).
#if __CUDA_ARCH__ >= 800
// The read-only path with a 256-byte L2 prefetch; PTX names the vector shape, hence two.
__device__ inline float4 load_prefetch(const float4* p) {
  float4 v;
  asm("ld.global.nc.L1::no_allocate.L2::256B.v4.f32 {%0, %1, %2, %3}, [%4];"
      : "=f"(v.x), "=f"(v.y), "=f"(v.z), "=f"(v.w)
      : "l"(p));
  return v;
}
__device__ inline double2 load_prefetch(const double2* p) {
  double2 v;
  asm("ld.global.nc.L1::no_allocate.L2::256B.v2.f64 {%0, %1}, [%2];"
      : "=d"(v.x), "=d"(v.y)
      : "l"(p));
  return v;
}
#endif
template <CacheHint H, class V>
__device__ inline V load(const V* p) {
  if constexpr (H == CacheHint::evict_first) {
    return __ldcs(p);
  } else if constexpr (H == CacheHint::prefetch) {
#if __CUDA_ARCH__ >= 800
    return load_prefetch(p);
#else
    return __ldg(p);
#endif
  } else {
    return *p;
  }
}
template <CacheHint H, class V>
__device__ inline void store(V* p, const V& v) {
  if constexpr (H == CacheHint::evict_first) {
    __stcs(p, v);
  } else {
    *p = v;
  }
}

template <class V>
struct Pair {
  V x, y;
};

// One functor per kernel: load() reads the inputs of vector j, store() writes the output.
template <class T, CacheHint S>
struct CopyOp {
  using V = typename Vec<T>::type;
  using In = V;
  const V* a;
  V* c;
  __device__ In load_in(std::size_t j) const { return load<S>(a + j); }
  __device__ void store_out(std::size_t j, const In& x) const { store<S>(c + j, x); }
};
template <class T, CacheHint S>
struct MulOp {
  using V = typename Vec<T>::type;
  using In = V;
  V* b;
  const V* c;
  T s;
  __device__ In load_in(std::size_t j) const { return load<S>(c + j); }
  __device__ void store_out(std::size_t j, const In& x) const { store<S>(b + j, mul_vec(s, x)); }
};
template <class T, CacheHint S>
struct AddOp {
  using V = typename Vec<T>::type;
  using In = Pair<V>;
  const V* a;
  const V* b;
  V* c;
  __device__ In load_in(std::size_t j) const { return {load<S>(a + j), load<S>(b + j)}; }
  __device__ void store_out(std::size_t j, const In& x) const {
    store<S>(c + j, add_vec(x.x, x.y));
  }
};
template <class T, CacheHint S>
struct TriadOp {
  using V = typename Vec<T>::type;
  using In = Pair<V>;
  V* a;
  const V* b;
  const V* c;
  T s;
  __device__ In load_in(std::size_t j) const { return {load<S>(b + j), load<S>(c + j)}; }
  __device__ void store_out(std::size_t j, const In& x) const {
    store<S>(a + j, fma_vec(x.x, s, x.y));
  }
};

// Two ways to hand vectors to threads; both issue U independent loads before the first store.
//  grid  (Tiled = false): thread t takes t, t + T, ..., t + (U-1) T (T = all threads), then
//        moves on by U*T: the whole grid sweeps the array together, loads and stores interleaved
//        finely across it.
//  tile  (Tiled = true): block b owns tiles of U*blockDim consecutive vectors and reads a whole
//        tile before writing it, so each DRAM page sees longer runs of one direction.
template <class Op, int U, bool Tiled>
__global__ void elementwise_kernel(Op op, std::size_t nv, int passes) {
  const std::size_t threads = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t step = Tiled ? blockDim.x : threads;
  const std::size_t first =
      Tiled ? blockIdx.x * static_cast<std::size_t>(U) * blockDim.x + threadIdx.x
            : blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  const std::size_t advance = threads * U;
  for (int p = 0; p < passes; ++p) {
    const std::size_t shift = (static_cast<std::size_t>(p) * 977u * blockDim.x) % nv;
    for (std::size_t i = first; i < nv; i += advance) {
      typename Op::In x[U];
#pragma unroll
      for (int u = 0; u < U; ++u) {
        const std::size_t k = i + u * step;
        if (k < nv) {
          x[u] = op.load_in(rotate(k, shift, nv));
        }
      }
#pragma unroll
      for (int u = 0; u < U; ++u) {
        const std::size_t k = i + u * step;
        if (k < nv) {
          op.store_out(rotate(k, shift, nv), x[u]);
        }
      }
    }
  }
}

constexpr int kDotThreads = 256;

template <class T, int U, CacheHint S>
__global__ void dot_kernel(const typename Vec<T>::type* __restrict__ a,
                           const typename Vec<T>::type* __restrict__ b,
                           T* partials,
                           std::size_t nv,
                           int passes) {
  __shared__ T sums[kDotThreads];
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t first = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  T acc[U] = {};
  for (int p = 0; p < passes; ++p) {
    const std::size_t shift = (static_cast<std::size_t>(p) * 977u * blockDim.x) % nv;
    for (std::size_t i = first; i < nv; i += stride * U) {
#pragma unroll
      for (int u = 0; u < U; ++u) {
        const std::size_t k = i + u * stride;
        if (k < nv) {
          const std::size_t j = rotate(k, shift, nv);
          acc[u] += dot_vec(load<S>(a + j), load<S>(b + j));
        }
      }
    }
  }
  T sum = 0;
#pragma unroll
  for (int u = 0; u < U; ++u) {
    sum += acc[u];
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
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += stride) {
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
  if (const cudaError_t e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(
          &per_sm, elementwise_kernel<TriadOp<T, CacheHint::plain>, 1, false>, kDotThreads, 0);
      e != cudaSuccess) {
    return e;
  }
  out->threads = kDotThreads;
  out->blocks = sms * (per_sm > 0 ? per_sm : 1);
  return cudaSuccess;
}

namespace {
template <class T, int U, CacheHint S, bool Tiled>
void launch_variant(StreamOp op,
                    T* a,
                    T* b,
                    T* c,
                    T scalar,
                    T* dot_partials,
                    std::size_t nv,
                    int passes,
                    StreamLaunch cfg,
                    cudaStream_t stream) {
  using V = typename Vec<T>::type;
  auto* va = reinterpret_cast<V*>(a);
  auto* vb = reinterpret_cast<V*>(b);
  auto* vc = reinterpret_cast<V*>(c);
  switch (op) {
    case StreamOp::copy:
      elementwise_kernel<CopyOp<T, S>, U, Tiled>
          <<<cfg.blocks, cfg.threads, 0, stream>>>(CopyOp<T, S>{va, vc}, nv, passes);
      break;
    case StreamOp::mul:
      elementwise_kernel<MulOp<T, S>, U, Tiled>
          <<<cfg.blocks, cfg.threads, 0, stream>>>(MulOp<T, S>{vb, vc, scalar}, nv, passes);
      break;
    case StreamOp::add:
      elementwise_kernel<AddOp<T, S>, U, Tiled>
          <<<cfg.blocks, cfg.threads, 0, stream>>>(AddOp<T, S>{va, vb, vc}, nv, passes);
      break;
    case StreamOp::triad:
      elementwise_kernel<TriadOp<T, S>, U, Tiled>
          <<<cfg.blocks, cfg.threads, 0, stream>>>(TriadOp<T, S>{va, vb, vc, scalar}, nv, passes);
      break;
    case StreamOp::dot:
      dot_kernel<T, U, S><<<cfg.blocks, cfg.threads, 0, stream>>>(va, vb, dot_partials, nv, passes);
      break;
  }
}
}  // namespace

template <class T>
cudaError_t launch_stream(StreamOp op,
                          T* a,
                          T* b,
                          T* c,
                          T scalar,
                          T* dot_partials,
                          std::size_t n,
                          int passes,
                          StreamLaunch cfg,
                          cudaStream_t stream) {
  if (n % Vec<T>::width != 0 || cfg.blocks <= 0 || cfg.threads != kDotThreads || passes < 1) {
    return cudaErrorInvalidValue;
  }
  const std::size_t nv = n / Vec<T>::width;
  if (cfg.hint != CacheHint::plain && cfg.tiled) {
    return cudaErrorInvalidValue;  // not a measured combination
  }
  const auto go = [&](auto unroll) {
    constexpr int U = decltype(unroll)::value;
    switch (cfg.hint) {
      case CacheHint::evict_first:
        launch_variant<T, U, CacheHint::evict_first, false>(
            op, a, b, c, scalar, dot_partials, nv, passes, cfg, stream);
        break;
      case CacheHint::prefetch:
        launch_variant<T, U, CacheHint::prefetch, false>(
            op, a, b, c, scalar, dot_partials, nv, passes, cfg, stream);
        break;
      case CacheHint::plain:
        if (cfg.tiled) {
          launch_variant<T, U, CacheHint::plain, true>(
              op, a, b, c, scalar, dot_partials, nv, passes, cfg, stream);
        } else {
          launch_variant<T, U, CacheHint::plain, false>(
              op, a, b, c, scalar, dot_partials, nv, passes, cfg, stream);
        }
        break;
    }
  };
  switch (cfg.unroll) {
    case 1:
      go(std::integral_constant<int, 1>{});
      break;
    case 2:
      go(std::integral_constant<int, 2>{});
      break;
    case 4:
      go(std::integral_constant<int, 4>{});
      break;
    case 8:
      go(std::integral_constant<int, 8>{});
      break;
    default:
      return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

template <class T>
cudaError_t launch_fill_hash(T* a, std::size_t n, std::uint64_t seed, T lo, cudaStream_t stream) {
  int sms = 0;
  if (const cudaError_t e = current_device_sms(sms); e != cudaSuccess) {
    return e;
  }
  fill_hash_kernel<T><<<sms * 8, 256, 0, stream>>>(a, n, seed, lo);
  return cudaGetLastError();
}

template cudaError_t stream_launch_config<float>(int, StreamLaunch*);
template cudaError_t stream_launch_config<double>(int, StreamLaunch*);
template cudaError_t launch_stream<float>(
    StreamOp, float*, float*, float*, float, float*, std::size_t, int, StreamLaunch, cudaStream_t);
template cudaError_t launch_stream<double>(StreamOp,
                                           double*,
                                           double*,
                                           double*,
                                           double,
                                           double*,
                                           std::size_t,
                                           int,
                                           StreamLaunch,
                                           cudaStream_t);
template cudaError_t launch_fill_hash<float>(
    float*, std::size_t, std::uint64_t, float, cudaStream_t);
template cudaError_t launch_fill_hash<double>(
    double*, std::size_t, std::uint64_t, double, cudaStream_t);

}  // namespace gpb
