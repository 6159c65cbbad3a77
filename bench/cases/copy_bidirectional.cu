// SPDX-License-Identifier: Apache-2.0
// Host -> device and device -> host copies at once, each direction on its own stream through
// the copy engines, from pinned memory bound to the GPU's NUMA node (MR-16): what a link
// delivers when traffic flows both ways, as nvbandwidth's host_to_device_bidirectional_memcpy_ce
// runs it. bytes per op = 2 x S (one copy of S each way); the headline is the total of both
// directions (bidir_total) = 2S / t, with t the slower direction's time; each direction's own
// rate, S / its own time, is a metric beside it (bidir_per_direction). Peak = 2 x the PCIe
// link's per-direction peak. --full sweeps the size.
#include <gpb/cuda_check.hpp>
#include <gpb/kernels/interconnect.cuh>
#include <gpb/models/work_models.hpp>

#include <algorithm>
#include <cstring>
#include <vector>

#include "link_support.hpp"

namespace gpb {
namespace {

using namespace link_cases;

struct BidirPoint {
  std::uint64_t bytes;
  unsigned profiles;
};

std::vector<BidirPoint> bidir_sweep() {
  std::vector<BidirPoint> points{{256 * kMiB, kQuick}, {1 * kGiB, kDefault | kFull}};
  for (std::uint64_t s : sweep_sizes()) {
    if (s == 256 * kMiB) {
      points.front().profiles |= kFull;  // the quick point is the sweep's 256 MiB
    } else if (s != 1 * kGiB) {
      points.push_back({s, kFull});
    }
  }
  return points;
}

CaseDesc describe(const BidirPoint& p) {
  return {{{"size", size_text(p.bytes)}}, p.profiles};
}

void run(Context& ctx, const BidirPoint& p) {
  const GpuInfo& gpu = ctx.gpu();
  std::optional<ScopedCpuAffinity> bound;
  bind_to_gpu_node(ctx, gpu, bound, "host_affinity");
  const std::uint64_t bytes = p.bytes;
  ctx.require_device_bytes(2 * bytes);
  ctx.require_host_bytes(2 * bytes);
  HostBytes host_src(bytes, HostMemory::pinned);  // H2D source
  HostBytes host_dst(bytes, HostMemory::pinned);  // D2H destination
  DeviceBuffer<unsigned char> dev_dst(static_cast<std::size_t>(bytes));
  DeviceBuffer<unsigned char> dev_src(static_cast<std::size_t>(bytes));
  const std::uint64_t seed = ctx.seed();
  fill_pattern(host_src.data(), bytes, seed);
  std::memset(host_dst.data(), 0, bytes);  // first touch on the bound node
  GPB_CUDA_CHECK(launch_fill_pattern(dev_src.data(), bytes, seed + 1, ctx.stream()));
  GPB_CUDA_CHECK(cudaStreamSynchronize(ctx.stream()));
  Stream d2h_stream = make_stream();

  ctx.set_work({0.0, link_copy_bytes(bytes, 2, 1), "2 x S (S each way, counted once)"},
               RateKind::bandwidth);
  ctx.set_convention({"bidir_total", "ce", "once", "host_pinned"});
  ctx.set_headline_role({RoleKind::h2d_d2h_bidirectional, ""});
  unsigned char* h2d_to = dev_dst.data();
  const unsigned char* h2d_from = host_src.data();
  unsigned char* d2h_to = host_dst.data();
  const unsigned char* d2h_from = dev_src.data();
  MeasurePolicy policy = ctx.policy();
  policy.max_noise = std::max(policy.max_noise, 0.01);  // links are noisier than HBM (MR-3)
  ctx.measure_lanes(
      {{0, ctx.stream()}, {0, d2h_stream.get()}},
      [=](std::size_t lane, cudaStream_t s, std::int64_t ops) {
        for (std::int64_t i = 0; i < ops; ++i) {
          if (lane == 0) {
            GPB_CUDA_CHECK(cudaMemcpyAsync(h2d_to, h2d_from, bytes, cudaMemcpyHostToDevice, s));
          } else {
            GPB_CUDA_CHECK(cudaMemcpyAsync(d2h_to, d2h_from, bytes, cudaMemcpyDeviceToHost, s));
          }
        }
      },
      policy);
  add_direction_metrics(ctx, bytes, {"h2d", "d2h"});
  set_link_peak(ctx, pcie_peak_now(ctx, gpu, "pcie_link"), 2, bytes, "PCIe, both directions");

  if (ctx.options().verify) {
    const std::uint64_t fresh = seed + 2;  // new data for the checked copies (MR-11)
    fill_pattern(host_src.data(), bytes, fresh);
    GPB_CUDA_CHECK(launch_fill_pattern(dev_src.data(), bytes, fresh + 1, ctx.stream()));
    GPB_CUDA_CHECK(cudaStreamSynchronize(ctx.stream()));
    GPB_CUDA_CHECK(cudaMemcpyAsync(h2d_to, h2d_from, bytes, cudaMemcpyHostToDevice, ctx.stream()));
    GPB_CUDA_CHECK(
        cudaMemcpyAsync(d2h_to, d2h_from, bytes, cudaMemcpyDeviceToHost, d2h_stream.get()));
    GPB_CUDA_CHECK(cudaStreamSynchronize(ctx.stream()));
    GPB_CUDA_CHECK(cudaStreamSynchronize(d2h_stream.get()));
    record_checks(ctx,
                  {{"device", check_on_device(ctx.device(), h2d_to, bytes, fresh)},
                   {"host", check_pattern(d2h_to, bytes, fresh + 1)}});
  }
}

GPB_REGISTER("copy/bidir", 1, bidir_sweep(), describe, Requires{}, run);

}  // namespace
}  // namespace gpb
