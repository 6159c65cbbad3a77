// SPDX-License-Identifier: Apache-2.0
// Host <-> device copy bandwidth through the copy engines (cudaMemcpyAsync), one direction at a
// time, from pinned and from pageable host memory (a separate, labelled case, MR-16): what the
// PCIe (or C2C) link of each GPU delivers, as nvbandwidth's host_to_device_memcpy_ce measures it.
// bytes per op = S, counted once (uni); GB/s = S / t / 1e9. Peak = the current PCIe link read
// right after the copies, from NVML (else sysfs): GT/s x lanes x encoding / 8 (METHODOLOGY §3).
// MR-16: the thread is bound to the CPUs local to the GPU before the host buffer is allocated
// and first touched, so its pages come from the GPU's NUMA node; --no-affinity turns it off.
// --full adds a size sweep from 4 KiB (latency-bound) to 4 GiB.
#include <gpb/cuda_check.hpp>
#include <gpb/kernels/interconnect.cuh>

#include <algorithm>
#include <cstring>
#include <vector>

#include "link_support.hpp"

namespace gpb {
namespace {

using namespace link_cases;

struct CopyPoint {
  bool h2d;
  bool pinned;
  std::uint64_t bytes;
  unsigned profiles;
};

std::vector<CopyPoint> copy_sweep(bool h2d) {
  std::vector<CopyPoint> points{{h2d, true, 256 * kMiB, kQuick | kFull},
                                {h2d, true, 1 * kGiB, kDefault | kFull},
                                {h2d, false, 1 * kGiB, kDefault | kFull},
                                {h2d, true, 64 * kMiB, kFull},
                                {h2d, true, 4 * kGiB, kFull}};
  for (std::uint64_t s : sweep_sizes()) {
    if (s < 64 * kMiB) {  // the larger sweep sizes are the points above
      points.push_back({h2d, true, s, kFull});
    }
  }
  return points;
}

CaseDesc describe(const CopyPoint& p) {
  return {{{"memory", p.pinned ? "pinned" : "pageable"}, {"size", size_text(p.bytes)}}, p.profiles};
}

void run(Context& ctx, const CopyPoint& p) {
  const GpuInfo& gpu = ctx.gpu();
  std::optional<ScopedCpuAffinity> bound;
  bind_to_gpu_node(ctx, gpu, bound, "host_affinity");
  const std::uint64_t bytes = p.bytes;
  ctx.require_device_bytes(bytes);
  ctx.require_host_bytes(bytes);
  HostBytes host(bytes, p.pinned ? HostMemory::pinned : HostMemory::pageable);
  DeviceBuffer<unsigned char> device(static_cast<std::size_t>(bytes));
  cudaStream_t stream = ctx.stream();
  if (p.h2d) {
    fill_pattern(host.data(), bytes, ctx.seed());
  } else {
    std::memset(host.data(), 0, bytes);  // touch every page here, on the bound node
    GPB_CUDA_CHECK(launch_fill_pattern(device.data(), bytes, ctx.seed(), stream));
    GPB_CUDA_CHECK(cudaStreamSynchronize(stream));
  }

  ctx.set_work({0.0, static_cast<double>(bytes), "S (bytes copied, counted once)"},
               RateKind::bandwidth);
  ctx.set_convention({"uni", "ce", "once", p.pinned ? "host_pinned" : "host_pageable"});
  if (p.pinned) {  // the buyer's number; pageable is its own labelled case
    ctx.set_headline_role({p.h2d ? RoleKind::h2d : RoleKind::d2h, ""});
  }
  unsigned char* dst = p.h2d ? device.data() : host.data();
  const unsigned char* src = p.h2d ? host.data() : device.data();
  const cudaMemcpyKind kind = p.h2d ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost;
  MeasurePolicy policy = ctx.policy();
  // A pageable copy holds the host until the copy engine has taken the data: it cannot wait
  // behind the launch gate. Links are noisier than HBM (MR-3: 1-2 % for PCIe).
  policy.allow_gate = p.pinned;
  policy.max_noise = std::max(policy.max_noise, 0.01);
  ctx.measure(
      [=](cudaStream_t s, std::int64_t ops) {
        for (std::int64_t i = 0; i < ops; ++i) {
          GPB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, kind, s));
        }
      },
      policy);

  // The link as it is right after the copies (an idle link drops its generation): as the GPU
  // reports it through NVML, else as the host's sysfs does (a VM's virtual bridge can show a
  // link that has nothing to do with the GPU's, so NVML comes first).
  set_link_peak(ctx, pcie_peak_now(ctx, gpu, "pcie_link"), 1, bytes, "PCIe");

  if (ctx.options().verify) {
    // Fresh data (MR-11), one more copy, every byte of the destination checked.
    const std::uint64_t seed = ctx.seed() + 1;
    if (p.h2d) {
      fill_pattern(host.data(), bytes, seed);
    } else {
      GPB_CUDA_CHECK(launch_fill_pattern(device.data(), bytes, seed, stream));
    }
    GPB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, kind, stream));
    GPB_CUDA_CHECK(cudaStreamSynchronize(stream));
    record_checks(ctx,
                  {{p.h2d ? "device" : "host",
                    p.h2d ? check_on_device(ctx.device(), dst, bytes, seed)
                          : check_pattern(dst, bytes, seed)}});
  }
}

GPB_REGISTER("copy/h2d", 1, copy_sweep(true), describe, Requires{}, run);
GPB_REGISTER("copy/d2h", 1, copy_sweep(false), describe, Requires{}, run);

}  // namespace
}  // namespace gpb
