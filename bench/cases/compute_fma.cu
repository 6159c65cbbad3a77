// SPDX-License-Identifier: Apache-2.0
// CUDA-core (SIMT) FMA throughput for fp64, fp32, fp16x2 and bf16x2: every thread runs 8
// independent dependent chains x = fma(x, x, c) for `iters` steps, 2048 threads per SM.
// FLOPs per op = 2 x FMAs x lanes (one __hfma2 = 4 FLOPs); TFLOP/s = FLOPs / median_s / 1e12.
// Verified bit for bit against a host replay of the same chains for a few threads.
#include <gpb/common/fill_hash.hpp>
#include <gpb/cuda_check.hpp>
#include <gpb/cuda_raii.hpp>
#include <gpb/kernels/compute.cuh>
#include <gpb/measure/stats.hpp>
#include <gpb/models/compute_peaks.hpp>
#include <gpb/registry.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace gpb {
namespace {

constexpr int kMethodologyVersion = 1;
constexpr int kBlocksPerSm = 8;
constexpr int kThreads = 256;
constexpr int kCheckedThreads = 8;

struct FmaPoint {
  FmaType type;
  std::int64_t iters;
  unsigned profiles;
};

struct FmaTypeRow {
  FmaType type;
  const char* name;
  ComputePipe pipe;
  int min_cc;
  const char* min_cc_reason;
  std::int64_t iters;  // ~1 ms per launch on an H100 at 2048 threads/SM
  unsigned profiles;
};

const std::vector<FmaTypeRow>& fma_rows() {
  static const std::vector<FmaTypeRow> rows{
      {FmaType::fp64, "fp64", ComputePipe::fp64_simt, 0, "", 8192, kDefault | kFull},
      {FmaType::fp32, "fp32", ComputePipe::fp32_simt, 0, "", 16384, kAllProfiles},
      {FmaType::fp16x2, "fp16x2", ComputePipe::fp16x2_simt, 0, "", 16384, kDefault | kFull},
      {FmaType::bf16x2,
       "bf16x2",
       ComputePipe::bf16x2_simt,
       80,
       "bf16x2 arithmetic (__hfma2 on __nv_bfloat162) needs compute capability 8.0 or newer",
       16384,
       kDefault | kFull},
  };
  return rows;
}

const FmaTypeRow& row_of(FmaType t) {
  for (const auto& r : fma_rows()) {
    if (r.type == t) {
      return r;
    }
  }
  return fma_rows().front();
}

CaseDesc describe(const FmaPoint& p) {
  return {{{"dtype", row_of(p.type).name}, {"iters", std::to_string(p.iters)}}, p.profiles};
}

void run(Context& ctx, const FmaPoint& p) {
  const FmaTypeRow& row = row_of(p.type);
  const GpuInfo& gpu = ctx.gpu();
  ctx.set_convention(Convention{"uni", "sm", "once", "warm"});

  const PeakEstimate peak = compute_peak(gpu, row.pipe);
  if (peak.tflops) {
    ctx.set_peak(*peak.tflops, peak.source);
  } else {
    ctx.set_peak_unknown(peak.reason);
  }
  const PeakEstimate spec = spec_dense_tflops(gpu.name, row.pipe);
  if (spec.tflops) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", *spec.tflops);
    ctx.note("spec_dense_tflops", buf);
    ctx.note("spec_source", spec.source);
  } else {
    ctx.note("spec_dense_tflops", "null");
    ctx.note("spec_dense_tflops_reason", spec.reason);
  }

