// SPDX-License-Identifier: Apache-2.0
// Host <-> device traffic done by the SMs instead of the copy engines: a copy kernel that
// loads from (h2d_sm) or stores to (d2h_sm) pinned host memory mapped into the device, as
// nvbandwidth's *_memcpy_sm tests do; and the host <-> device access latency, one thread
// chasing a chain of dependent 4-byte loads through mapped host memory (nvbandwidth's
// host_device_latency_sm). Host memory is bound to the GPU's NUMA node (MR-16).
// Copies: bytes per op = S, counted once (uni); peak = the PCIe link's per-direction peak.
// Latency: one op is one dependent load; the headline is the median time per load in ns, with
// the kernel's launch spread over thousands of loads per sample (METHODOLOGY §2.5).
#include <gpb/cuda_check.hpp>
#include <gpb/kernels/interconnect.cuh>

#include <algorithm>
#include <cstring>
#include <vector>

#include "link_support.hpp"

namespace gpb {
namespace {

using namespace link_cases;

struct SmCopyPoint {
  bool h2d;
  std::uint64_t bytes;
};

CaseDesc describe_copy(const SmCopyPoint& p) {
  return {{{"size", size_text(p.bytes)}}, kDefault | kFull};
}

void run_copy(Context& ctx, const SmCopyPoint& p) {
  const GpuInfo& gpu = ctx.gpu();
  std::optional<ScopedCpuAffinity> bound;
  bind_to_gpu_node(ctx, gpu, bound, "host_affinity");
  const std::uint64_t bytes = p.bytes;
  ctx.require_device_bytes(bytes);
  ctx.require_host_bytes(bytes);
  HostBytes host(bytes, HostMemory::mapped);
  DeviceBuffer<unsigned char> device(static_cast<std::size_t>(bytes));
  cudaStream_t stream = ctx.stream();
  const auto refill = [&](std::uint64_t seed) {
    if (p.h2d) {
      fill_pattern(host.data(), bytes, seed);
    } else {
      GPB_CUDA_CHECK(launch_fill_pattern(device.data(), bytes, seed, stream));
      GPB_CUDA_CHECK(cudaStreamSynchronize(stream));
    }
  };
  if (!p.h2d) {
    std::memset(host.data(), 0, bytes);  // first touch on the bound node
  }
  refill(ctx.seed());

  ctx.set_work({0.0, static_cast<double>(bytes), "S (bytes copied, counted once)"},
               RateKind::bandwidth);
  ctx.set_convention({"uni", "sm", "once", "host_mapped"});
  void* host_view = host.device_view();
  const void* src = p.h2d ? host_view : device.data();
  void* dst = p.h2d ? static_cast<void*>(device.data()) : host_view;
  MeasurePolicy policy = ctx.policy();
  policy.max_noise = std::max(policy.max_noise, 0.01);  // links are noisier than HBM (MR-3)
  ctx.measure(
      [=](cudaStream_t s, std::int64_t ops) {
        for (std::int64_t i = 0; i < ops; ++i) {
          GPB_CUDA_CHECK(launch_sm_copy(src, dst, bytes, s));
        }
      },
      policy);
  set_link_peak(ctx, pcie_peak_now(ctx, gpu, "pcie_link"), 1, bytes, "PCIe");

  if (ctx.options().verify) {
    const std::uint64_t seed = ctx.seed() + 1;  // fresh data for the checked copy (MR-11)
    refill(seed);
    GPB_CUDA_CHECK(launch_sm_copy(src, dst, bytes, stream));
    GPB_CUDA_CHECK(cudaStreamSynchronize(stream));
    record_checks(ctx,
                  {{p.h2d ? "device" : "host",
                    p.h2d ? check_on_device(ctx.device(), dst, bytes, seed)
                          : check_pattern(host.data(), bytes, seed)}});
  }
}

struct LatencyPoint {};

CaseDesc describe_latency(const LatencyPoint&) {
  return {{{"memory", "pinned"}}, kDefault | kFull};
}

void run_latency(Context& ctx, const LatencyPoint&) {
  const GpuInfo& gpu = ctx.gpu();
  std::optional<ScopedCpuAffinity> bound;
  bind_to_gpu_node(ctx, gpu, bound, "host_affinity");
  const std::uint64_t bytes = kChaseWords * sizeof(std::uint32_t);
  HostBytes host(bytes, HostMemory::mapped);
  measure_chase(
      ctx,
      [&](const std::vector<std::uint32_t>& chain) {
        std::memcpy(host.data(), chain.data(), bytes);
      },
      static_cast<const std::uint32_t*>(host.device_view()),
      "host_mapped",
      "pinned host memory");
}

GPB_REGISTER("copy/h2d_sm",
             1,
             std::vector<SmCopyPoint>{{true, 1 * kGiB}},
             describe_copy,
             Requires{},
             run_copy);
GPB_REGISTER("copy/d2h_sm",
             1,
             std::vector<SmCopyPoint>{{false, 1 * kGiB}},
             describe_copy,
             Requires{},
             run_copy);
GPB_REGISTER(
    "copy/latency", 1, std::vector<LatencyPoint>{{}}, describe_latency, Requires{}, run_latency);

}  // namespace
}  // namespace gpb
