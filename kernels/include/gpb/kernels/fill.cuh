// SPDX-License-Identifier: Apache-2.0
// Seeded fills of device arrays: never zeros or constants, reproducible from the seed (MR-9).
// Launchers return cudaError_t (no exceptions, no I/O in kernels/).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace gpb {

/// a[i] = hash_value(seed, i, lo) (fill_hash.hpp).
template <class T>
cudaError_t launch_fill_hash(T* a, std::size_t n, std::uint64_t seed, T lo, cudaStream_t stream);

/// p[i] = value derived from hash64(seed, i): uniform in [-1, 1) (24 random bits, then rounded
/// to T) for floating types, integers in [-8, 8] for int8_t. T is one of double, float, __half,
/// __nv_bfloat16, __nv_fp8_e4m3, int8_t. Never zeros or constants (MR-9).
template <class T>
cudaError_t launch_fill_uniform(T* p, std::size_t n, std::uint64_t seed, cudaStream_t stream);

}  // namespace gpb