  FmaLaunch cfg;
  cfg.threads = kThreads;
  cfg.blocks = gpu.sm_count * kBlocksPerSm;
  const auto total_threads = static_cast<std::int64_t>(cfg.blocks) * cfg.threads;
  const int lanes = fma_lanes(p.type);
  const double fmas =
      static_cast<double>(total_threads) * kFmaChains * static_cast<double>(p.iters) * lanes;
  const std::size_t out_count = static_cast<std::size_t>(total_threads) * kFmaChains * 2;
  ctx.set_work(Work{2.0 * fmas,
                    static_cast<double>(out_count * sizeof(double)),
                    "2 FLOPs x blocks x threads x 8 chains x iters x lanes (fp16x2/bf16x2: 2)"},
               RateKind::flops);
  ctx.note("launch",
           std::to_string(cfg.blocks) + " blocks x " + std::to_string(cfg.threads) + " threads, " +
               std::to_string(kFmaChains) + " chains/thread");
  ctx.note("chain", "x = fma(x, x, -1.75), start in [-1,1) from hash64(seed)");

  ctx.require_device_bytes(out_count * sizeof(double) + (std::uint64_t{16} << 20));
  DeviceBuffer<double> out(out_count);
  const std::uint64_t seed = ctx.seed();
  ctx.measure([&](cudaStream_t s, std::int64_t ops) {
    for (std::int64_t i = 0; i < ops; ++i) {
      GPB_CUDA_CHECK(launch_fma_chain(p.type, cfg, p.iters, seed, out.data(), s));
    }
  });
  if (spec.tflops && !ctx.result().sample_s.empty()) {
    std::vector<double> sorted = ctx.result().sample_s;
    std::sort(sorted.begin(), sorted.end());
    const double tflops = 2.0 * fmas / quantile_sorted(sorted, 0.5) / 1e12;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", 100.0 * tflops / *spec.tflops);
    ctx.note("percent_of_spec", buf);
  } else {
    ctx.note("percent_of_spec", "null");
  }

  if (!ctx.options().verify) {
    return;
  }
  // MR-11: a separate, untimed launch with a fresh seed; replay a few threads on the host.
  const std::uint64_t vseed = hash64(seed, 0xF4AF4Aull);
  GPB_CUDA_CHECK(launch_fma_chain(p.type, cfg, p.iters, vseed, out.data(), ctx.stream()));
  GPB_CUDA_CHECK(cudaStreamSynchronize(ctx.stream()));
  std::vector<std::int64_t> threads{0, total_threads - 1};
  for (int i = 2; i < kCheckedThreads; ++i) {
    threads.push_back(static_cast<std::int64_t>(hash64(vseed, static_cast<std::uint64_t>(i)) %
                                                static_cast<std::uint64_t>(total_threads)));
  }
  int mismatches = 0;
  std::string first;
  for (std::int64_t t : threads) {
    double got[kFmaChains * 2];
    double want[kFmaChains * 2];
    GPB_CUDA_CHECK(cudaMemcpy(got,
                              out.data() + static_cast<std::size_t>(t) * kFmaChains * 2,
                              sizeof got,
                              cudaMemcpyDeviceToHost));
    fma_chain_host(p.type, p.iters, vseed, t, want);
    for (int v = 0; v < kFmaChains * 2; ++v) {
      if (!(got[v] == want[v])) {  // bit-exact replay; NaN never passes
        if (mismatches++ == 0) {
          char buf[160];
          std::snprintf(buf,
                        sizeof buf,
                        "; first: thread %lld chain %d lane %d got %.9g want %.9g",
                        static_cast<long long>(t),
                        v / 2,
                        v % 2,
                        got[v],
                        want[v]);
          first = buf;
        }
      }
    }
  }
  ctx.verified(
      mismatches == 0,
      std::to_string(mismatches) + " of " + std::to_string(threads.size() * kFmaChains * lanes) +
          " chain results differ from the exact host replay (" + std::to_string(threads.size()) +
          " threads, " + std::to_string(p.iters) + " steps, fresh seed)" + first);
}

int register_fma() {
  for (const auto& r : fma_rows()) {
    register_sweep("compute/fma",
                   kMethodologyVersion,
                   std::vector<FmaPoint>{FmaPoint{r.type, r.iters, r.profiles}},
                   describe,
                   Requires{true, r.min_cc, r.min_cc_reason},
                   run);
  }
  return 0;
}

[[maybe_unused]] const int kRegistered = register_fma();

}  // namespace
}  // namespace gpb
