// SPDX-License-Identifier: Apache-2.0
// Summary statistics (METHODOLOGY MR-4): n = 1..5, odd/even medians, ties, type-7 quartiles
// against hand values, Bessel-corrected stdev, and rejection of unusable samples (MR-1).
#include <gpb/measure/stats.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace gpb {
namespace {

constexpr double kTol = 1e-12;

TEST(Stats, SingleSampleHasNoNoise) {
  const Stats s = summarize({2.0});
  EXPECT_EQ(s.n, 1);
  EXPECT_DOUBLE_EQ(s.min_s, 2.0);
  EXPECT_DOUBLE_EQ(s.max_s, 2.0);
  EXPECT_DOUBLE_EQ(s.mean_s, 2.0);
  EXPECT_DOUBLE_EQ(s.median_s, 2.0);
  EXPECT_DOUBLE_EQ(s.q1_s, 2.0);
  EXPECT_DOUBLE_EQ(s.q3_s, 2.0);
  EXPECT_FALSE(s.stdev_s.has_value());
  EXPECT_FALSE(s.rel_stdev.has_value());
  EXPECT_FALSE(s.rel_iqr.has_value());
  EXPECT_FALSE(s.noise_reason.empty());
}

TEST(Stats, TwoSamplesInterpolateQuartiles) {
  // Type 7: pos = q * (n - 1). n = 2: q1 at 0.25, median at 0.5, q3 at 0.75.
  const Stats s = summarize({3.0, 1.0});
  EXPECT_EQ(s.n, 2);
  EXPECT_DOUBLE_EQ(s.min_s, 1.0);
  EXPECT_DOUBLE_EQ(s.max_s, 3.0);
  EXPECT_DOUBLE_EQ(s.mean_s, 2.0);
  EXPECT_DOUBLE_EQ(s.median_s, 2.0);
  EXPECT_DOUBLE_EQ(s.q1_s, 1.5);
  EXPECT_DOUBLE_EQ(s.q3_s, 2.5);
  EXPECT_FALSE(s.rel_stdev.has_value());
  EXPECT_FALSE(s.noise_reason.empty());
}

TEST(Stats, ThreeSamplesOddMedian) {
  const Stats s = summarize({3.0, 1.0, 2.0});
  EXPECT_EQ(s.n, 3);
  EXPECT_DOUBLE_EQ(s.median_s, 2.0);
  EXPECT_DOUBLE_EQ(s.q1_s, 1.5);  // pos 0.5
  EXPECT_DOUBLE_EQ(s.q3_s, 2.5);  // pos 1.5
  EXPECT_FALSE(s.stdev_s.has_value());
  EXPECT_FALSE(s.noise_reason.empty());
}

TEST(Stats, FourSamplesEvenMedianAndNoNoiseYet) {
  const Stats s = summarize({4.0, 1.0, 3.0, 2.0});
  EXPECT_EQ(s.n, 4);
  EXPECT_DOUBLE_EQ(s.mean_s, 2.5);
  EXPECT_DOUBLE_EQ(s.median_s, 2.5);  // pos 1.5
  EXPECT_DOUBLE_EQ(s.q1_s, 1.75);     // pos 0.75
  EXPECT_DOUBLE_EQ(s.q3_s, 3.25);     // pos 2.25
  // n = 4 < kMinSamplesForNoise: noise is null with a reason (nvbench#392).
  EXPECT_FALSE(s.stdev_s.has_value());
  EXPECT_FALSE(s.rel_stdev.has_value());
  EXPECT_FALSE(s.rel_iqr.has_value());
  EXPECT_FALSE(s.noise_reason.empty());
}

TEST(Stats, FiveSamplesGiveNoiseByHand) {
  // {1,2,3,4,10}: mean 4, deviations -3 -2 -1 0 6, sum of squares 50, Bessel var 50/4 = 12.5.
  const Stats s = summarize({10.0, 4.0, 1.0, 3.0, 2.0});
  ASSERT_EQ(s.n, 5);
  EXPECT_EQ(kMinSamplesForNoise, 5);
  EXPECT_DOUBLE_EQ(s.min_s, 1.0);
  EXPECT_DOUBLE_EQ(s.max_s, 10.0);
  EXPECT_DOUBLE_EQ(s.mean_s, 4.0);
  EXPECT_DOUBLE_EQ(s.median_s, 3.0);
  EXPECT_DOUBLE_EQ(s.q1_s, 2.0);
  EXPECT_DOUBLE_EQ(s.q3_s, 4.0);
  ASSERT_TRUE(s.stdev_s.has_value());
  ASSERT_TRUE(s.rel_stdev.has_value());
  ASSERT_TRUE(s.rel_iqr.has_value());
  EXPECT_NEAR(*s.stdev_s, std::sqrt(12.5), kTol);
  EXPECT_NEAR(*s.rel_stdev, std::sqrt(12.5) / 4.0, kTol);
  EXPECT_NEAR(*s.rel_iqr, (4.0 - 2.0) / 3.0, kTol);
  EXPECT_TRUE(s.noise_reason.empty());
}

TEST(Stats, EvenCountSixQuartilesByHand) {
  const Stats s = summarize({6.0, 5.0, 4.0, 3.0, 2.0, 1.0});
  EXPECT_DOUBLE_EQ(s.median_s, 3.5);  // pos 2.5
  EXPECT_DOUBLE_EQ(s.q1_s, 2.25);     // pos 1.25
  EXPECT_DOUBLE_EQ(s.q3_s, 4.75);     // pos 3.75
  ASSERT_TRUE(s.rel_iqr.has_value());
  EXPECT_NEAR(*s.rel_iqr, 2.5 / 3.5, kTol);
}

TEST(Stats, OddCountSevenMedianIsMiddleElement) {
  const Stats s = summarize({7.0, 1.0, 6.0, 2.0, 5.0, 3.0, 4.0});
  EXPECT_DOUBLE_EQ(s.median_s, 4.0);
  EXPECT_DOUBLE_EQ(s.q1_s, 2.5);  // pos 1.5
  EXPECT_DOUBLE_EQ(s.q3_s, 5.5);  // pos 4.5
}

TEST(Stats, AllTiedSamplesHaveZeroNoise) {
  const Stats s = summarize({2.0, 2.0, 2.0, 2.0, 2.0, 2.0});
  EXPECT_DOUBLE_EQ(s.min_s, 2.0);
  EXPECT_DOUBLE_EQ(s.max_s, 2.0);
  EXPECT_DOUBLE_EQ(s.median_s, 2.0);
  EXPECT_DOUBLE_EQ(s.q1_s, 2.0);
  EXPECT_DOUBLE_EQ(s.q3_s, 2.0);
  ASSERT_TRUE(s.stdev_s.has_value());
  EXPECT_DOUBLE_EQ(*s.stdev_s, 0.0);
  EXPECT_DOUBLE_EQ(*s.rel_stdev, 0.0);
  EXPECT_DOUBLE_EQ(*s.rel_iqr, 0.0);
}

TEST(Stats, TiesAroundTheMedian) {
  // {1,2,2,2,9}: the quartiles land on the tied values, so the IQR is 0 but the stdev is not.
  const Stats s = summarize({2.0, 9.0, 2.0, 1.0, 2.0});
  EXPECT_DOUBLE_EQ(s.median_s, 2.0);
  EXPECT_DOUBLE_EQ(s.q1_s, 2.0);
  EXPECT_DOUBLE_EQ(s.q3_s, 2.0);
  EXPECT_DOUBLE_EQ(*s.rel_iqr, 0.0);
  EXPECT_GT(*s.rel_stdev, 0.0);
  // {1,1,3,3}: even count with ties, median between the tied pairs.
  const Stats t = summarize({3.0, 1.0, 3.0, 1.0});
  EXPECT_DOUBLE_EQ(t.median_s, 2.0);
  EXPECT_DOUBLE_EQ(t.q1_s, 1.0);  // pos 0.75 between 1 and 1
  EXPECT_DOUBLE_EQ(t.q3_s, 3.0);  // pos 2.25 between 3 and 3
}

TEST(Stats, BesselCorrectionNotPopulationStdev) {
  // {1..8}: mean 4.5, sum of squared deviations 42; Bessel var 42/7 = 6, population 42/8.
  const std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8};
  const Stats s = summarize(x);
  ASSERT_TRUE(s.stdev_s.has_value());
  EXPECT_NEAR(*s.stdev_s, std::sqrt(6.0), kTol);
  EXPECT_GT(std::fabs(*s.stdev_s - std::sqrt(42.0 / 8.0)), 1e-3);
  EXPECT_NEAR(*s.rel_stdev, std::sqrt(6.0) / 4.5, kTol);
  const auto rel = relative_stdev(x);
  ASSERT_TRUE(rel.has_value());
  EXPECT_NEAR(*rel, std::sqrt(6.0) / 4.5, kTol);
}

