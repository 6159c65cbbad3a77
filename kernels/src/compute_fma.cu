// SPDX-License-Identifier: Apache-2.0
// CUDA-core FMA throughput kernels: kFmaChains independent dependent chains x = fma(x, x, c)
// per thread (fp64, fp32, fp16x2 and bf16x2 via __hfma2). FLOPs = 2 per FMA per lane, so one
// __hfma2 counts 4. A host replay of the same chain verifies the result bit for bit.
#include <gpb/common/fill_hash.hpp>
#include <gpb/kernels/compute.cuh>

#include <cmath>

namespace gpb {
namespace {

constexpr double kC = -1.75;  // x -> x^2 + c stays in [c, c^2 + c] = [-1.75, 1.3125]

/// Start value of lane `lane` of chain `ch` of global thread `t`, in [-1, 1) (24 bits).
__host__ __device__ inline float start_value(std::uint64_t seed, std::int64_t t, int ch, int lane) {
  const auto idx = static_cast<std::uint64_t>(t) * kFmaChains + static_cast<std::uint64_t>(ch);
  const float u = static_cast<float>(hash64(seed + static_cast<std::uint64_t>(lane), idx) >> 40) *
                  (1.0f / 16777216.0f);
  return 2.0f * u - 1.0f;
}

__global__ void fma_fp64_kernel(std::int64_t iters, std::uint64_t seed, double c, double* out) {
  const std::int64_t t = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  double x[kFmaChains];
#pragma unroll
  for (int ch = 0; ch < kFmaChains; ++ch) {
    x[ch] = static_cast<double>(start_value(seed, t, ch, 0));
  }
#pragma unroll 4
  for (std::int64_t i = 0; i < iters; ++i) {
#pragma unroll
    for (int ch = 0; ch < kFmaChains; ++ch) {
      x[ch] = fma(x[ch], x[ch], c);
    }
  }
#pragma unroll
  for (int ch = 0; ch < kFmaChains; ++ch) {
    out[(t * kFmaChains + ch) * 2] = x[ch];
    out[(t * kFmaChains + ch) * 2 + 1] = 0.0;
  }
}

__global__ void fma_fp32_kernel(std::int64_t iters, std::uint64_t seed, float c, double* out) {
  const std::int64_t t = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  float x[kFmaChains];
#pragma unroll
  for (int ch = 0; ch < kFmaChains; ++ch) {
    x[ch] = start_value(seed, t, ch, 0);
  }
#pragma unroll 4
  for (std::int64_t i = 0; i < iters; ++i) {
#pragma unroll
    for (int ch = 0; ch < kFmaChains; ++ch) {
      x[ch] = fmaf(x[ch], x[ch], c);
    }
  }
#pragma unroll
  for (int ch = 0; ch < kFmaChains; ++ch) {
    out[(t * kFmaChains + ch) * 2] = static_cast<double>(x[ch]);
    out[(t * kFmaChains + ch) * 2 + 1] = 0.0;
  }
}

// Lane conversions for the packed types.
struct HalfOps {
  using pair = __half2;
  __device__ static pair make(float lo, float hi) { return __floats2half2_rn(lo, hi); }
  __device__ static float low(pair p) { return __low2float(p); }
  __device__ static float high(pair p) { return __high2float(p); }
  __device__ static pair fma(pair a, pair b, pair c) { return __hfma2(a, b, c); }
};
struct Bf16Ops {
  using pair = __nv_bfloat162;
  __device__ static pair make(float lo, float hi) { return __floats2bfloat162_rn(lo, hi); }
  __device__ static float low(pair p) { return __low2float(p); }
  __device__ static float high(pair p) { return __high2float(p); }
  __device__ static pair fma(pair a, pair b, pair c) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
    // No bf16 arithmetic before sm_80; the case requires cc 8.0 (compute_fma.cu), so this
    // branch never runs. Trap rather than return a wrong number if it ever does.
    __trap();
    return a;
#else
    return __hfma2(a, b, c);
#endif
  }
};

template <class Ops>
__global__ void fma_x2_kernel(std::int64_t iters, std::uint64_t seed, float c, double* out) {
  using pair = typename Ops::pair;
  const std::int64_t t = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const pair cc = Ops::make(c, c);
  pair x[kFmaChains];
#pragma unroll
  for (int ch = 0; ch < kFmaChains; ++ch) {
    x[ch] = Ops::make(start_value(seed, t, ch, 0), start_value(seed, t, ch, 1));
  }
#pragma unroll 4
  for (std::int64_t i = 0; i < iters; ++i) {
#pragma unroll
    for (int ch = 0; ch < kFmaChains; ++ch) {
      x[ch] = Ops::fma(x[ch], x[ch], cc);
    }
  }
#pragma unroll
  for (int ch = 0; ch < kFmaChains; ++ch) {
    out[(t * kFmaChains + ch) * 2] = static_cast<double>(Ops::low(x[ch]));
    out[(t * kFmaChains + ch) * 2 + 1] = static_cast<double>(Ops::high(x[ch]));
  }
}

}  // namespace

