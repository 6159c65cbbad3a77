// SPDX-License-Identifier: Apache-2.0
// THE timing policy (DESIGN §1.4, METHODOLOGY MR-1..3, MR-7): warm-up, batching to a sample
// length well above timer resolution, an nvbench-style stopping rule, throttle discards.
// Host-only: the GPU side implements TimingBackend (bench/src/cuda_timing.cpp); tests fake it.
#pragma once

#include <gpb/result/schema.hpp>
#include <gpb/result/status.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpb {

/// The criterion that ends sampling once the minimum samples and time are reached (MR-3). Any
/// rule also ends at the timeout or at max_samples, with what is unmet listed.
enum class StopRule {
  /// nvbench's stdrel: the relative stdev is at most max_noise ("converged"), or it has stopped
  /// falling ("plateau"). Every recorded measurement uses it.
  relative_noise,
  /// Exactly min_samples samples ("fixed_count"), whatever the noise: ranking candidates in a
  /// search, and the back-to-back windows of a sustained run, whose drift is the point.
  fixed_count,
};

std::string_view to_string(StopRule rule) noexcept;

/// Knobs of the stopping rule. Defaults are METHODOLOGY MR-2/3/7 (nvbench's stdrel).
struct MeasurePolicy {
  StopRule rule = StopRule::relative_noise;
  int warmup_runs = 1;               ///< untimed operations before calibration (MR-2)
  int min_samples = 10;              ///< MR-3
  int max_samples = 5000;            ///< hard cap; stopping here is recorded as max_samples
  double min_time_s = 0.5;           ///< accumulated timed seconds before noise may stop (MR-3)
  double max_noise = 0.005;          ///< target Bessel relative stdev (MR-3)
  double timeout_s = 15;             ///< host seconds of sampling before giving up (MR-3)
  double min_sample_s = 1e-3;        ///< batch ops until one sample lasts at least this (MR-1)
  double resolution_floor_s = 2e-6;  ///< a sample shorter than this never becomes a rate (MR-1)
  /// Discard samples below this fraction of the reference clock (MR-7). The reference we can
  /// read everywhere is the MAX boost clock (cudaDevAttrClockRate); nvbench's 75 % is of the
  /// default clock. Hopper's base clock is ~80 % of max (1590 of 1980 MHz on H100 SXM), so 0.6
  /// of max ~ 0.75 of base. Measured on an H200: power-capped GEMMs hold 1485-1515 MHz (75-77 %
  /// of max) for good; 0.75 of max would throw that steady state away.
  double throttle_threshold = 0.6;
  std::int64_t max_ops_per_sample = std::int64_t{1} << 24;
  int plateau_window = 8;           ///< noise values compared for the plateau test
  double plateau_tolerance = 0.02;  ///< relative spread of noise that counts as "no longer falling"
  const volatile int* stop_flag = nullptr;  ///< non-zero: stop sampling now (SIGINT/SIGTERM, FH-8)
  /// false for a body that blocks the host until the device has moved (a pageable copy):
  /// behind the launch gate it would wait for a release that only comes after it returns.
  bool allow_gate = true;
};

/// A plateau whose relative stdev is above this is `noisy`, not `valid` (bimodal timings).
inline constexpr double kPlateauNoisyAbove = 0.10;

/// One timed batch as the backend saw it.
struct TimedSample {
  double elapsed_s = 0;                ///< device time of the whole batch
  std::optional<double> sm_clock_mhz;  ///< measured SM clock during the batch (MR-7)
  bool gate_timeout = false;           ///< the launch gate's device-side timeout fired (MR-6)
  /// Each lane's own span when several lanes are timed as one sample (elapsed_s is the
  /// slowest); empty for a single stream.
  std::vector<double> lane_elapsed_s;
};

/// What measure() drives. Implementations must keep verification and allocation out of
/// sample(); sample() times exactly `ops` operations.
class TimingBackend {
 public:
  virtual ~TimingBackend() = default;
  /// Runs `ops` operations untimed (module load, first-touch, clocks ramp).
  virtual void warmup(std::int64_t ops) = 0;
  /// Times `ops` back-to-back operations.
  virtual TimedSample sample(std::int64_t ops) = 0;
  /// Default (base) SM clock to compare samples with; nullopt disables throttle discards.
  virtual std::optional<double> default_sm_clock_mhz() const = 0;
  /// Monotonic host clock in seconds (the fake returns a virtual clock).
  virtual double now_s() = 0;
  /// Throttle-recovery pause.
  virtual void sleep_s(double s) = 0;
};

/// The outcome of measure(): per-operation samples plus the verdict of the stopping rule.
struct SampleSet {
  std::int64_t ops_per_sample = 0;
  std::vector<double> per_op_s;  ///< kept samples, seconds per operation
  /// [lane][kept sample] seconds per operation of each lane, for the same kept samples as
  /// per_op_s (empty for a single stream, and when only throttled samples remained).
  std::vector<std::vector<double>> lane_per_op_s;
  StopInfo stop;
  Status status = Status::unknown;  ///< valid | noisy | throttled | invalid
  std::vector<std::string> reasons;
  ClockSummary sm_clock;
};

/// Runs the policy. Never returns NaN or infinite samples; an empty `per_op_s` comes only with
/// status invalid and a reason. Exceptions from the backend propagate (the case wrapper turns
/// them into a status).
SampleSet measure(TimingBackend& backend, const MeasurePolicy& policy);

/// `policy` with its minimum timed seconds lowered to `cap` when the case sets one (a family
/// with one instance per GPU pair keeps its profile's time budget that way).
MeasurePolicy with_min_time_cap(MeasurePolicy policy, std::optional<double> cap) noexcept;

/// The least sampling time `policy` plans for one case when every sample is as short as it
/// may be and the noise is met at once: one calibration sample, then the minimum timed
/// seconds or the minimum number of samples, whichever lasts longer. What a profile's time
/// budget is counted in (setup and verification come on top).
double planned_sampling_s(const MeasurePolicy& policy) noexcept;

/// Chooses the number of ops per sample from one calibration timing: enough that a sample
/// lasts `min_sample_s`, never fewer than 1, capped at max_ops_per_sample.
std::int64_t plan_ops_per_sample(double elapsed_s, std::int64_t ops, const MeasurePolicy& policy);

}  // namespace gpb