TEST(Stats, SmallTimesKeepRelativeNoise) {
  // Realistic magnitudes: microseconds with 1 % jitter; stdev scales with the data.
  const std::vector<double> x{1.00e-6, 1.01e-6, 0.99e-6, 1.00e-6, 1.02e-6, 0.98e-6};
  const Stats s = summarize(x);
  double mean = 0;
  for (double v : x) {
    mean += v;
  }
  mean /= static_cast<double>(x.size());
  double ss = 0;
  for (double v : x) {
    ss += (v - mean) * (v - mean);
  }
  const double stdev = std::sqrt(ss / static_cast<double>(x.size() - 1));
  EXPECT_NEAR(s.mean_s, mean, 1e-20);
  EXPECT_NEAR(*s.stdev_s, stdev, 1e-20);
  EXPECT_NEAR(*s.rel_stdev, stdev / mean, 1e-12);
}

TEST(Stats, RelativeStdevEdgeCases) {
  EXPECT_FALSE(relative_stdev({}).has_value());
  EXPECT_FALSE(relative_stdev({1.0}).has_value());
  EXPECT_FALSE(relative_stdev({-1.0, 1.0}).has_value());  // mean 0
  ASSERT_TRUE(relative_stdev({1.0, 3.0}).has_value());
  EXPECT_NEAR(*relative_stdev({1.0, 3.0}), std::sqrt(2.0) / 2.0, kTol);
}

