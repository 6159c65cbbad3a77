// SPDX-License-Identifier: Apache-2.0
// The sampled fp64 reference that verifies a GEMM (MR-10). Launchers return cudaError_t (no
// exceptions, no I/O in kernels/).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace gpb {

/// One sampled output element compared against fp64 (layout: see launch_gemm_reference).
struct GemmRefSample {
  double got;      ///< C[i,j] as produced by the GEMM under test
  double ref;      ///< scale * sum_k X[i,k] * W[j,k] in fp64
  double abs_ref;  ///< |scale| * sum_k |X[i,k]| * |W[j,k]|
  std::int64_t i, j;
};

/// Sampled reference for the row-major problem C[M,N] = X[M,K] @ W[N,K]^T (the nn.Linear
/// layout: X activations row-major [M,K], W weights row-major [N,K], C row-major [M,N]).
/// One thread per sample; sample s takes (0,0) for s = 0, (M-1,N-1) for s = 1, else
/// i = hash64(seed, 2s) % M, j = hash64(seed, 2s+1) % N. `scale` multiplies the reference
/// (fp8: a_scale * b_scale). Pairs (TIn, TOut): (double,double), (float,float),
/// (__half,__half), (__nv_bfloat16,__nv_bfloat16), (__nv_fp8_e4m3,__nv_bfloat16),
/// (int8_t,int32_t).
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
                                  cudaStream_t stream);

}  // namespace gpb
