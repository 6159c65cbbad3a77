// SPDX-License-Identifier: Apache-2.0
// Seeded operand fills and the sampled fp64 GEMM reference (METHODOLOGY MR-9, MR-10).
// Reference: for sampled (i,j), ref = scale * sum_k X[i*K+k] * W[j*K+k] accumulated in double
// from the very device values the GEMM read (row-major X[M,K], W[N,K], C[M,N]).
#include <gpb/common/fill_hash.hpp>
#include <gpb/kernels/fill.cuh>
#include <gpb/kernels/gemm.cuh>

#include <cmath>

namespace gpb {
namespace {

constexpr int kThreads = 256;

__device__ inline float uniform_pm1(std::uint64_t seed, std::uint64_t i) {
  // 24 random bits -> [0,1) exactly in float, then [-1, 1).
  const float u = static_cast<float>(hash64(seed, i) >> 40) * (1.0f / 16777216.0f);
  return 2.0f * u - 1.0f;
}

template <class T>
__device__ inline T from_uniform(std::uint64_t seed, std::uint64_t i) {
  return T(uniform_pm1(seed, i));
}
template <>
__device__ inline double from_uniform<double>(std::uint64_t seed, std::uint64_t i) {
  const double u = static_cast<double>(hash64(seed, i) >> 11) * (1.0 / 9007199254740992.0);
  return 2.0 * u - 1.0;
}
template <>
__device__ inline __half from_uniform<__half>(std::uint64_t seed, std::uint64_t i) {
  return __float2half_rn(uniform_pm1(seed, i));
}
template <>
__device__ inline __nv_bfloat16 from_uniform<__nv_bfloat16>(std::uint64_t seed, std::uint64_t i) {
  return __float2bfloat16_rn(uniform_pm1(seed, i));
}
template <>
__device__ inline __nv_fp8_e4m3 from_uniform<__nv_fp8_e4m3>(std::uint64_t seed, std::uint64_t i) {
  return __nv_fp8_e4m3(uniform_pm1(seed, i));  // round to nearest, saturating
}
template <>
__device__ inline std::int8_t from_uniform<std::int8_t>(std::uint64_t seed, std::uint64_t i) {
  return static_cast<std::int8_t>(static_cast<int>(hash64(seed, i) % 17u) - 8);  // [-8, 8]
}

template <class T>
__global__ void fill_uniform_kernel(T* p, std::size_t n, std::uint64_t seed) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    p[i] = from_uniform<T>(seed, i);
  }
}

__device__ inline double to_double(double v) {
  return v;
}
__device__ inline double to_double(float v) {
  return static_cast<double>(v);
}
__device__ inline double to_double(__half v) {
  return static_cast<double>(__half2float(v));
}
__device__ inline double to_double(__nv_bfloat16 v) {
  return static_cast<double>(__bfloat162float(v));
}
__device__ inline double to_double(__nv_fp8_e4m3 v) {
  return static_cast<double>(float(v));
}
__device__ inline double to_double(std::int8_t v) {
  return static_cast<double>(v);
}
__device__ inline double to_double(std::int32_t v) {
  return static_cast<double>(v);
}

template <class TIn, class TOut>
__global__ void gemm_reference_kernel(const TIn* x,
                                      const TIn* w,
                                      const TOut* c,
                                      std::int64_t m,
                                      std::int64_t n,
                                      std::int64_t k,
                                      double scale,
                                      std::uint64_t seed,
                                      int samples,
                                      GemmRefSample* out) {
  const int s = static_cast<int>(blockIdx.x) * blockDim.x + static_cast<int>(threadIdx.x);
  if (s >= samples) {
    return;
  }
  std::int64_t i = 0;
  std::int64_t j = 0;
  if (s == 1) {  // the last tile's corner: edge handling bugs show here
    i = m - 1;
    j = n - 1;
  } else if (s > 1) {
    const auto us = static_cast<std::uint64_t>(s);
    i = static_cast<std::int64_t>(hash64(seed, 2 * us) % static_cast<std::uint64_t>(m));
    j = static_cast<std::int64_t>(hash64(seed, 2 * us + 1) % static_cast<std::uint64_t>(n));
  }
  const TIn* xr = x + i * k;  // row i of X[M,K]
  const TIn* wr = w + j * k;  // row j of W[N,K] = column j of B = W^T
  double sum = 0;
  double abs_sum = 0;
  for (std::int64_t kk = 0; kk < k; ++kk) {
    const double prod = to_double(xr[kk]) * to_double(wr[kk]);
    sum += prod;
    abs_sum += fabs(prod);
  }
  GemmRefSample r;
  r.got = to_double(c[i * n + j]);  // C[M,N] row-major
  r.ref = scale * sum;
  r.abs_ref = fabs(scale) * abs_sum;
  r.i = i;
  r.j = j;
  out[s] = r;
}

}  // namespace

