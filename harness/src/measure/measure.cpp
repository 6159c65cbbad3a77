// SPDX-License-Identifier: Apache-2.0
#include <gpb/measure/measure.hpp>
#include <gpb/measure/stats.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace gpb {

std::int64_t plan_ops_per_sample(double elapsed_s, std::int64_t ops, const MeasurePolicy& policy) {
  if (!(elapsed_s > 0) || !std::isfinite(elapsed_s)) {
    // Nothing measurable yet: grow fast, the caller re-times.
    return std::min(policy.max_ops_per_sample, std::max<std::int64_t>(1, ops) * 100);
  }
  const double per_op = elapsed_s / static_cast<double>(std::max<std::int64_t>(1, ops));
  const double wanted = std::ceil(policy.min_sample_s / per_op);
  if (wanted >= static_cast<double>(policy.max_ops_per_sample)) {
    return policy.max_ops_per_sample;
  }
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(wanted));
}

namespace {

bool is_usable(double elapsed_s, const MeasurePolicy& policy) {
  return std::isfinite(elapsed_s) && elapsed_s >= policy.resolution_floor_s;
}

// Noise has plateaued when the last `window` noise values differ by less than the tolerance
// relative to their mean: more samples would not make the estimate better (nvbench stdrel).
bool noise_plateaued(const std::vector<double>& noise_history, const MeasurePolicy& policy) {
  const auto window = static_cast<std::size_t>(std::max(2, policy.plateau_window));
  if (noise_history.size() < window) {
    return false;
  }
  const auto first = noise_history.end() - static_cast<std::ptrdiff_t>(window);
  const auto [lo, hi] = std::minmax_element(first, noise_history.end());
  const double mean =
      std::accumulate(first, noise_history.end(), 0.0) / static_cast<double>(window);
  return mean > 0 && (*hi - *lo) / mean < policy.plateau_tolerance;
}

ClockSummary summarize_clocks(const std::vector<double>& clocks_mhz) {
  ClockSummary c;
  if (clocks_mhz.empty()) {
    c.reason = "not_measured";
    return c;
  }
  const auto [lo, hi] = std::minmax_element(clocks_mhz.begin(), clocks_mhz.end());
  c.min_mhz = *lo;
  c.max_mhz = *hi;
  c.mean_mhz = std::accumulate(clocks_mhz.begin(), clocks_mhz.end(), 0.0) /
               static_cast<double>(clocks_mhz.size());
  return c;
}

}  // namespace

std::string_view to_string(StopRule rule) noexcept {
  return rule == StopRule::fixed_count ? "fixed_count" : "relative_noise";
}

namespace {

bool stop_requested(const MeasurePolicy& policy) {
  return policy.stop_flag != nullptr && *policy.stop_flag != 0;
}

void mark_invalid(SampleSet& out, const char* reason) {
  out.status = Status::invalid;
  out.reasons.push_back(reason);
  out.stop.reason = "invalid";
}

/// Host seconds since measure() started, against policy.timeout_s (MR-3).
class Deadline {
 public:
  Deadline(TimingBackend& backend, double timeout_s)
      : backend_(backend), started_s_(backend.now_s()), timeout_s_(timeout_s) {}
  double elapsed_s() const { return backend_.now_s() - started_s_; }
  bool passed() const { return elapsed_s() >= timeout_s_; }

