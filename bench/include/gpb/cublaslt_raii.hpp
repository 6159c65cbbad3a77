// SPDX-License-Identifier: Apache-2.0
// Move-only owners of cuBLASLt descriptors (DESIGN §9 RAII): matmul descriptor, matrix layout
// and matmul preference. Creation failures throw GpuError; destruction never throws.
#pragma once

#include <gpb/cuda_check.hpp>
#include <gpb/cuda_raii.hpp>

#include <cublasLt.h>

#include <cstddef>
#include <cstdint>

namespace gpb {

struct MatmulDescDeleter {
  void operator()(cublasLtMatmulDesc_t d) const noexcept { cublasLtMatmulDescDestroy(d); }
};
struct MatrixLayoutDeleter {
  void operator()(cublasLtMatrixLayout_t l) const noexcept { cublasLtMatrixLayoutDestroy(l); }
};
struct MatmulPreferenceDeleter {
  void operator()(cublasLtMatmulPreference_t p) const noexcept {
    cublasLtMatmulPreferenceDestroy(p);
  }
};
using MatmulDesc = UniqueHandle<cublasLtMatmulDesc_t, MatmulDescDeleter>;
using MatrixLayout = UniqueHandle<cublasLtMatrixLayout_t, MatrixLayoutDeleter>;
using MatmulPreference = UniqueHandle<cublasLtMatmulPreference_t, MatmulPreferenceDeleter>;

/// cublasLtMatmulDescCreate(compute, scale type). Throws GpuError.
inline MatmulDesc make_matmul_desc(cublasComputeType_t compute, cudaDataType_t scale_type) {
  cublasLtMatmulDesc_t d = nullptr;
  GPB_CUBLAS_CHECK(cublasLtMatmulDescCreate(&d, compute, scale_type));
  return MatmulDesc(d);
}

/// Sets one matmul-descriptor attribute from a typed value (size taken from T).
template <class T>
void set_matmul_attr(const MatmulDesc& d, cublasLtMatmulDescAttributes_t attr, const T& value) {
  GPB_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(d.get(), attr, &value, sizeof(T)));
}

/// Column-major layout of the STORED matrix: `rows` x `cols`, leading dimension `ld` (>= rows).
inline MatrixLayout make_matrix_layout(cudaDataType_t type,
                                       std::uint64_t rows,
                                       std::uint64_t cols,
                                       std::int64_t ld) {
  cublasLtMatrixLayout_t l = nullptr;
  GPB_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&l, type, rows, cols, ld));
  return MatrixLayout(l);
}

/// Preference allowing up to `workspace_bytes` of workspace.
inline MatmulPreference make_matmul_preference(std::size_t workspace_bytes) {
  cublasLtMatmulPreference_t p = nullptr;
  GPB_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&p));
  MatmulPreference owned(p);
  const std::uint64_t ws = workspace_bytes;
  GPB_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
      owned.get(), CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
  return owned;
}

}  // namespace gpb