template <class T>
cudaError_t launch_fill_uniform(T* p, std::size_t n, std::uint64_t seed, cudaStream_t stream) {
  if (n == 0) {
    return cudaSuccess;
  }
  const std::size_t wanted = (n + kThreads - 1) / kThreads;
  const unsigned blocks = static_cast<unsigned>(wanted < 65536 ? wanted : 65536);
  fill_uniform_kernel<T><<<blocks, kThreads, 0, stream>>>(p, n, seed);
  return cudaGetLastError();
}

template <class TIn, class TOut>
cudaError_t launch_gemm_reference(const TIn* x,
                                  const TIn* w,
                                  const TOut* c,
                                  std::int64_t m,
                                  std::int64_t n,
                                  std::int64_t k,
                                  double scale,
                                  std::uint64_t seed,
                                  int samples,
                                  GemmRefSample* out,
                                  cudaStream_t stream) {
  if (samples <= 0 || m <= 0 || n <= 0 || k <= 0) {
    return cudaErrorInvalidValue;
  }
  const unsigned blocks = static_cast<unsigned>((samples + kThreads - 1) / kThreads);
  gemm_reference_kernel<TIn, TOut>
      <<<blocks, kThreads, 0, stream>>>(x, w, c, m, n, k, scale, seed, samples, out);
  return cudaGetLastError();
}

template cudaError_t launch_fill_uniform<double>(double*, std::size_t, std::uint64_t, cudaStream_t);
template cudaError_t launch_fill_uniform<float>(float*, std::size_t, std::uint64_t, cudaStream_t);
template cudaError_t launch_fill_uniform<__half>(__half*, std::size_t, std::uint64_t, cudaStream_t);
template cudaError_t launch_fill_uniform<__nv_bfloat16>(__nv_bfloat16*,
                                                        std::size_t,
                                                        std::uint64_t,
                                                        cudaStream_t);
template cudaError_t launch_fill_uniform<__nv_fp8_e4m3>(__nv_fp8_e4m3*,
                                                        std::size_t,
                                                        std::uint64_t,
                                                        cudaStream_t);
template cudaError_t launch_fill_uniform<std::int8_t>(std::int8_t*,
                                                      std::size_t,
                                                      std::uint64_t,
                                                      cudaStream_t);

#define GPB_INSTANTIATE_REF(TIN, TOUT)                                  \
  template cudaError_t launch_gemm_reference<TIN, TOUT>(const TIN*,     \
                                                        const TIN*,     \
                                                        const TOUT*,    \
                                                        std::int64_t,   \
                                                        std::int64_t,   \
                                                        std::int64_t,   \
                                                        double,         \
                                                        std::uint64_t,  \
                                                        int,            \
                                                        GemmRefSample*, \
                                                        cudaStream_t);
GPB_INSTANTIATE_REF(double, double)
GPB_INSTANTIATE_REF(float, float)
GPB_INSTANTIATE_REF(__half, __half)
GPB_INSTANTIATE_REF(__nv_bfloat16, __nv_bfloat16)
GPB_INSTANTIATE_REF(__nv_fp8_e4m3, __nv_bfloat16)
GPB_INSTANTIATE_REF(std::int8_t, std::int32_t)
#undef GPB_INSTANTIATE_REF

}  // namespace gpb