 private:
  TimingBackend& backend_;
  double started_s_;
  double timeout_s_;
};

/// What the sampling loop carries from one sample to the next.
struct SamplingState {
  std::optional<double> default_clock;
  std::vector<double> clocks_mhz;
  std::vector<double> noise_history;
  double recovery_s = 0.05;
  std::int64_t unusable = 0;
  std::vector<double> throttled_per_op_s;  // kept aside: the result when nothing else is left
};

// Calibration (MR-1): grow the batch until one sample is well above timer resolution.
// Calibration samples are not kept: the first batches still carry ramp-up effects.
// Returns false when calibration already decided the outcome (interrupted or invalid).
bool calibrate(TimingBackend& backend,
               const MeasurePolicy& policy,
               const Deadline& deadline,
               SampleSet& out) {
  std::int64_t ops = 1;
  for (;;) {
    if (stop_requested(policy)) {
      out.status = Status::interrupted;
      out.reasons.push_back("interrupted_by_signal");
      out.stop.reason = "interrupted";
      return false;
    }
    const TimedSample t = backend.sample(ops);
    if (t.gate_timeout) {  // MR-6: a body blocked behind the launch gate
      mark_invalid(out, "blocking_kernel_timeout");
      return false;
    }
    if (is_usable(t.elapsed_s, policy) && t.elapsed_s >= policy.min_sample_s) {
      break;
    }
    const std::int64_t next = plan_ops_per_sample(t.elapsed_s, ops, policy);
    if (next <= ops || deadline.passed()) {
      if (!is_usable(t.elapsed_s, policy)) {
        mark_invalid(out, "below_timer_resolution");
        out.ops_per_sample = ops;
        return false;
      }
      break;  // capped: the sample is usable, just shorter than the target
    }
    ops = next;
  }
  out.ops_per_sample = ops;
  return true;
}

/// Why sampling ends before the next sample is taken; nullptr to take it.
const char* stop_before_sample(const MeasurePolicy& policy,
                               const Deadline& deadline,
                               const SampleSet& out) {
  if (stop_requested(policy)) {
    return "interrupted";
  }
  if (deadline.passed()) {
    return "timeout";
  }
  if (static_cast<int>(out.per_op_s.size()) >= policy.max_samples) {
    return "max_samples";
  }
  return nullptr;
}

enum class SampleOutcome { kept, discarded, invalid };

/// Times one batch of out.ops_per_sample operations and files it: kept, discarded (unusable
/// or throttled), or invalid (which ends sampling with `out` marked invalid).
SampleOutcome take_sample(TimingBackend& backend,
                          const MeasurePolicy& policy,
                          SamplingState& state,
                          SampleSet& out) {
  const std::int64_t ops = out.ops_per_sample;
  const TimedSample t = backend.sample(ops);
  if (t.gate_timeout) {  // MR-6: a body blocked behind the launch gate
    mark_invalid(out, "blocking_kernel_timeout");
    return SampleOutcome::invalid;
  }
  if (!is_usable(t.elapsed_s, policy)) {
    ++state.unusable;  // zero, negative or NaN event time: never a rate (MR-1)
    if (state.unusable > policy.min_samples) {
      mark_invalid(out, "unusable_samples");
      return SampleOutcome::invalid;
    }
    return SampleOutcome::discarded;
  }
  if (state.default_clock && t.sm_clock_mhz &&
      *t.sm_clock_mhz < policy.throttle_threshold * *state.default_clock) {
    ++out.stop.discarded;  // MR-7: the card was throttling; wait with a growing delay
    state.throttled_per_op_s.push_back(t.elapsed_s / static_cast<double>(ops));
    backend.sleep_s(state.recovery_s);
    state.recovery_s = std::min(state.recovery_s * 2, 1.0);
    return SampleOutcome::discarded;
  }
  out.per_op_s.push_back(t.elapsed_s / static_cast<double>(ops));
  if (out.lane_per_op_s.size() < t.lane_elapsed_s.size()) {
    out.lane_per_op_s.resize(t.lane_elapsed_s.size());
  }
  for (std::size_t l = 0; l < t.lane_elapsed_s.size(); ++l) {
    out.lane_per_op_s[l].push_back(t.lane_elapsed_s[l] / static_cast<double>(ops));
  }
  out.stop.gpu_time_s += t.elapsed_s;
  if (t.sm_clock_mhz) {
    state.clocks_mhz.push_back(*t.sm_clock_mhz);
  }
  return SampleOutcome::kept;
}

/// The stopping rule (MR-3) after a kept sample: why sampling ends now; nullptr to go on.
const char* stop_reason(const MeasurePolicy& policy, SamplingState& state, const SampleSet& out) {
  const bool enough_samples = static_cast<int>(out.per_op_s.size()) >= policy.min_samples;
  const bool enough_time = out.stop.gpu_time_s >= policy.min_time_s;
  if (!enough_samples || !enough_time) {
    return nullptr;
  }
  if (policy.rule == StopRule::fixed_count) {
    return "fixed_count";
  }
  const double noise = relative_stdev(out.per_op_s).value_or(0.0);
  if (noise <= policy.max_noise) {
    return "converged";
  }
  state.noise_history.push_back(noise);
  if (noise_plateaued(state.noise_history, policy)) {
    return "plateau";
  }
  return nullptr;
}

/// Samples until a stop reason is set in out.stop.reason.
void sample_until_stopped(TimingBackend& backend,
                          const MeasurePolicy& policy,
                          const Deadline& deadline,
                          SamplingState& state,
                          SampleSet& out) {
  for (;;) {
    if (const char* why = stop_before_sample(policy, deadline, out)) {
      out.stop.reason = why;
      return;
    }
    const SampleOutcome outcome = take_sample(backend, policy, state, out);
    if (outcome == SampleOutcome::invalid) {
      return;
    }
    if (outcome == SampleOutcome::discarded) {
      continue;
    }
    if (const char* why = stop_reason(policy, state, out)) {
      out.stop.reason = why;
      return;
    }
  }
}

/// No kept sample, or over half of them discarded as throttled: the verdict (true) or nothing.
bool judge_throttled(std::vector<double>& throttled_per_op_s, SampleSet& out) {
  const auto total =
      static_cast<double>(out.per_op_s.size()) + static_cast<double>(out.stop.discarded);
  if (out.per_op_s.empty()) {
    if (throttled_per_op_s.empty()) {
      out.status = Status::invalid;
      out.reasons.push_back("no_samples");
      return true;
    }
    // Every sample ran below the clock threshold: report what the card did, marked throttled,
    // rather than nothing (MR-7: throttled is never empty or NaN).
    out.per_op_s = std::move(throttled_per_op_s);
    out.lane_per_op_s.clear();  // kept only for kept samples: none of these was
    out.status = Status::throttled;
    out.reasons.push_back("all_samples_below_clock_threshold");
    return true;
  }
  if (out.stop.discarded > 0 && static_cast<double>(out.stop.discarded) > 0.5 * total) {
    out.status = Status::throttled;
    out.reasons.push_back("over_half_samples_below_clock_threshold");
    return true;
  }
  return false;
}

/// Stopped by the timeout or max_samples: lists the unmet criteria; true (noisy) when any is.
bool judge_unmet(const MeasurePolicy& policy, SampleSet& out) {
  if (out.stop.reason != "timeout" && out.stop.reason != "max_samples") {
    return false;
  }
  if (static_cast<int>(out.per_op_s.size()) < policy.min_samples) {
    out.stop.unmet.push_back("min_samples");
  }
  if (out.stop.gpu_time_s < policy.min_time_s) {
    out.stop.unmet.push_back("min_time");
  }
  const double noise = relative_stdev(out.per_op_s).value_or(0.0);
  if (policy.rule == StopRule::relative_noise && noise > policy.max_noise) {
    out.stop.unmet.push_back("max_noise");
  }
  if (out.stop.unmet.empty()) {
    return false;
  }
  out.status = Status::noisy;
  for (const auto& u : out.stop.unmet) {
    out.reasons.push_back("unmet_" + u);
  }
  return true;
}

/// Stopped at a plateau: notes a noise above target; true (noisy) when the spread is too wide.
bool judge_plateau(const MeasurePolicy& policy, SampleSet& out) {
  if (out.stop.reason != "plateau") {
    return false;
  }
  // The noise stopped falling but sits above the target: keep the result (MR-3 accepts a
  // plateau), say so, and call a spread this large noisy rather than valid: a median of a
  // bimodal series can be a time no sample had.
  const double noise = relative_stdev(out.per_op_s).value_or(0.0);
  if (noise > policy.max_noise) {
    out.reasons.push_back("plateau_above_max_noise");
  }
  if (noise > kPlateauNoisyAbove) {
    out.status = Status::noisy;
    return true;
  }
  return false;
}

/// The verdict once sampling ended: invalid stays, then interrupted, throttled (MR-7), noisy
/// (unmet criteria or a wide plateau), else valid.
void judge(const MeasurePolicy& policy, std::vector<double>& throttled_per_op_s, SampleSet& out) {
  if (out.status == Status::invalid) {
    return;
  }
  if (out.stop.reason == "interrupted") {
    out.status = Status::interrupted;
    out.reasons.push_back("interrupted_by_signal");
    return;
  }
  if (judge_throttled(throttled_per_op_s, out) || judge_unmet(policy, out) ||
      judge_plateau(policy, out)) {
    return;
  }
  out.status = Status::valid;
}

}  // namespace

