// SPDX-License-Identifier: Apache-2.0
// The one mapping from a GEMM dtype to cuBLASLt's types (A/B, C/D, compute, scale) and the
// alpha = 1 / beta = 0 scalars in each scale type; shared by the gemm cases and the GPU tests.
#pragma once

#include <gpb/models/gemm_model.hpp>

#include <cublasLt.h>

#include <cstdint>

namespace gpb {

struct LtTypes {
  cudaDataType_t ab;  ///< A and B element type
  cudaDataType_t cd;  ///< C and D element type
  cublasComputeType_t compute;
  cudaDataType_t scale;  ///< alpha/beta type
};

inline LtTypes lt_types(GemmDtype d) {
  switch (d) {
    case GemmDtype::fp64:
      return {CUDA_R_64F, CUDA_R_64F, CUBLAS_COMPUTE_64F, CUDA_R_64F};
    case GemmDtype::fp32:
      return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F, CUDA_R_32F};  // no TF32
    case GemmDtype::tf32:
      return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32, CUDA_R_32F};
    case GemmDtype::fp16:
      return {CUDA_R_16F, CUDA_R_16F, CUBLAS_COMPUTE_32F, CUDA_R_32F};
    case GemmDtype::bf16:
      return {CUDA_R_16BF, CUDA_R_16BF, CUBLAS_COMPUTE_32F, CUDA_R_32F};
    case GemmDtype::fp8_e4m3:
      return {CUDA_R_8F_E4M3, CUDA_R_16BF, CUBLAS_COMPUTE_32F, CUDA_R_32F};
    case GemmDtype::int8:
      return {CUDA_R_8I, CUDA_R_32I, CUBLAS_COMPUTE_32I, CUDA_R_32I};
  }
  return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F, CUDA_R_32F};
}

/// alpha = 1, beta = 0 in the scale type (host pointer mode, the default).
struct Scalars {
  double d[2] = {1.0, 0.0};
  float f[2] = {1.0f, 0.0f};
  std::int32_t i[2] = {1, 0};
  const void* alpha(cudaDataType_t t) const { return pick(t, 0); }
  const void* beta(cudaDataType_t t) const { return pick(t, 1); }

 private:
  const void* pick(cudaDataType_t t, int which) const {
    if (t == CUDA_R_64F) {
      return &d[which];
    }
    return t == CUDA_R_32I ? static_cast<const void*>(&i[which])
                           : static_cast<const void*>(&f[which]);
  }
};

}  // namespace gpb
