// SPDX-License-Identifier: Apache-2.0
// A scripted TimingBackend for measure() tests (METHODOLOGY MR-1..3, MR-6, MR-7, TE-1).
// Every sample() call (calibration included) takes the next scripted per-op time and SM clock;
// the last script entry repeats. A virtual clock advances by each sample's elapsed time plus a
// fixed overhead, and by every sleep, so timeouts are deterministic and tests run instantly.
#pragma once

#include <gpb/measure/measure.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace gpb::test {

class FakeTimingBackend final : public TimingBackend {
 public:
  /// Seconds per operation of sample call i (elapsed = per_op * ops). NaN/0/negative allowed.
  std::vector<double> per_op_s{1e-3};
  /// Optional generator overriding per_op_s: call index -> seconds per op.
  std::function<double(int)> per_op_fn;
  /// SM clock (MHz) reported with sample call i; empty means "not measured".
  std::vector<double> clock_mhz;
  std::optional<double> default_clock;
  /// Sample call indices whose gate times out (MR-6).
  std::vector<int> gate_timeout_at;
  /// Host overhead added to the virtual clock per sample (launch, event sync).
  double overhead_s = 1e-6;
  /// Called after each sample with its call index (e.g. to raise a stop flag).
  std::function<void(int)> after_sample;
  /// A set of lanes: lane l's span is the sample's elapsed time x lane_scale[l] (one of them
  /// 1, the slowest); empty for a single stream.
  std::vector<double> lane_scale;

  // Observations.
  std::vector<std::string> log;  ///< "warmup", "sample(<ops>)", "sleep"
  std::vector<double> sleeps;
  std::vector<std::int64_t> sample_ops;
  std::vector<double> sample_elapsed;
  int warmups = 0;

  void warmup(std::int64_t ops) override {
    ++warmups;
    log.push_back("warmup");
    clock_s_ += overhead_s * static_cast<double>(ops);
  }

  TimedSample sample(std::int64_t ops) override {
    const int i = calls_++;
    log.push_back("sample(" + std::to_string(ops) + ")");
    sample_ops.push_back(ops);
    const double per_op = per_op_fn ? per_op_fn(i) : at(per_op_s, i);
    TimedSample t;
    t.elapsed_s = per_op * static_cast<double>(ops);
    if (!clock_mhz.empty()) {
      t.sm_clock_mhz = at(clock_mhz, i);
    }
    for (int g : gate_timeout_at) {
      t.gate_timeout = t.gate_timeout || g == i;
    }
    for (const double f : lane_scale) {
      t.lane_elapsed_s.push_back(t.elapsed_s * f);
    }
    sample_elapsed.push_back(t.elapsed_s);
    if (std::isfinite(t.elapsed_s) && t.elapsed_s > 0) {
      clock_s_ += t.elapsed_s;
    }
    clock_s_ += overhead_s;
    if (after_sample) {
      after_sample(i);
    }
    return t;
  }

  std::optional<double> default_sm_clock_mhz() const override { return default_clock; }

  double now_s() override { return clock_s_; }

  void sleep_s(double s) override {
    log.push_back("sleep");
    sleeps.push_back(s);
    clock_s_ += s;
  }

  int sample_calls() const noexcept { return calls_; }
  double virtual_time_s() const noexcept { return clock_s_; }

 private:
  static double at(const std::vector<double>& v, int i) {
    if (v.empty()) {
      return 0;
    }
    return v[std::min<std::size_t>(static_cast<std::size_t>(i), v.size() - 1)];
  }

  double clock_s_ = 1000.0;  // arbitrary non-zero epoch
  int calls_ = 0;
};

}  // namespace gpb::test
