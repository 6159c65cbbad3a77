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

SampleSet measure(TimingBackend& backend, const MeasurePolicy& policy) {
  SampleSet out;
  const double started_s = backend.now_s();
  const auto timed_out = [&] { return backend.now_s() - started_s >= policy.timeout_s; };

  for (int i = 0; i < policy.warmup_runs; ++i) {
    backend.warmup(1);
  }

  // Calibration (MR-1): grow the batch until one sample is well above timer resolution.
  // Calibration samples are not kept: the first batches still carry ramp-up effects.
  std::int64_t ops = 1;
  for (;;) {
    if (policy.stop_flag != nullptr && *policy.stop_flag != 0) {
      out.status = Status::interrupted;
      out.reasons.push_back("interrupted_by_signal");
      out.stop.reason = "interrupted";
      return out;
    }
    const TimedSample t = backend.sample(ops);
    if (t.gate_timeout) {
      out.status = Status::invalid;
      out.reasons.push_back("blocking_kernel_timeout");
      out.stop.reason = "invalid";
      return out;
    }
    if (is_usable(t.elapsed_s, policy) && t.elapsed_s >= policy.min_sample_s) {
      break;
    }
    const std::int64_t next = plan_ops_per_sample(t.elapsed_s, ops, policy);
    if (next <= ops || timed_out()) {
      if (!is_usable(t.elapsed_s, policy)) {
        out.status = Status::invalid;
        out.reasons.push_back("below_timer_resolution");
        out.stop.reason = "invalid";
        out.ops_per_sample = ops;
        return out;
      }
      break;  // capped: the sample is usable, just shorter than the target
    }
    ops = next;
  }
  out.ops_per_sample = ops;

  const std::optional<double> default_clock = backend.default_sm_clock_mhz();
  std::vector<double> clocks_mhz;
  std::vector<double> noise_history;
  double recovery_s = 0.05;
  std::int64_t unusable = 0;
  std::vector<double> throttled_per_op_s;  // kept aside: the result when nothing else is left

  for (;;) {
    if (policy.stop_flag != nullptr && *policy.stop_flag != 0) {
      out.stop.reason = "interrupted";
      break;
    }
    if (timed_out()) {
      out.stop.reason = "timeout";
      break;
    }
    if (static_cast<int>(out.per_op_s.size()) >= policy.max_samples) {
      out.stop.reason = "max_samples";
      break;
    }
    const TimedSample t = backend.sample(ops);
    if (t.gate_timeout) {
      out.status = Status::invalid;
      out.reasons.push_back("blocking_kernel_timeout");
      out.stop.reason = "invalid";
      break;
    }
    if (!is_usable(t.elapsed_s, policy)) {
      ++unusable;  // zero, negative or NaN event time: never a rate (MR-1)
      if (unusable > policy.min_samples) {
        out.status = Status::invalid;
        out.reasons.push_back("unusable_samples");
        out.stop.reason = "invalid";
        break;
      }
      continue;
    }
    if (default_clock && t.sm_clock_mhz &&
        *t.sm_clock_mhz < policy.throttle_threshold * *default_clock) {
      ++out.stop.discarded;  // MR-7: the card was throttling; wait with a growing delay
      throttled_per_op_s.push_back(t.elapsed_s / static_cast<double>(ops));
      backend.sleep_s(recovery_s);
      recovery_s = std::min(recovery_s * 2, 1.0);
      continue;
    }
    out.per_op_s.push_back(t.elapsed_s / static_cast<double>(ops));
    out.stop.gpu_time_s += t.elapsed_s;
    if (t.sm_clock_mhz) {
      clocks_mhz.push_back(*t.sm_clock_mhz);
    }

    const bool enough_samples = static_cast<int>(out.per_op_s.size()) >= policy.min_samples;
    const bool enough_time = out.stop.gpu_time_s >= policy.min_time_s;
    if (!enough_samples || !enough_time) {
      continue;
    }
    if (policy.rule == StopRule::fixed_count) {
      out.stop.reason = "fixed_count";
      break;
    }
    const double noise = relative_stdev(out.per_op_s).value_or(0.0);
    if (noise <= policy.max_noise) {
      out.stop.reason = "converged";
      break;
    }
    noise_history.push_back(noise);
    if (noise_plateaued(noise_history, policy)) {
      out.stop.reason = "plateau";
      break;
    }
  }
  out.stop.wall_time_s = backend.now_s() - started_s;
  out.sm_clock = summarize_clocks(clocks_mhz);

  if (out.status == Status::invalid) {
    return out;
  }
  if (out.stop.reason == "interrupted") {
    out.status = Status::interrupted;
    out.reasons.push_back("interrupted_by_signal");
    return out;
  }
  const auto total =
      static_cast<double>(out.per_op_s.size()) + static_cast<double>(out.stop.discarded);
  if (out.per_op_s.empty()) {
    if (throttled_per_op_s.empty()) {
      out.status = Status::invalid;
      out.reasons.push_back("no_samples");
      return out;
    }
    // Every sample ran below the clock threshold: report what the card did, marked throttled,
    // rather than nothing (MR-7: throttled is never empty or NaN).
    out.per_op_s = std::move(throttled_per_op_s);
    out.status = Status::throttled;
    out.reasons.push_back("all_samples_below_clock_threshold");
    return out;
  }
  if (out.stop.discarded > 0 && static_cast<double>(out.stop.discarded) > 0.5 * total) {
    out.status = Status::throttled;
    out.reasons.push_back("over_half_samples_below_clock_threshold");
    return out;
  }
  if (out.stop.reason == "timeout" || out.stop.reason == "max_samples") {
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
    if (!out.stop.unmet.empty()) {
      out.status = Status::noisy;
      for (const auto& u : out.stop.unmet) {
        out.reasons.push_back("unmet_" + u);
      }
      return out;
    }
  }
  if (out.stop.reason == "plateau") {
    // The noise stopped falling but sits above the target: keep the result (MR-3 accepts a
    // plateau), say so, and call a spread this large noisy rather than valid: a median of a
    // bimodal series can be a time no sample had.
    const double noise = relative_stdev(out.per_op_s).value_or(0.0);
    if (noise > policy.max_noise) {
      out.reasons.push_back("plateau_above_max_noise");
    }
    if (noise > kPlateauNoisyAbove) {
      out.status = Status::noisy;
      return out;
    }
  }
  out.status = Status::valid;
  return out;
}

}  // namespace gpb