cudaError_t launch_fma_chain(FmaType type,
                             FmaLaunch cfg,
                             std::int64_t iters,
                             std::uint64_t seed,
                             double* out,
                             cudaStream_t stream) {
  if (cfg.blocks <= 0 || cfg.threads <= 0 || iters < 0) {
    return cudaErrorInvalidValue;
  }
  const dim3 grid(static_cast<unsigned>(cfg.blocks));
  const dim3 block(static_cast<unsigned>(cfg.threads));
  switch (type) {
    case FmaType::fp64:
      fma_fp64_kernel<<<grid, block, 0, stream>>>(iters, seed, kC, out);
      break;
    case FmaType::fp32:
      fma_fp32_kernel<<<grid, block, 0, stream>>>(iters, seed, static_cast<float>(kC), out);
      break;
    case FmaType::fp16x2:
      fma_x2_kernel<HalfOps><<<grid, block, 0, stream>>>(iters, seed, static_cast<float>(kC), out);
      break;
    case FmaType::bf16x2:
      fma_x2_kernel<Bf16Ops><<<grid, block, 0, stream>>>(iters, seed, static_cast<float>(kC), out);
      break;
  }
  return cudaGetLastError();
}

void fma_chain_host(
    FmaType type, std::int64_t iters, std::uint64_t seed, std::int64_t thread, double* out) {
  for (int ch = 0; ch < kFmaChains; ++ch) {
    switch (type) {
      case FmaType::fp64: {
        double x = static_cast<double>(start_value(seed, thread, ch, 0));
        for (std::int64_t i = 0; i < iters; ++i) {
          x = std::fma(x, x, kC);  // correctly rounded, as the device's DFMA
        }
        out[ch * 2] = x;
        out[ch * 2 + 1] = 0.0;
        break;
      }
      case FmaType::fp32: {
        float x = start_value(seed, thread, ch, 0);
        for (std::int64_t i = 0; i < iters; ++i) {
          x = std::fma(x, x, static_cast<float>(kC));  // FFMA: one rounding
        }
        out[ch * 2] = static_cast<double>(x);
        out[ch * 2 + 1] = 0.0;
        break;
      }
      case FmaType::fp16x2:
      case FmaType::bf16x2: {
        const bool half = type == FmaType::fp16x2;
        // The lane value rounded to the type; x*x + c is exact in double (<= 22 significant
        // bits of product plus c), so rounding it once to the type equals the device's fused,
        // singly-rounded __hfma2.
        const auto round_to = [half](double v) {
          return half ? static_cast<double>(__half2float(__double2half(v)))
                      : static_cast<double>(__bfloat162float(__double2bfloat16(v)));
        };
        for (int lane = 0; lane < 2; ++lane) {
          double x = round_to(static_cast<double>(start_value(seed, thread, ch, lane)));
          for (std::int64_t i = 0; i < iters; ++i) {
            x = round_to(x * x + kC);
          }
          out[ch * 2 + lane] = x;
        }
        break;
      }
    }
  }
}

}  // namespace gpb
