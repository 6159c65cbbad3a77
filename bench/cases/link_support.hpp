// SPDX-License-Identifier: Apache-2.0
// What the link cases share (copy/*, peer/*): sizes and their names, host memory bound to the
// GPU's NUMA node (MR-16), the PCIe link right after the copies and its per-direction peak
// (METHODOLOGY §3), peer access, and the check of a destination against the seeded pattern
// (MR-10, common/pattern.hpp). Only the link cases include it.
#pragma once

#include <gpb/common/pattern.hpp>
#include <gpb/cuda_raii.hpp>
#include <gpb/registry.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sched.h>

namespace gpb::link_cases {

constexpr std::uint64_t kKiB = std::uint64_t{1} << 10;
constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

/// "4KiB", "256MiB", "1GiB": the largest binary unit that divides the size.
std::string size_text(std::uint64_t bytes);

/// The sizes of a --full sweep: 4 KiB (latency-bound) to 1 GiB, by factors of 16, plus 1 GiB.
std::vector<std::uint64_t> sweep_sizes();

/// Below this a copy is bound by its per-copy cost, not by the link: no peak is applied.
constexpr std::uint64_t kLatencyBoundBelow = 1 * kMiB;

/// Binds the calling thread to `cpus` for its lifetime, restoring the old mask afterwards.
class ScopedCpuAffinity {
 public:
  explicit ScopedCpuAffinity(const std::vector<int>& cpus);
  ~ScopedCpuAffinity();
  ScopedCpuAffinity(const ScopedCpuAffinity&) = delete;
  ScopedCpuAffinity& operator=(const ScopedCpuAffinity&) = delete;
  bool bound() const noexcept { return bound_; }

 private:
  cpu_set_t old_;
  bool bound_ = false;
};

/// MR-16: binds the calling thread to the CPUs local to `gpu` (unless --no-affinity), so host
/// buffers allocated and first touched next come from its NUMA node; says what happened in
/// note `note_key`.
void bind_to_gpu_node(Context& ctx,
                      const GpuInfo& gpu,
                      std::optional<ScopedCpuAffinity>& bound,
                      const std::string& note_key);

enum class HostMemory {
  pinned,    ///< cudaHostAlloc: the copy engines reach it directly
  pageable,  ///< ordinary memory: the driver stages it
  mapped,    ///< pinned and mapped into every device: SM kernels load and store it
};

/// Host bytes of one kind; `device_view()` is the address kernels use for mapped memory.
class HostBytes {
 public:
  HostBytes(std::uint64_t bytes, HostMemory kind);
  unsigned char* data() { return pinned_ ? pinned_->data() : pageable_.get(); }
  void* device_view() const;

 private:
  std::optional<PinnedBuffer<unsigned char>> pinned_;
  std::unique_ptr<unsigned char[]> pageable_;
};

/// A per-direction link peak in GB/s, or why there is none.
struct LinkPeak {
  std::optional<double> gbps;
  std::string source;  ///< how it was obtained
  std::string reason;  ///< why gbps is empty
};

/// The PCIe link of `gpu` right after its copies (an idle link drops its generation: NVML
/// first, then sysfs) and its per-direction peak; the link goes into note `note_key`.
LinkPeak pcie_peak_now(Context& ctx, const GpuInfo& gpu, const std::string& note_key);

/// Records `per_direction_gbps x directions` as the case's peak (`what` says which link), or
/// why it has none. Sizes below kLatencyBoundBelow get no peak (their copies are bound by the
/// per-copy cost; a percentage would only read as a fault).
void set_link_peak(Context& ctx,
                   const LinkPeak& peak,
                   double directions,
                   std::uint64_t size,
                   const std::string& what);

/// Checks `bytes` at device address `p` against the pattern of `seed` on device `ordinal`
/// (a kernel there, so a peer's buffer is checked where it lives).
PatternCheck check_on_device(int ordinal, const void* p, std::uint64_t bytes, std::uint64_t seed);

/// Peer access from each of two devices to the other, enabled for the case and disabled
/// after it when this scope enabled it.
class ScopedPeerAccess {
 public:
  ScopedPeerAccess(int a, int b);
  ~ScopedPeerAccess();
  ScopedPeerAccess(const ScopedPeerAccess&) = delete;
  ScopedPeerAccess& operator=(const ScopedPeerAccess&) = delete;

 private:
  void enable(int from, int to);
  void disable_all() noexcept;
  std::vector<std::pair<int, int>> enabled_;
};

/// Issues `issue(lane, stream)` once on every lane, each with its device current, and only then
/// waits for all of them: the checked copies of a set run at once, as the timed ones did (MR-11).
void issue_all_lanes(Context& ctx,
                     const std::vector<Context::Lane>& lanes,
                     const std::function<void(std::size_t lane, cudaStream_t)>& issue);

/// After measure_lanes: each lane's own rate, S / its median time, as metric
/// `<names[lane]>_during_bidir` (bidir_per_direction).
void add_direction_metrics(Context& ctx,
                           std::uint64_t bytes,
                           const std::vector<std::string>& names);

/// The latency chain: 8192 slots 256 bytes apart (2 MiB), one random cycle.
constexpr std::size_t kChaseSlots = 8192;
constexpr std::size_t kChaseStrideBytes = 256;
constexpr std::size_t kChaseWords = kChaseSlots * kChaseStrideBytes / 4;

/// Writes a chain of kChaseWords words where the loads will go.
using ChainUpload = std::function<void(const std::vector<std::uint32_t>&)>;

/// Times one thread of the current device chasing the chain of the run's seed through
/// `chain_view` (the kChaseWords words `upload` writes: `memory` says where, for the note),
/// records work, convention and the missing peak, then verifies on a fresh chain (MR-11): the
/// word the device ends on equals the host's replay.
void measure_chase(Context& ctx,
                   const ChainUpload& upload,
                   const std::uint32_t* chain_view,
                   const std::string& cache_policy,
                   const std::string& memory);

/// Records the pattern check of every destination as the case's verification verdict.
void record_checks(Context& ctx, const std::vector<std::pair<std::string, PatternCheck>>& checks);

}  // namespace gpb::link_cases