SampleSet measure(TimingBackend& backend, const MeasurePolicy& policy) {
  SampleSet out;
  const Deadline deadline(backend, policy.timeout_s);

  for (int i = 0; i < policy.warmup_runs; ++i) {  // MR-2: untimed warm-up first
    backend.warmup(1);
  }
  if (!calibrate(backend, policy, deadline, out)) {
    return out;
  }

  SamplingState state;
  state.default_clock = backend.default_sm_clock_mhz();
  sample_until_stopped(backend, policy, deadline, state, out);
  out.stop.wall_time_s = deadline.elapsed_s();
  out.sm_clock = summarize_clocks(state.clocks_mhz);

  judge(policy, state.throttled_per_op_s, out);
  return out;
}

}  // namespace gpb

namespace gpb {

MeasurePolicy with_min_time_cap(MeasurePolicy policy, std::optional<double> cap) noexcept {
  if (cap && *cap >= 0 && *cap < policy.min_time_s) {
    policy.min_time_s = *cap;
  }
  return policy;
}

double planned_sampling_s(const MeasurePolicy& policy) noexcept {
  const double by_samples = static_cast<double>(policy.min_samples) * policy.min_sample_s;
  return policy.min_sample_s + std::max(policy.min_time_s, by_samples);
}

}  // namespace gpb
