// SPDX-License-Identifier: Apache-2.0
// CUDA-core FMA-chain throughput kernels of the compute family, and their host replay. Launchers
// return cudaError_t (no exceptions, no I/O in kernels/).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace gpb {

/// FMA-chain element types of the compute family.
enum class FmaType { fp64, fp32, fp16x2, bf16x2 };

/// Independent accumulator chains per thread (enough to hide FMA latency at full occupancy).
inline constexpr int kFmaChains = 8;

/// Lanes per chain for a type (2 for the x2 types).
inline constexpr int fma_lanes(FmaType t) {
  return t == FmaType::fp16x2 || t == FmaType::bf16x2 ? 2 : 1;
}

/// Launch shape of the FMA kernels.
struct FmaLaunch {
  int blocks = 0;
  int threads = 256;
};

/// Each thread runs kFmaChains independent dependent chains x = fma(x, x, c), c = -1.75 (exact
/// in every type; the quadratic map is chaotic and keeps x in [-1.75, 1.3125], so a skipped
/// or reordered step changes the result while nothing overflows; c is a kernel argument so
/// nothing folds). Chain `ch` lane `l` of global thread t starts at
/// x0 = -1 + 2 * (hash64(seed + l, t*kFmaChains + ch) >> 40) * 2^-24, rounded to the type.
/// fp16x2/bf16x2 use one __hfma2 per step on two lanes. out[(t*kFmaChains + ch)*2 + l] holds
/// the final value (lane 1 = 0 for fp64/fp32), which keeps every chain live.
/// FMAs per launch = blocks*threads*kFmaChains*iters*lanes; FLOPs = 2 x FMAs.
cudaError_t launch_fma_chain(FmaType type,
                             FmaLaunch cfg,
                             std::int64_t iters,
                             std::uint64_t seed,
                             double* out,
                             cudaStream_t stream);

/// Host replay of one thread's chains (for verification): writes 2*kFmaChains values in the
/// same encoding as `out` above. Exact for fp64/fp32 (fma/fmaf in the same order); fp16x2 and
/// bf16x2 round each step to the lane type, as the device does.
void fma_chain_host(
    FmaType type, std::int64_t iters, std::uint64_t seed, std::int64_t thread, double* out);

}  // namespace gpb
