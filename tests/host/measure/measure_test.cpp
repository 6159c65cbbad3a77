// SPDX-License-Identifier: Apache-2.0
// The timing policy against a scripted backend (METHODOLOGY MR-1 batching and the 2 us floor,
// MR-2 warm-up order, MR-3 stopping rule, MR-6 gate timeout, MR-7 throttle discards, FH-8 stop).
#include <gpb/measure/measure.hpp>
#include <gpb/measure/stats.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "fake_timing.hpp"

namespace gpb {
namespace {

using test::FakeTimingBackend;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void expect_all_finite_positive(const SampleSet& s) {
  for (double x : s.per_op_s) {
    EXPECT_TRUE(std::isfinite(x)) << x;
    EXPECT_GT(x, 0.0);
  }
}

// ---- MR-2: warm-up ---------------------------------------------------------------------

TEST(Measure, WarmupRunsBeforeTheFirstSample) {
  FakeTimingBackend fake;
  fake.per_op_s = {0.1};
  MeasurePolicy p;
  p.warmup_runs = 3;
  const SampleSet s = measure(fake, p);
  ASSERT_GE(fake.log.size(), 4u);
  EXPECT_EQ(fake.log[0], "warmup");
  EXPECT_EQ(fake.log[1], "warmup");
  EXPECT_EQ(fake.log[2], "warmup");
  EXPECT_EQ(fake.log[3].rfind("sample(", 0), 0u) << fake.log[3];
  EXPECT_EQ(fake.warmups, 3);
  // No warm-up after sampling started.
  EXPECT_EQ(std::count(fake.log.begin() + 3, fake.log.end(), "warmup"), 0);
  EXPECT_EQ(s.status, Status::valid);
}

// ---- MR-1: batching and the timer floor ------------------------------------------------

TEST(Measure, BatchingGrowsOpsUntilSampleReachesMinSampleTime) {
  FakeTimingBackend fake;
  fake.per_op_s = {1e-6};  // one op is below the 2 us floor
  MeasurePolicy p;
  p.min_time_s = 0.005;
  const SampleSet s = measure(fake, p);
  ASSERT_EQ(s.status, Status::valid) << s.stop.reason;
  EXPECT_GE(s.ops_per_sample, 1000);
  EXPECT_EQ(fake.log.at(1), "sample(1)");  // calibration starts at one op
  ASSERT_FALSE(s.per_op_s.empty());
  for (double x : s.per_op_s) {
    EXPECT_NEAR(x, 1e-6, 1e-12);
    EXPECT_GE(x * static_cast<double>(s.ops_per_sample), p.min_sample_s * (1 - 1e-9));
  }
  // Calibration samples (fewer ops, and the first one at the final size) are never kept.
  const auto at_final =
      std::count(fake.sample_ops.begin(), fake.sample_ops.end(), s.ops_per_sample);
  EXPECT_EQ(static_cast<std::ptrdiff_t>(s.per_op_s.size()), at_final - 1);
  EXPECT_EQ(fake.sample_ops.front(), 1);
  for (std::size_t i = 1; i < fake.sample_ops.size(); ++i) {
    EXPECT_GE(fake.sample_ops[i], fake.sample_ops[i - 1]);  // ops never shrink
  }
}

TEST(Measure, SampleBelowFloorIsNeverKept) {
  FakeTimingBackend fake;
  // Calibration at 10 ms per op (ops = 1); call 5 is a 0.1 us blip below the 2 us floor.
  fake.per_op_fn = [](int i) { return i == 5 ? 1e-7 : 1e-2; };
  MeasurePolicy p;
  p.min_time_s = 0.05;
  const SampleSet s = measure(fake, p);
  ASSERT_EQ(s.ops_per_sample, 1);
  EXPECT_EQ(s.status, Status::valid);
  EXPECT_EQ(s.per_op_s.size(), 10u);
  for (double x : s.per_op_s) {
    EXPECT_GE(x * static_cast<double>(s.ops_per_sample), p.resolution_floor_s);
    EXPECT_DOUBLE_EQ(x, 1e-2);
  }
}

TEST(Measure, OpsCappedBelowFloorIsInvalidNeverARate) {
  FakeTimingBackend fake;
  fake.per_op_s = {1e-9};  // even the capped batch (1000 ops = 1 us) is below the floor
  MeasurePolicy p;
  p.max_ops_per_sample = 1000;
  const SampleSet s = measure(fake, p);
  EXPECT_EQ(s.status, Status::invalid);
  EXPECT_TRUE(has(s.reasons, "below_timer_resolution"));
  EXPECT_TRUE(s.per_op_s.empty());
  EXPECT_LE(*std::max_element(fake.sample_ops.begin(), fake.sample_ops.end()), 1000);
}

// ---- MR-3: stopping rule ----------------------------------------------------------------

TEST(Measure, ConstantSeriesConvergesAtExactlyMinSamples) {
  FakeTimingBackend fake;
  fake.per_op_s = {0.1};  // 10 samples = 1 s >= min_time 0.5 s
  const MeasurePolicy p;  // defaults: min_samples 10, min_time 0.5 s, max_noise 0.5 %
  ASSERT_EQ(p.min_samples, 10);
  const SampleSet s = measure(fake, p);
  EXPECT_EQ(s.status, Status::valid);
  EXPECT_EQ(s.stop.reason, "converged");
  EXPECT_EQ(s.per_op_s.size(), 10u);
  EXPECT_TRUE(s.stop.unmet.empty());
  EXPECT_NEAR(s.stop.gpu_time_s, 1.0, 1e-9);
  EXPECT_GT(s.stop.wall_time_s, 0.0);
  EXPECT_EQ(s.stop.discarded, 0);
  expect_all_finite_positive(s);
}

TEST(Measure, ConstantSeriesWaitsForMinTime) {
  FakeTimingBackend fake;
  fake.per_op_s = {0.01};  // 10 samples = 0.1 s: needs 50 samples for 0.5 s
  const SampleSet s = measure(fake, MeasurePolicy{});
  EXPECT_EQ(s.stop.reason, "converged");
  EXPECT_GE(s.per_op_s.size(), 50u);  // 50 x 10 ms (51 if the sum rounds just below 0.5)
  EXPECT_LE(s.per_op_s.size(), 51u);
  EXPECT_GE(s.stop.gpu_time_s, 0.5);
}

TEST(Measure, AlternatingTenXSeriesStopsOnPlateau) {
  FakeTimingBackend fake;
  fake.per_op_fn = [](int i) { return i % 2 == 0 ? 1e-2 : 1e-3; };
  const MeasurePolicy p;
  const SampleSet s = measure(fake, p);
  EXPECT_EQ(s.stop.reason, "plateau");
  // A bimodal 10x/1x series plateaus at ~90 % noise: kept, but noisy, never valid.
  EXPECT_EQ(s.status, Status::noisy);
  EXPECT_NE(std::find(s.reasons.begin(), s.reasons.end(), "plateau_above_max_noise"),
            s.reasons.end());
  EXPECT_GE(static_cast<int>(s.per_op_s.size()), p.min_samples);
  EXPECT_GE(s.stop.gpu_time_s, p.min_time_s);
  EXPECT_LT(fake.virtual_time_s() - 1000.0, p.timeout_s);  // stopped well before the timeout
  const auto rel = relative_stdev(s.per_op_s);
  ASSERT_TRUE(rel.has_value());
  EXPECT_GT(*rel, p.max_noise);
}

TEST(Measure, SmallPlateauAboveTargetStaysValidWithReason) {
  FakeTimingBackend fake;
  fake.per_op_fn = [](int i) { return i % 2 == 0 ? 1.02e-3 : 1e-3; };  // ~1 % noise, flat
  const SampleSet s = measure(fake, MeasurePolicy{});
  EXPECT_EQ(s.stop.reason, "plateau");
  EXPECT_EQ(s.status, Status::valid);
  EXPECT_NE(std::find(s.reasons.begin(), s.reasons.end(), "plateau_above_max_noise"),
            s.reasons.end());
}

TEST(Measure, StopFlagDuringCalibrationInterrupts) {
  FakeTimingBackend fake;
  fake.per_op_fn = [](int) { return 1e-3; };
  const volatile int stop = 15;
  MeasurePolicy p;
  p.stop_flag = &stop;
  const SampleSet s = measure(fake, p);
  EXPECT_EQ(s.status, Status::interrupted);
  EXPECT_TRUE(s.per_op_s.empty());
}

TEST(Measure, GrowingSpreadTimesOutNoisyWithMaxNoiseUnmet) {
  FakeTimingBackend fake;
  fake.per_op_fn = [](int i) { return 1e-3 * std::pow(1.05, i); };  // noise keeps rising
  MeasurePolicy p;
  p.min_time_s = 0.05;
  p.timeout_s = 2;
  const SampleSet s = measure(fake, p);
  EXPECT_EQ(s.stop.reason, "timeout");
  EXPECT_EQ(s.status, Status::noisy);
  EXPECT_TRUE(has(s.stop.unmet, "max_noise"));
  EXPECT_FALSE(has(s.stop.unmet, "min_samples"));
  EXPECT_FALSE(has(s.stop.unmet, "min_time"));
  EXPECT_TRUE(has(s.reasons, "unmet_max_noise"));
  EXPECT_GE(fake.virtual_time_s() - 1000.0, p.timeout_s);
  expect_all_finite_positive(s);
}

TEST(Measure, TimeoutWithTooFewSamplesListsMinSamplesAndMinTime) {
  FakeTimingBackend fake;
  fake.per_op_s = {1.0};
  MeasurePolicy p;
  p.timeout_s = 3;
  p.min_time_s = 10;
  const SampleSet s = measure(fake, p);
  EXPECT_EQ(s.stop.reason, "timeout");
  EXPECT_EQ(s.status, Status::noisy);
  EXPECT_LT(static_cast<int>(s.per_op_s.size()), p.min_samples);
  EXPECT_FALSE(s.per_op_s.empty());
  EXPECT_TRUE(has(s.stop.unmet, "min_samples"));
  EXPECT_TRUE(has(s.stop.unmet, "min_time"));
  EXPECT_FALSE(has(s.stop.unmet, "max_noise"));  // constant samples
  EXPECT_TRUE(has(s.reasons, "unmet_min_samples"));
  EXPECT_TRUE(has(s.reasons, "unmet_min_time"));
}

TEST(Measure, MaxSamplesCapIsRecordedWithUnmetNoise) {
  FakeTimingBackend fake;
  fake.per_op_fn = [](int i) { return i % 2 == 0 ? 1e-2 : 1e-3; };
  MeasurePolicy p;
  p.min_time_s = 0.01;
  p.max_samples = 20;
  p.plateau_window = 1000;  // never plateaus within 20 samples
  const SampleSet s = measure(fake, p);
  EXPECT_EQ(s.stop.reason, "max_samples");
  EXPECT_EQ(s.per_op_s.size(), 20u);
  EXPECT_EQ(s.status, Status::noisy);
  EXPECT_TRUE(has(s.stop.unmet, "max_noise"));
}

// ---- MR-1: zero, negative and NaN elapsed times ---------------------------------------------

TEST(Measure, NanElapsedEverywhereIsInvalid) {
  FakeTimingBackend fake;
  fake.per_op_s = {kNaN};
  const SampleSet s = measure(fake, MeasurePolicy{});
  EXPECT_EQ(s.status, Status::invalid);
  EXPECT_FALSE(s.reasons.empty());
  EXPECT_EQ(s.stop.reason, "invalid");
  EXPECT_TRUE(s.per_op_s.empty());
}

TEST(Measure, ZeroElapsedEverywhereIsInvalid) {
  FakeTimingBackend fake;
  fake.per_op_s = {0.0};
  const SampleSet s = measure(fake, MeasurePolicy{});
  EXPECT_EQ(s.status, Status::invalid);
  EXPECT_FALSE(s.reasons.empty());
  EXPECT_TRUE(s.per_op_s.empty());
}

TEST(Measure, NegativeElapsedIsInvalid) {
  FakeTimingBackend fake;
  fake.per_op_s = {-1e-3};
  const SampleSet s = measure(fake, MeasurePolicy{});
  EXPECT_EQ(s.status, Status::invalid);
  EXPECT_FALSE(s.reasons.empty());
  EXPECT_TRUE(s.per_op_s.empty());
}

TEST(Measure, NanAfterCalibrationIsInvalidWithReason) {
  FakeTimingBackend fake;
  fake.per_op_s = {1e-2, kNaN};  // calibrates fine, then every timed sample is NaN
  const SampleSet s = measure(fake, MeasurePolicy{});
  EXPECT_EQ(s.status, Status::invalid);
  EXPECT_FALSE(s.reasons.empty());
  EXPECT_TRUE(s.per_op_s.empty());
}

TEST(Measure, OccasionalNanOrZeroNeverEntersSamples) {
  FakeTimingBackend fake;
  fake.per_op_fn = [](int i) {
    if (i > 0 && i % 5 == 0) {
      return kNaN;
    }
    if (i > 0 && i % 7 == 0) {
      return 0.0;
    }
    return 0.1;
  };
  const SampleSet s = measure(fake, MeasurePolicy{});
  EXPECT_EQ(s.status, Status::valid);
  EXPECT_EQ(s.per_op_s.size(), 10u);
  expect_all_finite_positive(s);
  for (double x : s.per_op_s) {
    EXPECT_DOUBLE_EQ(x, 0.1);
  }
  // Summaries of what measure() returns never throw.
  EXPECT_NO_THROW(summarize(s.per_op_s));
}

// ---- MR-7: throttling -------------------------------------------------------------------

TEST(Measure, ThrottledAllTheTimeGivesThrottledWithGrowingDelays) {
  FakeTimingBackend fake;
  fake.per_op_s = {0.1};
  fake.default_clock = 1000;
  fake.clock_mhz = {500};  // 50 % of the reference clock, below the 60 % threshold
  const SampleSet s = measure(fake, MeasurePolicy{});
  EXPECT_EQ(s.status, Status::throttled);
  EXPECT_GT(s.stop.discarded, 0);
  EXPECT_FALSE(s.reasons.empty());
  ASSERT_GE(fake.sleeps.size(), 2u);
  EXPECT_EQ(static_cast<std::int64_t>(fake.sleeps.size()), s.stop.discarded);
  for (std::size_t i = 1; i < fake.sleeps.size(); ++i) {
    EXPECT_GE(fake.sleeps[i], fake.sleeps[i - 1]) << "sleep " << i;
  }
  EXPECT_GT(fake.sleeps.back(), fake.sleeps.front());
  EXPECT_FALSE(fake.log.empty());
  EXPECT_NE(fake.log.front(), "sleep");
  expect_all_finite_positive(s);
}

TEST(Measure, ThrottledAllTheTimeStillHasFiniteStats) {
  // Regression (fixed in 4adc26b): when every sample is below the clock threshold, measure()
  // used to return status throttled with an EMPTY per_op_s. MR-7: throttled is "never empty or
  // NaN", so the throttled samples are kept and summarize() gives finite statistics.
  FakeTimingBackend fake;
  fake.per_op_s = {0.1};
  fake.default_clock = 1000;
  fake.clock_mhz = {500};
  const SampleSet s = measure(fake, MeasurePolicy{});
  EXPECT_EQ(s.status, Status::throttled);
  EXPECT_FALSE(s.reasons.empty());
  ASSERT_FALSE(s.per_op_s.empty());
  for (double x : s.per_op_s) {
    EXPECT_DOUBLE_EQ(x, 0.1);  // what the card actually did
  }
  const Stats st = summarize(s.per_op_s);
  EXPECT_TRUE(std::isfinite(st.median_s));
  EXPECT_TRUE(std::isfinite(st.mean_s));
}

TEST(Measure, ThrottledOnlyAtStartRecoversAsValid) {
  FakeTimingBackend fake;
  fake.per_op_s = {0.1};
  fake.default_clock = 1000;
  // Call 0 is calibration; calls 1..3 are throttled, the rest at full clock.
  fake.clock_mhz = {1000, 500, 500, 500, 1000};
  const SampleSet s = measure(fake, MeasurePolicy{});
  EXPECT_EQ(s.status, Status::valid);
  EXPECT_EQ(s.stop.discarded, 3);
  EXPECT_EQ(s.per_op_s.size(), 10u);
  ASSERT_EQ(fake.sleeps.size(), 3u);
  EXPECT_LT(fake.sleeps[0], fake.sleeps[1]);
  EXPECT_LT(fake.sleeps[1], fake.sleeps[2]);
  ASSERT_TRUE(s.sm_clock.min_mhz.has_value());
  EXPECT_DOUBLE_EQ(*s.sm_clock.min_mhz, 1000.0);  // discarded samples do not enter the clocks
  EXPECT_DOUBLE_EQ(*s.sm_clock.max_mhz, 1000.0);
}

TEST(Measure, ClockAtThresholdIsKeptAndNoDefaultClockDisablesDiscards) {
  FakeTimingBackend at_threshold;
  at_threshold.per_op_s = {0.1};
  at_threshold.default_clock = 1000;
  at_threshold.clock_mhz = {600};  // exactly 60 %: not below the threshold
  const SampleSet a = measure(at_threshold, MeasurePolicy{});
  EXPECT_EQ(a.stop.discarded, 0);
  EXPECT_EQ(a.status, Status::valid);

  FakeTimingBackend no_default;
  no_default.per_op_s = {0.1};
  no_default.clock_mhz = {100};
  const SampleSet b = measure(no_default, MeasurePolicy{});
  EXPECT_EQ(b.stop.discarded, 0);
  EXPECT_TRUE(no_default.sleeps.empty());
  EXPECT_EQ(b.status, Status::valid);
}

TEST(Measure, UnmeasuredClockIsReportedWithReason) {
  FakeTimingBackend fake;
  fake.per_op_s = {0.1};
  const SampleSet s = measure(fake, MeasurePolicy{});
  EXPECT_FALSE(s.sm_clock.min_mhz.has_value());
  EXPECT_FALSE(s.sm_clock.reason.empty());
}

// ---- MR-6: gate timeout ----------------------------------------------------------------

TEST(Measure, GateTimeoutDuringCalibrationIsInvalid) {
  FakeTimingBackend fake;
  fake.per_op_s = {0.1};
  fake.gate_timeout_at = {0};
  const SampleSet s = measure(fake, MeasurePolicy{});
  EXPECT_EQ(s.status, Status::invalid);
  EXPECT_TRUE(has(s.reasons, "blocking_kernel_timeout"));
  EXPECT_TRUE(s.per_op_s.empty());
  EXPECT_EQ(fake.sample_calls(), 1);  // nothing more was launched
}

TEST(Measure, GateTimeoutWhileSamplingIsInvalid) {
  FakeTimingBackend fake;
  fake.per_op_s = {0.1};
  fake.gate_timeout_at = {4};
  const SampleSet s = measure(fake, MeasurePolicy{});
  EXPECT_EQ(s.status, Status::invalid);
  EXPECT_TRUE(has(s.reasons, "blocking_kernel_timeout"));
  EXPECT_EQ(fake.sample_calls(), 5);
  expect_all_finite_positive(s);
}

// ---- FH-8: stop flag --------------------------------------------------------------------

TEST(Measure, StopFlagSetBeforeStartInterrupts) {
  FakeTimingBackend fake;
  fake.per_op_s = {0.1};
  volatile int flag = 15;
  MeasurePolicy p;
  p.stop_flag = &flag;
  const SampleSet s = measure(fake, p);
  EXPECT_EQ(s.status, Status::interrupted);
  EXPECT_EQ(s.stop.reason, "interrupted");
  EXPECT_FALSE(s.reasons.empty());
  EXPECT_TRUE(s.per_op_s.empty());
}

TEST(Measure, StopFlagRaisedMidRunInterruptsAndKeepsSamples) {
  FakeTimingBackend fake;
  fake.per_op_s = {0.1};
  volatile int flag = 0;
  fake.after_sample = [&flag](int i) {
    if (i == 3) {
      flag = 2;
    }
  };
  MeasurePolicy p;
  p.stop_flag = &flag;
  const SampleSet s = measure(fake, p);
  EXPECT_EQ(s.status, Status::interrupted);
  EXPECT_EQ(s.per_op_s.size(), 3u);  // calls 1..3 kept, nothing launched after the flag
  EXPECT_EQ(fake.sample_calls(), 4);
  expect_all_finite_positive(s);
}

// ---- plan_ops_per_sample ----------------------------------------------------------------------

TEST(PlanOps, UnmeasurableElapsedGrowsFast) {
  const MeasurePolicy p;
  EXPECT_EQ(plan_ops_per_sample(0.0, 1, p), 100);
  EXPECT_EQ(plan_ops_per_sample(kNaN, 5, p), 500);
  EXPECT_EQ(plan_ops_per_sample(-1.0, 1, p), 100);
  EXPECT_EQ(plan_ops_per_sample(std::numeric_limits<double>::infinity(), 2, p), 200);
  EXPECT_EQ(plan_ops_per_sample(0.0, 0, p), 100);  // never from 0 ops
  EXPECT_EQ(plan_ops_per_sample(0.0, p.max_ops_per_sample / 10, p), p.max_ops_per_sample);
}

TEST(PlanOps, ScalesToMinSampleTime) {
  MeasurePolicy p;
  p.min_sample_s = 1e-3;
  const auto ops = plan_ops_per_sample(1e-6, 1, p);  // 1 us per op -> ~1000 ops
  EXPECT_GE(ops, 1000);
  EXPECT_LE(ops, 1001);
  const auto ops10 = plan_ops_per_sample(1e-5, 10, p);  // same per-op time measured over 10
  EXPECT_GE(ops10, 1000);
  EXPECT_LE(ops10, 1001);
  EXPECT_EQ(plan_ops_per_sample(1.0, 1, p), 1);  // already long: never fewer than 1
  EXPECT_EQ(plan_ops_per_sample(10.0, 4, p), 1);
}

TEST(PlanOps, CappedAtMaxOpsPerSample) {
  MeasurePolicy p;
  EXPECT_EQ(plan_ops_per_sample(1e-12, 1, p), p.max_ops_per_sample);
  p.max_ops_per_sample = 64;
  EXPECT_EQ(plan_ops_per_sample(1e-9, 1, p), 64);
  EXPECT_EQ(plan_ops_per_sample(kNaN, 1, p), 64);
}

}  // namespace
}  // namespace gpb

