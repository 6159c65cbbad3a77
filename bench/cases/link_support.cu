// SPDX-License-Identifier: Apache-2.0
// The link cases' shared helpers (link_support.hpp). Registers no case.
#include <gpb/common/text.hpp>
#include <gpb/cuda_check.hpp>
#include <gpb/kernels/interconnect.cuh>
#include <gpb/machine/host_link.hpp>
#include <gpb/machine/nvml.hpp>
#include <gpb/models/pointer_chase.hpp>
#include <gpb/models/work_models.hpp>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "link_support.hpp"

namespace gpb::link_cases {
namespace {

std::string cpus_text(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) {
      ++j;
    }
    out += (out.empty() ? "" : ",") + std::to_string(cpus[i]) +
           (j > i ? "-" + std::to_string(cpus[j]) : "");
    i = j + 1;
  }
  return out;
}

/// The GPU's PCIe link now, and where the reading came from.
std::pair<Reading<PcieLinkSpeed>, std::string> link_after_copies(const std::string& bus) {
  std::string why;
  if (const auto nvml = Nvml::load(why)) {
    const auto l = nvml->pcie_link(bus);  // {gen, max gen, width, max width}
    if (l.value) {
      // A generation below the maximum right after the copies is most likely the idle
      // downshift starting, not the rate the copies ran at: taking it would make a normal
      // result look implausible. A link that really runs slow under load shows as a low
      // percentage here, and the preflight audit (read under load) names it.
      const int gen = std::max((*l.value)[0], (*l.value)[1]);
      if (const auto gt = pcie_gen_gt_per_s(gen); gt && (*l.value)[2] > 0) {
        return {{PcieLinkSpeed{*gt, (*l.value)[2]}, ""},
                gen == (*l.value)[0] ? "NVML, current" : "NVML, max generation, current width"};
      }
    }
  }
  const PcieLinkState s = read_pcie_link_sysfs("", bus);
  if (s.current.value && s.max.value && s.max.value->gt_per_s > s.current.value->gt_per_s) {
    return {{PcieLinkSpeed{s.max.value->gt_per_s, s.current.value->width}, ""},
            "sysfs, max speed, current width"};  // the idle downshift, as above
  }
  if (s.current.value) {
    return {s.current, "sysfs, current"};
  }
  return {s.max, "sysfs, max"};
}

}  // namespace

std::string size_text(std::uint64_t bytes) {
  if (bytes >= kGiB && bytes % kGiB == 0) {
    return std::to_string(bytes / kGiB) + "GiB";
  }
  if (bytes >= kMiB && bytes % kMiB == 0) {
    return std::to_string(bytes / kMiB) + "MiB";
  }
  if (bytes >= kKiB && bytes % kKiB == 0) {
    return std::to_string(bytes / kKiB) + "KiB";
  }
  return std::to_string(bytes) + "B";
}

std::vector<std::uint64_t> sweep_sizes() {
  return {4 * kKiB, 64 * kKiB, 1 * kMiB, 16 * kMiB, 256 * kMiB, 1 * kGiB};
}

ScopedCpuAffinity::ScopedCpuAffinity(const std::vector<int>& cpus) {
  CPU_ZERO(&old_);
  if (sched_getaffinity(0, sizeof old_, &old_) != 0) {
    return;
  }
  cpu_set_t want;
  CPU_ZERO(&want);
  for (int c : cpus) {
    if (c >= 0 && c < CPU_SETSIZE) {
      CPU_SET(c, &want);
    }
  }
  bound_ = sched_setaffinity(0, sizeof want, &want) == 0;
}

ScopedCpuAffinity::~ScopedCpuAffinity() {
  if (bound_) {
    sched_setaffinity(0, sizeof old_, &old_);
  }
}

void bind_to_gpu_node(Context& ctx,
                      const GpuInfo& gpu,
                      std::optional<ScopedCpuAffinity>& bound,
                      const std::string& note_key) {
  bound.reset();
  if (!ctx.options().numa_affinity) {
    ctx.note(note_key, "not bound (--no-affinity)");
    return;
  }
  const HostAffinity a = gpu_host_affinity("", gpu.pci_bus_id);
  if (a.cpus.empty()) {
    ctx.note(note_key, "not bound: " + a.reason);
    return;
  }
  bound.emplace(a.cpus);
  ctx.note(note_key,
           bound->bound() ? "bound to cpus " + cpus_text(a.cpus) + " (NUMA node " +
                                std::to_string(a.numa_node) + ")"
                          : "not bound: sched_setaffinity failed");
}

