// SPDX-License-Identifier: Apache-2.0
// Host traffic of every GPU of the process at once (device set all_local): every GPU to host,
// host to every GPU, and both, through the copy engines from pinned memory, each GPU's host
// buffer bound to that GPU's NUMA node (MR-16). The aggregate is what the host's PCIe tree
// delivers when all links are busy; each GPU's own share beside it exposes a shared PCIe
// switch or a weak root complex, which one GPU at a time never shows.
// bytes per op = N x S (N GPUs, S each; 2 x N x S both ways), counted once; the aggregate is
// that over the slowest GPU's time; a GPU's share is its own bytes over its own median time.
// Peak = the sum of every GPU's PCIe per-direction peak (x 2 both ways).
#include <gpb/cuda_check.hpp>
#include <gpb/kernels/interconnect.cuh>
#include <gpb/models/work_models.hpp>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "link_support.hpp"

namespace gpb {
namespace {

using namespace link_cases;

enum class Flow { to_host, from_host, both };

struct AllPoint {
  Flow flow;
  std::uint64_t bytes;  ///< per GPU and direction
};

constexpr std::uint64_t kBytesPerGpu = 512 * kMiB;

CaseDesc describe(const AllPoint& p) {
  return {{{"size", size_text(p.bytes)}}, kDefault | kFull};
}

/// One GPU's buffers: host pinned on its node, device on the GPU, for one or both directions.
struct GpuBuffers {
  std::unique_ptr<HostBytes> host_src, host_dst;
  DeviceBuffer<unsigned char> dev_src, dev_dst;
  Stream second;  // the D2H stream when both directions run
};

void run(Context& ctx, const AllPoint& p) {
  const std::size_t n = ctx.device_count();
  const std::uint64_t bytes = p.bytes;
  const bool h2d = p.flow != Flow::to_host;
  const bool d2h = p.flow != Flow::from_host;
  const std::uint64_t seed = ctx.seed();
  const int directions = h2d && d2h ? 2 : 1;
  ctx.require_host_bytes(checked_mul(checked_mul(directions, n), bytes));  // all pinned at once
  std::vector<GpuBuffers> buffers(n);
  for (std::size_t i = 0; i < n; ++i) {
    const GpuInfo& g = ctx.gpu(i);
    const std::string tag = "gpu" + std::to_string(g.ordinal);
    std::optional<ScopedCpuAffinity> bound;  // held while this GPU's host pages are touched
    bind_to_gpu_node(ctx, g, bound, "host_affinity_" + tag);
    const DeviceScope on(g.ordinal);
    ctx.require_device_bytes((h2d && d2h ? 2 : 1) * bytes);
    GpuBuffers& b = buffers[i];
    if (h2d) {
      b.host_src = std::make_unique<HostBytes>(bytes, HostMemory::pinned);
      fill_pattern(b.host_src->data(), bytes, seed + i);
      b.dev_dst = DeviceBuffer<unsigned char>(static_cast<std::size_t>(bytes));
    }
    if (d2h) {
      b.host_dst = std::make_unique<HostBytes>(bytes, HostMemory::pinned);
      std::memset(b.host_dst->data(), 0, bytes);
      b.dev_src = DeviceBuffer<unsigned char>(static_cast<std::size_t>(bytes));
      GPB_CUDA_CHECK(launch_fill_pattern(b.dev_src.data(), bytes, seed + n + i, ctx.stream(i)));
      GPB_CUDA_CHECK(cudaStreamSynchronize(ctx.stream(i)));
    }
    if (h2d && d2h) {
      b.second = make_stream();
    }
  }

  // Lanes: one per GPU and direction; lane l copies for GPU lane_gpu[l] in lane_h2d[l]'s way.
  std::vector<Context::Lane> lanes;
  std::vector<std::size_t> lane_gpu;
  std::vector<bool> lane_h2d;
  for (std::size_t i = 0; i < n; ++i) {
    if (h2d) {
      lanes.push_back({i, ctx.stream(i)});
      lane_gpu.push_back(i);
      lane_h2d.push_back(true);
    }
    if (d2h) {
      lanes.push_back({i, h2d ? buffers[i].second.get() : ctx.stream(i)});
      lane_gpu.push_back(i);
      lane_h2d.push_back(false);
    }
  }
  ctx.set_work({0.0,
                link_copy_bytes(bytes, directions, static_cast<int>(n)),
                h2d && d2h ? "2 x N x S (S each way per GPU, counted once)"
                           : "N x S (S per GPU, counted once)"},
               RateKind::bandwidth);
  ctx.set_convention({h2d && d2h ? "bidir_total" : "uni", "ce", "once", "host_pinned"});
  if (p.flow == Flow::to_host) {
    ctx.set_headline_role({RoleKind::all_gpus_to_host, ""});
  } else if (p.flow == Flow::from_host) {
    ctx.set_headline_role({RoleKind::host_to_all_gpus, ""});
  }
  MeasurePolicy policy = ctx.policy();
  policy.max_noise = std::max(policy.max_noise, 0.01);  // links are noisier than HBM (MR-3)
  GpuBuffers* bufs = buffers.data();
  const auto copy_once = [=](std::size_t lane, cudaStream_t s) {
    GpuBuffers& b = bufs[lane_gpu[lane]];
    if (lane_h2d[lane]) {
      GPB_CUDA_CHECK(
          cudaMemcpyAsync(b.dev_dst.data(), b.host_src->data(), bytes, cudaMemcpyHostToDevice, s));
    } else {
      GPB_CUDA_CHECK(
          cudaMemcpyAsync(b.host_dst->data(), b.dev_src.data(), bytes, cudaMemcpyDeviceToHost, s));
    }
  };
  ctx.measure_lanes(
      lanes,
      [=](std::size_t lane, cudaStream_t s, std::int64_t ops) {
        for (std::int64_t k = 0; k < ops; ++k) {
          copy_once(lane, s);
        }
      },
      policy);

  // Each GPU's share: its bytes over the slower of its own lanes.
  const std::vector<double> shares =
      group_rates_gbps(static_cast<double>(bytes), ctx.lane_median_s(), lane_gpu, n);
  for (std::size_t i = 0; i < shares.size(); ++i) {
    if (shares[i] > 0) {
      ctx.add_metric({"gpu" + std::to_string(ctx.gpu(i).ordinal) + "_share",
                      shares[i],
                      "GB/s",
                      "this GPU's bytes / its own median time, all GPUs copying at once"});
    }
  }
  LinkPeak total;
  total.gbps = 0.0;
  total.source = "sum of every GPU's PCIe per-direction peak";
  for (std::size_t i = 0; i < n && total.gbps; ++i) {
    const LinkPeak one =
        pcie_peak_now(ctx, ctx.gpu(i), "pcie_link_gpu" + std::to_string(ctx.gpu(i).ordinal));
    if (one.gbps) {
      *total.gbps += *one.gbps;
    } else {
      total.gbps.reset();
      total.reason = "gpu" + std::to_string(ctx.gpu(i).ordinal) + ": " + one.reason;
    }
  }
  set_link_peak(ctx, total, directions, bytes, "PCIe of every GPU");

  if (ctx.options().verify) {
    // New data (MR-11), every lane's copy once more, all at once as timed, then every
    // destination checked.
    const std::uint64_t fresh = seed + 2 * n;
    for (std::size_t i = 0; i < n; ++i) {
      const DeviceScope on(ctx.device(i));
      if (h2d) {
        fill_pattern(buffers[i].host_src->data(), bytes, fresh + i);
      }
      if (d2h) {
        GPB_CUDA_CHECK(
            launch_fill_pattern(buffers[i].dev_src.data(), bytes, fresh + n + i, ctx.stream(i)));
        GPB_CUDA_CHECK(cudaStreamSynchronize(ctx.stream(i)));
      }
    }
    issue_all_lanes(ctx, lanes, copy_once);
    std::vector<std::pair<std::string, PatternCheck>> checks;
    for (std::size_t i = 0; i < n; ++i) {
      const std::string tag = "gpu" + std::to_string(ctx.device(i));
      if (h2d) {
        checks.emplace_back(
            tag + " device",
            check_on_device(ctx.device(i), buffers[i].dev_dst.data(), bytes, fresh + i));
      }
      if (d2h) {
        checks.emplace_back(tag + " host",
                            check_pattern(buffers[i].host_dst->data(), bytes, fresh + n + i));
      }
    }
    record_checks(ctx, checks);
  }
}

const Requires kAllGpus{true, 0, "", DeviceSet::all_local, false};

GPB_REGISTER("copy/all_gpus_to_host",
             1,
             std::vector<AllPoint>{{Flow::to_host, kBytesPerGpu}},
             describe,
             kAllGpus,
             run);
GPB_REGISTER("copy/host_to_all_gpus",
             1,
             std::vector<AllPoint>{{Flow::from_host, kBytesPerGpu}},
             describe,
             kAllGpus,
             run);
GPB_REGISTER("copy/all_gpus_bidir",
             1,
             std::vector<AllPoint>{{Flow::both, kBytesPerGpu}},
             describe,
             kAllGpus,
             run);

}  // namespace
}  // namespace gpb