namespace gpb {
namespace {

// ---- MR-3: the fixed-count rule --------------------------------------------------------

TEST(MeasureFixedCount, StopsAtExactlyTheCountWhateverTheNoise) {
  test::FakeTimingBackend fake;
  fake.per_op_fn = [](int i) { return i % 2 ? 1e-3 : 3e-3; };  // 50 % relative noise
  MeasurePolicy p;
  p.rule = StopRule::fixed_count;
  p.min_samples = 16;
  p.max_samples = 16;
  p.min_time_s = 0;
  const SampleSet s = measure(fake, p);
  EXPECT_EQ(s.per_op_s.size(), 16u);
  EXPECT_EQ(s.stop.reason, "fixed_count");
  EXPECT_EQ(s.status, Status::valid);
  EXPECT_TRUE(s.reasons.empty());
}

TEST(MeasureFixedCount, TimeoutBeforeTheCountIsNoisyForTheCountOnly) {
  test::FakeTimingBackend fake;
  fake.per_op_fn = [](int i) { return i % 2 ? 1e-3 : 3e-3; };
  MeasurePolicy p;
  p.rule = StopRule::fixed_count;
  p.min_samples = 1000;
  p.min_time_s = 0;
  p.timeout_s = 0.05;
  const SampleSet s = measure(fake, p);
  EXPECT_EQ(s.stop.reason, "timeout");
  EXPECT_EQ(s.status, Status::noisy);
  EXPECT_EQ(s.stop.unmet, std::vector<std::string>{"min_samples"}) << "noise is no criterion here";
}

TEST(MeasureFixedCount, TheNoiseRuleOnTheSameSeriesDoesNotConverge) {
  test::FakeTimingBackend fake;
  fake.per_op_fn = [](int i) { return i % 2 ? 1e-3 : 3e-3; };
  MeasurePolicy p;
  p.min_samples = 16;
  p.max_samples = 16;
  p.min_time_s = 0;
  const SampleSet s = measure(fake, p);
  EXPECT_NE(s.stop.reason, "converged");
  EXPECT_NE(s.stop.reason, "fixed_count");
  EXPECT_EQ(to_string(StopRule::relative_noise), "relative_noise");
}

}  // namespace
}  // namespace gpb

