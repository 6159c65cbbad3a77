// SPDX-License-Identifier: Apache-2.0
// Host <-> device copy bandwidth through the copy engines (cudaMemcpyAsync), one direction at a
// time, from pinned and from pageable host memory (a separate, labelled case, MR-16): what the
// PCIe (or C2C) link of each GPU delivers, as nvbandwidth's host_to_device_memcpy_ce measures it.
// bytes per op = S, counted once (uni); GB/s = S / t / 1e9. Peak = the current PCIe link read
// right after the copies, from NVML (else sysfs): GT/s x lanes x encoding / 8 (METHODOLOGY §3).
// MR-16: the thread is bound to the CPUs local to the GPU before the host buffer is allocated
// and first touched, so its pages come from the GPU's NUMA node; --no-affinity turns it off.
#include <gpb/common/fill_hash.hpp>
#include <gpb/common/parallel.hpp>
#include <gpb/cuda_check.hpp>
#include <gpb/cuda_raii.hpp>
#include <gpb/kernels/fill.cuh>
#include <gpb/machine/host_link.hpp>
#include <gpb/machine/nvml.hpp>
#include <gpb/registry.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sched.h>

namespace gpb {
namespace {

struct CopyPoint {
  bool h2d;
  bool pinned;
  std::uint64_t bytes;
  unsigned profiles;
};

constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kGiB = 1ull << 30;

std::vector<CopyPoint> copy_sweep(bool h2d) {
  return {{h2d, true, 256 * kMiB, kQuick},
          {h2d, true, 1 * kGiB, kDefault | kFull},
          {h2d, false, 1 * kGiB, kDefault | kFull},
          {h2d, true, 64 * kMiB, kFull},
          {h2d, true, 4 * kGiB, kFull}};
}

std::string size_text(std::uint64_t bytes) {
  return bytes % kGiB == 0 ? std::to_string(bytes / kGiB) + "GiB"
                           : std::to_string(bytes / kMiB) + "MiB";
}

CaseDesc describe(const CopyPoint& p) {
  return {{{"memory", p.pinned ? "pinned" : "pageable"}, {"size", size_text(p.bytes)}}, p.profiles};
}

/// Binds the calling thread to `cpus` for its lifetime, restoring the old mask afterwards.
class ScopedCpuAffinity {
 public:
  explicit ScopedCpuAffinity(const std::vector<int>& cpus) {
    CPU_ZERO(&old_);
    if (sched_getaffinity(0, sizeof old_, &old_) != 0) {
      return;
    }
    cpu_set_t want;
    CPU_ZERO(&want);
    for (int c : cpus) {
      if (c < CPU_SETSIZE) {
        CPU_SET(c, &want);
      }
    }
    bound_ = sched_setaffinity(0, sizeof want, &want) == 0;
  }
  ~ScopedCpuAffinity() {
    if (bound_) {
      sched_setaffinity(0, sizeof old_, &old_);
    }
  }
  ScopedCpuAffinity(const ScopedCpuAffinity&) = delete;
  ScopedCpuAffinity& operator=(const ScopedCpuAffinity&) = delete;
  bool bound() const noexcept { return bound_; }

 private:
  cpu_set_t old_;
  bool bound_ = false;
};

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

/// Host bytes: pinned (cudaMallocHost) or ordinary pageable memory.
class HostBytes {
 public:
  HostBytes(std::uint64_t n, bool pinned) {
    if (pinned) {
      pinned_.emplace(static_cast<std::size_t>(n), cudaHostAllocDefault);
    } else {
      pageable_.reset(new unsigned char[n]);
    }
  }
  unsigned char* data() { return pinned_ ? pinned_->data() : pageable_.get(); }