HostBytes::HostBytes(std::uint64_t bytes, HostMemory kind) {
  switch (kind) {
    case HostMemory::pinned:
      pinned_.emplace(static_cast<std::size_t>(bytes), cudaHostAllocDefault);
      break;
    case HostMemory::mapped:
      pinned_.emplace(static_cast<std::size_t>(bytes), cudaHostAllocMapped | cudaHostAllocPortable);
      break;
    case HostMemory::pageable:
      pageable_.reset(new unsigned char[bytes]);
      break;
  }
}

void* HostBytes::device_view() const {
  void* device = nullptr;
  if (pinned_) {
    GPB_CUDA_CHECK(cudaHostGetDevicePointer(&device, pinned_->data(), 0));
  }
  return device;
}

LinkPeak pcie_peak_now(Context& ctx, const GpuInfo& gpu, const std::string& note_key) {
  const auto [speed, source] = link_after_copies(gpu.pci_bus_id);
  LinkPeak out;
  if (!speed.value) {
    out.reason = "pcie_link_unknown: " + speed.reason;
    return out;
  }
  char text[96];
  std::snprintf(text,
                sizeof text,
                "%.1f GT/s x%d (%s)",
                speed.value->gt_per_s,
                speed.value->width,
                source.c_str());
  ctx.note(note_key, text);
  if (const auto peak = pcie_peak_bytes_per_s(speed.value->gt_per_s, speed.value->width)) {
    out.gbps = *peak / 1e9;
    out.source =
        "PCIe per direction: GT/s x lanes x encoding / 8, the link right after the copies (" +
        source + ")";
  } else {
    out.reason = "pcie_rate_not_modelled";
  }
  return out;
}

void set_link_peak(Context& ctx,
                   const LinkPeak& peak,
                   double directions,
                   std::uint64_t size,
                   const std::string& what) {
  if (size < kLatencyBoundBelow) {
    ctx.set_peak_unknown("latency_bound_size: copies below " + size_text(kLatencyBoundBelow) +
                         " are bound by the per-copy cost, not by the link");
    return;
  }
  if (!peak.gbps) {
    ctx.set_peak_unknown(peak.reason);
    return;
  }
  ctx.set_peak(*peak.gbps * directions, what + ": " + peak.source);
}

PatternCheck check_on_device(int ordinal, const void* p, std::uint64_t bytes, std::uint64_t seed) {
  const DeviceScope on(ordinal);
  Stream stream = make_stream();
  DeviceBuffer<PatternCounts> counts(1);
  GPB_CUDA_CHECK(launch_check_pattern(p, bytes, seed, counts.data(), stream.get()));
  PatternCounts host{};
  GPB_CUDA_CHECK(
      cudaMemcpyAsync(&host, counts.data(), sizeof host, cudaMemcpyDeviceToHost, stream.get()));
  GPB_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
  PatternCheck c;
  c.bytes = bytes;
  c.mismatched_bytes = host.mismatched_bytes;
  if (host.mismatched_bytes > 0) {
    c.first_mismatch = host.first_mismatch;
  }
  return c;
}

ScopedPeerAccess::ScopedPeerAccess(int a, int b) {
  try {
    enable(a, b);
    enable(b, a);
  } catch (...) {
    disable_all();  // undo the direction already enabled
    throw;
  }
}

void ScopedPeerAccess::enable(int from, int to) {
  const DeviceScope on(from);
  const cudaError_t e = cudaDeviceEnablePeerAccess(to, 0);
  if (e == cudaErrorPeerAccessAlreadyEnabled) {
    cudaGetLastError();  // enabled before this case: leave it as it was found
    return;
  }
  GPB_CUDA_CHECK(e);
  enabled_.emplace_back(from, to);
}

ScopedPeerAccess::~ScopedPeerAccess() {
  disable_all();
}

