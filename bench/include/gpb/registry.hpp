// SPDX-License-Identifier: Apache-2.0
// The only API a benchmark case sees (DESIGN §5): self-registration of typed sweeps, and a
// small Context to declare work, check memory, time through the one timing policy, and verify.
// Cases never print, never catch, never touch cudaEvent_t.
#pragma once

#include <gpb/measure/measure.hpp>
#include <gpb/result/schema.hpp>
#include <gpb/run/cli.hpp>
#include <gpb/run/device_set.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#if GPB_HAS_CUDA
#include <cuda_runtime_api.h>
#endif

namespace gpb {

/// Profiles a case belongs to (bit mask).
enum ProfileMask : unsigned { kQuick = 1u, kDefault = 2u, kFull = 4u, kAllProfiles = 7u };
bool in_profile(unsigned mask, Profile p) noexcept;

/// What a case needs from the machine.
struct Requires {
  bool gpu = true;            ///< false for host-only cases
  int min_cc = 0;             ///< minimum compute capability, major*10+minor (e.g. 89 for fp8)
  std::string min_cc_reason;  ///< why, for the not_supported reason
  DeviceSet devices = DeviceSet::each;  ///< what one instance runs on (GPU cases)
  bool peer_access = false;  ///< every pair of the set must reach the other's memory directly
};

/// What the rate of a case means. `latency`: one op is one access, and the headline is the
/// median time per op in ns (lower is better), not a rate.
enum class RateKind { bandwidth, flops, int_ops, latency };

/// Options every case reads (no globals, DESIGN §1.6).
struct RunOptions {
  Profile profile = Profile::standard;
  std::uint64_t seed = 0;
  bool verify = true;
  bool numa_affinity = true;  ///< host buffers bound to the GPU's NUMA node (MR-16)
  MeasurePolicy policy;       ///< policy.stop_flag is set from the signal handler (FH-8)
};

/// Thrown by Context::skip and require_device_bytes; the wrapper records the status.
class CaseSkip : public std::runtime_error {
 public:
  CaseSkip(Status status, std::string reason, const std::string& message)
      : std::runtime_error(message), status_(status), reason_(std::move(reason)) {}
  Status status() const noexcept { return status_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  Status status_;
  std::string reason_;
};

class Context {
 public:
  /// `gpus`: the devices of the instance's set, in the set's order (src first for a pair);
  /// empty for host cases.
  Context(const RunOptions& options, CaseResult& result, std::vector<const GpuInfo*> gpus)
      : options_(options), result_(result), gpus_(std::move(gpus)) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const RunOptions& options() const noexcept { return options_; }
  Profile profile() const noexcept { return options_.profile; }
  std::uint64_t seed() const noexcept { return options_.seed; }
  /// The (first) device this case runs on; throws std::logic_error for host cases.
  const GpuInfo& gpu() const;
  /// Device `i` of the set; throws std::logic_error when there is none.
  const GpuInfo& gpu(std::size_t i) const;
  /// Every device of the set, in order.
  const std::vector<const GpuInfo*>& gpus() const noexcept { return gpus_; }
  std::size_t device_count() const noexcept { return gpus_.size(); }

  /// Work of ONE operation and what its rate means (headline unit follows from `kind`).
  void set_work(const Work& work, RateKind kind);
  void set_convention(const Convention& c) { result_.convention = c; }
  /// Peak in the headline's unit (GB/s or TFLOP/s) and where it came from (MR-13).
  void set_peak(double value, std::string source);
  void set_peak_unknown(std::string reason);
  void note(const std::string& key, const std::string& value) { result_.notes[key] = value; }
  /// A secondary rate (e.g. sustained TFLOP/s), with its role when it is a buyer-facing number.
  void add_metric(Metric m) { result_.metrics.push_back(std::move(m)); }
  /// The buyer-facing quantity the headline (work / median time) is, e.g. HBM triad (see
  /// metric_role.hpp); report selects numbers by role only.
  void set_headline_role(MetricRole role) { headline_role_ = std::move(role); }
  const MetricRole& headline_role() const noexcept { return headline_role_; }

  /// MR-15: skip (insufficient_host_memory) unless `bytes` of host memory fit in MemAvailable
  /// minus the reserve. Call before pinning large host buffers; proceeds when unreadable.
  void require_host_bytes(std::uint64_t bytes);
  /// Records the verification verdict (MR-10); call once, after timing (MR-11).
  void verified(bool ok, std::string detail);
  [[noreturn]] void skip(Status status, std::string reason, const std::string& message);