 private:
  std::optional<PinnedBuffer<unsigned char>> pinned_;
  std::unique_ptr<unsigned char[]> pageable_;
};

float* as_floats(unsigned char* p) {
  return reinterpret_cast<float*>(p);
}

/// Seeded floats in [0.5, 1.5) written by the host, every page touched by this (bound) thread.
void fill_host(unsigned char* p, std::uint64_t bytes, std::uint64_t seed) {
  float* f = as_floats(p);
  parallel_for(bytes / 4, 0, [&](std::uint64_t begin, std::uint64_t end, unsigned) {
    for (std::uint64_t i = begin; i < end; ++i) {
      f[i] = hash_value(seed, i, 0.5f);
    }
  });
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

void run(Context& ctx, const CopyPoint& p) {
  const GpuInfo& gpu = ctx.gpu();
  std::optional<ScopedCpuAffinity> bound;
  if (ctx.options().numa_affinity) {
    const HostAffinity a = gpu_host_affinity("", gpu.pci_bus_id);
    if (!a.cpus.empty()) {
      bound.emplace(a.cpus);
      ctx.note("host_affinity",
               bound->bound() ? "bound to cpus " + cpus_text(a.cpus) + " (NUMA node " +
                                    std::to_string(a.numa_node) + ")"
                              : "not bound: sched_setaffinity failed");
    } else {
      ctx.note("host_affinity", "not bound: " + a.reason);
    }
  } else {
    ctx.note("host_affinity", "not bound (--no-affinity)");
  }
  const std::uint64_t bytes = p.bytes;
  ctx.require_device_bytes(bytes);
  HostBytes host(bytes, p.pinned);
  DeviceBuffer<unsigned char> device(static_cast<std::size_t>(bytes));
  const std::uint64_t n = bytes / 4;
  cudaStream_t stream = ctx.stream();
  if (p.h2d) {
    fill_host(host.data(), bytes, ctx.seed());
  } else {
    std::memset(host.data(), 0, bytes);  // touch every page here, on the bound node
    GPB_CUDA_CHECK(launch_fill_hash<float>(as_floats(device.data()), n, ctx.seed(), 0.5f, stream));
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
  const auto [speed, source] = link_after_copies(gpu.pci_bus_id);
  std::optional<double> peak;
  if (speed.value) {
    peak = pcie_peak_bytes_per_s(speed.value->gt_per_s, speed.value->width);
    char text[96];
    std::snprintf(text,
                  sizeof text,
                  "%.1f GT/s x%d (%s)",
                  speed.value->gt_per_s,
                  speed.value->width,
                  source.c_str());
    ctx.note("pcie_link", text);
  }
  if (peak) {
    ctx.set_peak(*peak / 1e9,
                 "PCIe per direction: GT/s x lanes x encoding / 8, the link right after the "
                 "copies (" +
                     source + ")");
  } else {
    ctx.set_peak_unknown(speed.value ? "pcie_rate_not_modelled"
                                     : "pcie_link_unknown: " + speed.reason);
  }

  if (ctx.options().verify) {
    // Fresh data (MR-11), one more copy, every byte checked.
    const std::uint64_t seed = ctx.seed() + 1;
    std::atomic<std::uint64_t> bad{0};
    if (p.h2d) {
      fill_host(host.data(), bytes, seed);
      GPB_CUDA_CHECK(cudaMemcpyAsync(device.data(), host.data(), bytes, kind, stream));
      GPB_CUDA_CHECK(cudaStreamSynchronize(stream));
      std::unique_ptr<unsigned char[]> back(new unsigned char[bytes]);
      GPB_CUDA_CHECK(cudaMemcpy(back.get(), device.data(), bytes, cudaMemcpyDeviceToHost));
      bad = std::memcmp(back.get(), host.data(), bytes) == 0 ? 0 : 1;
      ctx.verified(bad == 0,
                   bad == 0 ? "all " + std::to_string(bytes) + " bytes read back equal the source"
                            : "the device copy differs from the host source");
    } else {
      GPB_CUDA_CHECK(launch_fill_hash<float>(as_floats(device.data()), n, seed, 0.5f, stream));
      GPB_CUDA_CHECK(cudaMemcpyAsync(host.data(), device.data(), bytes, kind, stream));
      GPB_CUDA_CHECK(cudaStreamSynchronize(stream));
      const float* f = as_floats(host.data());
      parallel_for(n, 0, [&](std::uint64_t begin, std::uint64_t end, unsigned) {
        std::uint64_t local = 0;
        for (std::uint64_t i = begin; i < end; ++i) {
          local += f[i] != hash_value(seed, i, 0.5f) ? 1 : 0;
        }
        bad += local;
      });
      ctx.verified(bad == 0,
                   "all " + std::to_string(n) +
                       " floats vs their seeded values: " + std::to_string(bad.load()) + " differ");
    }
  }
}

GPB_REGISTER("copy/h2d", 1, copy_sweep(true), describe, Requires{}, run);
GPB_REGISTER("copy/d2h", 1, copy_sweep(false), describe, Requires{}, run);

}  // namespace
}  // namespace gpb