namespace gpb {
namespace {

// ---- time caps and the planned sampling time (a profile's budget is counted in these) ----

TEST(MeasureLanes, LaneTimesComeFromTheKeptSamplesOnly) {
  // Two lanes, the second 80 % of the first; calibration samples run 10x slower per op and a
  // throttled sample in between is discarded: neither may reach a lane's times.
  test::FakeTimingBackend b;
  b.lane_scale = {1.0, 0.8};
  b.per_op_fn = [](int i) { return i == 0 ? 1e-3 : 1e-4; };
  b.default_clock = 1000;
  b.clock_mhz = {1000, 1000, 1000, 100, 1000};  // call 3 throttled
  MeasurePolicy p;
  p.min_time_s = 0.01;
  const SampleSet s = measure(b, p);
  ASSERT_EQ(s.lane_per_op_s.size(), 2u);
  EXPECT_EQ(s.lane_per_op_s[0].size(), s.per_op_s.size());
  EXPECT_EQ(s.lane_per_op_s[1].size(), s.per_op_s.size());
  EXPECT_EQ(s.stop.discarded, 1);
  for (std::size_t k = 0; k < s.per_op_s.size(); ++k) {
    EXPECT_DOUBLE_EQ(s.lane_per_op_s[0][k], s.per_op_s[k]);
    EXPECT_DOUBLE_EQ(s.lane_per_op_s[1][k], 0.8 * s.per_op_s[k]);
    EXPECT_LT(s.lane_per_op_s[0][k], 5e-4);  // no calibration sample
  }
}

TEST(MeasureLanes, OneStreamHasNoLanes) {
  test::FakeTimingBackend b;
  MeasurePolicy p;
  p.min_time_s = 0.01;
  EXPECT_TRUE(measure(b, p).lane_per_op_s.empty());
}

TEST(MeasurePlan, MinTimeCapOnlyLowers) {
  MeasurePolicy p;
  p.min_time_s = 0.5;
  EXPECT_DOUBLE_EQ(with_min_time_cap(p, 0.05).min_time_s, 0.05);
  EXPECT_DOUBLE_EQ(with_min_time_cap(p, 2.0).min_time_s, 0.5);
  EXPECT_DOUBLE_EQ(with_min_time_cap(p, std::nullopt).min_time_s, 0.5);
  EXPECT_DOUBLE_EQ(with_min_time_cap(p, -1.0).min_time_s, 0.5);
  EXPECT_EQ(with_min_time_cap(p, 0.05).min_samples, p.min_samples);  // nothing else changes
}

TEST(MeasurePlan, PlannedSamplingIsCalibrationPlusTheLongerMinimum) {
  MeasurePolicy p;
  p.min_sample_s = 1e-3;
  p.min_samples = 10;
  p.min_time_s = 0.1;
  EXPECT_DOUBLE_EQ(planned_sampling_s(p), 0.101);
  p.min_time_s = 0.005;  // ten samples of 1 ms last longer than the minimum time
  EXPECT_DOUBLE_EQ(planned_sampling_s(p), 0.011);
}

}  // namespace
}  // namespace gpb