  /// Times `body(ops)` (ops back-to-back host operations) with the steady clock.
  void measure_host(const std::function<void(std::int64_t ops)>& body);
  /// Times with any backend and records the samples into the result (used by both paths).
  void measure_with(TimingBackend& backend);
  /// Same with a case-specific policy (e.g. a short burst window); the stop flag is kept.
  void measure_with(TimingBackend& backend, const MeasurePolicy& policy);
  /// Idles the host (and so the device) for `seconds`: lets power and clocks recover before a
  /// burst window. Never inside a timed region.
  void cool_down(double seconds) const;
  /// Same policy, samples returned instead of recorded (algorithm search, sustained windows).
  SampleSet time_with(TimingBackend& backend, const MeasurePolicy& policy) const;
  /// The effective policy for this run (profile + CLI overrides).
  const MeasurePolicy& policy() const noexcept { return options_.policy; }

#if GPB_HAS_CUDA
  /// CUDA ordinal of device `i` of the set.
  int device(std::size_t i = 0) const {
    return gpu(i).ordinal;
  }
  /// The case's own stream on device `i` (created for the case, destroyed after it).
  cudaStream_t stream(std::size_t i = 0) const noexcept {
    return i < streams_.size() ? streams_[i] : nullptr;
  }
  /// One stream per device of the set, set by the device runtime around the body.
  void set_streams(std::vector<cudaStream_t> streams) noexcept {
    streams_ = std::move(streams);
  }
  /// MR-15: skip (insufficient_device_memory) unless `bytes` fit in free memory minus the
  /// reserve. Call before allocating.
  void require_device_bytes(std::uint64_t bytes);
  /// Times `body(stream, ops)`, which must enqueue exactly `ops` operations on `stream`.
  void measure(const std::function<void(cudaStream_t, std::int64_t ops)>& body);
  void measure(const std::function<void(cudaStream_t, std::int64_t ops)>& body,
               const MeasurePolicy& policy);
  /// Unrecorded timing of a device body under `policy` (for searches and sustained windows).
  SampleSet time(const std::function<void(cudaStream_t, std::int64_t ops)>& body,
                 const MeasurePolicy& policy) const;
  /// Work issued on every device of the set as one sample: `body(i, stream(i), ops)` enqueues
  /// `ops` operations on device i; the sample is the slowest device's span (events on each).
  using SetBody = std::function<void(std::size_t lane, cudaStream_t, std::int64_t ops)>;
  void measure_all(const SetBody& body);
  void measure_all(const SetBody& body, const MeasurePolicy& policy);
  /// One lane of a set measurement: work on device `device` of the set, on `stream`. Lanes may
  /// share a device (the two directions of a bidirectional copy, each on its own stream).
  struct Lane {
    std::size_t device = 0;
    cudaStream_t stream = nullptr;
  };
  /// measure_all over explicit lanes: `body(lane, stream, ops)`; the sample is the slowest
  /// lane's span.
  void measure_lanes(const std::vector<Lane>& lanes,
                     const SetBody& body,
                     const MeasurePolicy& policy);
#endif
  /// After measure_all / measure_lanes: each lane's median seconds per operation over the kept
  /// samples, in lane order (a direction's or a GPU's own share of the sample); empty after a
  /// single-stream measurement.
  const std::vector<double>& lane_median_s() const noexcept {
    return lane_median_s_;
  }

  CaseResult& result() noexcept {
    return result_;
  }
  RateKind rate_kind() const noexcept {
    return rate_kind_;
  }
  bool verify_called() const noexcept {
    return verify_called_;
  }

 private:
  const RunOptions& options_;
  CaseResult& result_;
  std::vector<const GpuInfo*> gpus_;
  RateKind rate_kind_ = RateKind::bandwidth;
  MetricRole headline_role_;
  bool verify_called_ = false;
#if GPB_HAS_CUDA
  std::vector<cudaStream_t> streams_;
#endif
  std::vector<double> lane_median_s_;
};

/// Description of one sweep point.
struct CaseDesc {
  CaseDesc() = default;
  CaseDesc(Params params_,
           unsigned profiles_ = kAllProfiles,
           std::optional<double> min_time_cap_s_ = std::nullopt)
      : params(std::move(params_)), profiles(profiles_), min_time_cap_s(min_time_cap_s_) {}
  Params params;  ///< appended to the family as k=v segments
  unsigned profiles = kAllProfiles;
  /// Caps the profile's minimum timed seconds (MR-3) for this case, so a family with one
  /// instance per GPU pair (56 on 8 GPUs) fits its profile's time budget; nullopt: no cap.
  std::optional<double> min_time_cap_s;
};

/// One registered case (before it is bound to a device).
struct CaseSpec {
  std::string family;  ///< e.g. "stream/hbm"; the first segment is the family selector
  std::string name;    ///< family + "/k=v" for each param
  int methodology_version = 1;
  Params params;
  unsigned profiles = kAllProfiles;
  std::optional<double> min_time_cap_s;  ///< see CaseDesc
  Requires requires_;
  std::function<void(Context&)> body;
};

/// The static catalog (the only singleton, DESIGN §1.6).
class Catalog {
 public:
  static Catalog& instance();
  void add(CaseSpec spec);
  const std::vector<CaseSpec>& cases() const noexcept { return cases_; }

 private:
  std::vector<CaseSpec> cases_;
};

std::string case_name(const std::string& family, const Params& params);

/// Registers one case per sweep point. Describe: P -> CaseDesc; Body: (Context&, const P&).
template <class P, class Describe, class Body>
int register_sweep(const char* family,
                   int methodology_version,
                   std::vector<P> points,
                   Describe describe,
                   const Requires& req,
                   Body body) {
  for (const P& p : points) {
    CaseDesc d = describe(p);
    CaseSpec spec;
    spec.family = family;
    spec.params = d.params;
    spec.name = case_name(spec.family, d.params);
    spec.methodology_version = methodology_version;
    spec.profiles = d.profiles;
    spec.min_time_cap_s = d.min_time_cap_s;
    spec.requires_ = req;
    spec.body = [body, p](Context& ctx) { body(ctx, p); };
    Catalog::instance().add(std::move(spec));
  }
  return 0;
}

#define GPB_CONCAT_INNER(a, b) a##b
#define GPB_CONCAT(a, b) GPB_CONCAT_INNER(a, b)
#define GPB_REGISTER(...)                                            \
  [[maybe_unused]] static const int GPB_CONCAT(gpb_reg_, __LINE__) = \
      ::gpb::register_sweep(__VA_ARGS__)

}  // namespace gpb