void ScopedPeerAccess::disable_all() noexcept {
  for (const auto& [from, to] : enabled_) {
    int previous = 0;
    if (cudaGetDevice(&previous) == cudaSuccess && cudaSetDevice(from) == cudaSuccess) {
      GPB_CUDA_CHECK_NOEXCEPT(cudaDeviceDisablePeerAccess(to));
      cudaSetDevice(previous);
    }
  }
  enabled_.clear();
}

void issue_all_lanes(Context& ctx,
                     const std::vector<Context::Lane>& lanes,
                     const std::function<void(std::size_t lane, cudaStream_t)>& issue) {
  for (std::size_t l = 0; l < lanes.size(); ++l) {
    const DeviceScope on(ctx.device(lanes[l].device));
    issue(l, lanes[l].stream);
  }
  for (const Context::Lane& l : lanes) {
    const DeviceScope on(ctx.device(l.device));
    GPB_CUDA_CHECK(cudaStreamSynchronize(l.stream));
  }
}

void add_direction_metrics(Context& ctx,
                           std::uint64_t bytes,
                           const std::vector<std::string>& names) {
  const std::vector<double> rates =
      lane_rates_gbps(static_cast<double>(bytes), ctx.lane_median_s());
  for (std::size_t lane = 0; lane < rates.size() && lane < names.size(); ++lane) {
    if (rates[lane] > 0) {
      ctx.add_metric({names[lane] + "_during_bidir",
                      rates[lane],
                      "GB/s",
                      "S / this direction's own median time (bidir_per_direction)"});
    }
  }
}

void measure_chase(Context& ctx,
                   const ChainUpload& upload,
                   const std::uint32_t* chain_view,
                   const std::string& cache_policy,
                   const std::string& memory) {
  upload(make_chase_chain(kChaseSlots, kChaseStrideBytes, ctx.seed()));
  DeviceBuffer<std::uint32_t> end(1);  // on the current device
  std::uint32_t* end_p = end.data();
  ctx.set_work({0.0, 0.0, "one dependent 4-byte load per op"}, RateKind::latency);
  ctx.set_convention({"uni", "sm", "once", cache_policy});
  ctx.note("chain",
           std::to_string(kChaseSlots) + " slots " + std::to_string(kChaseStrideBytes) +
               " bytes apart in " + memory + ", loads not cached (ld.global.cv)");
  MeasurePolicy policy = ctx.policy();
  policy.min_sample_s = std::max(policy.min_sample_s, 0.01);  // thousands of loads per launch
  policy.max_noise = std::max(policy.max_noise, 0.01);
  ctx.measure(
      [=](cudaStream_t s, std::int64_t ops) {
        GPB_CUDA_CHECK(launch_pointer_chase(chain_view, ops, end_p, s));
      },
      policy);
  ctx.set_peak_unknown("latency: no peak applies");

  if (ctx.options().verify) {
    constexpr std::int64_t kHops = 10000;
    GPB_CUDA_CHECK(cudaStreamSynchronize(ctx.stream()));  // no timed chase still reads it
    const std::vector<std::uint32_t> fresh =
        make_chase_chain(kChaseSlots, kChaseStrideBytes, ctx.seed() + 1);
    upload(fresh);
    GPB_CUDA_CHECK(launch_pointer_chase(chain_view, kHops, end_p, ctx.stream()));
    std::uint32_t got = 0;
    GPB_CUDA_CHECK(cudaMemcpyAsync(&got, end_p, sizeof got, cudaMemcpyDeviceToHost, ctx.stream()));
    GPB_CUDA_CHECK(cudaStreamSynchronize(ctx.stream()));
    const std::uint32_t want = chase(fresh, kHops);
    ctx.verified(got == want,
                 "after " + std::to_string(kHops) +
                     " loads of a fresh chain the chase ends at word " + std::to_string(got) +
                     ", the host's replay at " + std::to_string(want));
  }
}

void record_checks(Context& ctx, const std::vector<std::pair<std::string, PatternCheck>>& checks) {
  bool ok = true;
  std::vector<std::string> parts;
  for (const auto& [what, c] : checks) {
    ok = ok && c.ok();
    parts.push_back(what + ": " + pattern_check_text(c));
  }
  ctx.verified(ok, join(parts, "; "));
}

}  // namespace gpb::link_cases