TEST(Stats, QuantileSortedEndpoints) {
  const std::vector<double> v{1.0, 2.0, 4.0, 8.0};
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 1.0), 8.0);
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.5), 3.0);
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.9), 4.0 + 4.0 * 0.7);  // pos 2.7
  EXPECT_THROW(quantile_sorted({}, 0.5), std::invalid_argument);
}

TEST(Stats, RejectsUnusableSamples) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW(summarize({}), std::invalid_argument);
  EXPECT_THROW(summarize({nan}), std::invalid_argument);
  EXPECT_THROW(summarize({1.0, 2.0, nan, 3.0, 4.0}), std::invalid_argument);
  EXPECT_THROW(summarize({0.0}), std::invalid_argument);
  EXPECT_THROW(summarize({1.0, 0.0, 2.0}), std::invalid_argument);
  EXPECT_THROW(summarize({-1.0}), std::invalid_argument);
  EXPECT_THROW(summarize({1.0, 2.0, -1e-9, 3.0, 4.0, 5.0}), std::invalid_argument);
  EXPECT_THROW(summarize({inf, 1.0}), std::invalid_argument);
  EXPECT_THROW(summarize({-0.0}), std::invalid_argument);
}

TEST(Stats, NoiseFiguresAreFiniteForLargeSets) {
  std::vector<double> x;
  for (int i = 0; i < 1000; ++i) {
    x.push_back(1e-3 * (1.0 + 0.001 * (i % 7)));
  }
  const Stats s = summarize(x);
  EXPECT_EQ(s.n, 1000);
  ASSERT_TRUE(s.rel_stdev.has_value());
  EXPECT_TRUE(std::isfinite(*s.rel_stdev));
  EXPECT_TRUE(std::isfinite(*s.rel_iqr));
  EXPECT_LE(s.min_s, s.q1_s);
  EXPECT_LE(s.q1_s, s.median_s);
  EXPECT_LE(s.median_s, s.q3_s);
  EXPECT_LE(s.q3_s, s.max_s);
}

}  // namespace
}  // namespace gpb
