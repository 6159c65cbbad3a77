// SPDX-License-Identifier: Apache-2.0
// Repeatability (METHODOLOGY MR-20): aggregation of repeated executions and the spread flags.
#include <gpb/measure/repeats.hpp>

#include <gtest/gtest.h>

namespace gpb {
namespace {

CaseResult run_of(const std::string& family,
                  const std::string& name,
                  double value,
                  Status status = Status::valid) {
  CaseResult r;
  r.family = family;
  r.name = name;
  r.status = status;
  r.headline = Metric{"bandwidth", value, "GB/s", "bytes / median_s"};
  return r;
}

TEST(Repeats, SpreadOfThreeHbmRunsWithinLimit) {
  const std::string copy = "stream/hbm/kernel=copy/dtype=f32/gpu=0";
  const std::vector<CaseResult> results{run_of("stream/hbm", copy, 3940.2),
                                        run_of("stream/hbm", copy, 3937.7),
                                        run_of("stream/hbm", copy, 3937.2)};
  const auto s = repeat_spreads(results);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].runs, 3);
  EXPECT_DOUBLE_EQ(s[0].median, 3937.7);
  EXPECT_NEAR(s[0].spread, 3.0 / 3937.7, 1e-12);
  EXPECT_EQ(s[0].limit, 0.03);
  EXPECT_FALSE(s[0].over_limit);
  EXPECT_EQ(repeat_spread_text(s[0]),
            "stream/hbm/kernel=copy/dtype=f32/gpu=0: 3 runs, 3937.2..3940.2 GB/s, spread 0.08 % "
            "(limit 3 %)");
}

TEST(Repeats, LimitsPerFamilyAndFlag) {
  EXPECT_EQ(repeat_spread_limit("gemm/square"), 0.03);
  EXPECT_EQ(repeat_spread_limit("stream/hbm"), 0.03);
  EXPECT_EQ(repeat_spread_limit("nccl/all_reduce"), 0.05);
  EXPECT_EQ(repeat_spread_limit("pcie/h2d"), 0.05);
  EXPECT_EQ(repeat_spread_limit("host/memcpy"), 0.05);

  // 4 % spread: over the 3 % compute limit, within the 5 % host limit.
  const std::vector<CaseResult> results{run_of("gemm/square", "g", 100),
                                        run_of("gemm/square", "g", 104),
                                        run_of("host/memcpy", "h", 100),
                                        run_of("host/memcpy", "h", 104)};
  const auto s = repeat_spreads(results);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].name, "g");
  EXPECT_TRUE(s[0].over_limit);
  EXPECT_NE(repeat_spread_text(s[0]).find("OVER LIMIT"), std::string::npos);
  EXPECT_EQ(s[1].name, "h");
  EXPECT_FALSE(s[1].over_limit);
}

TEST(Repeats, OnlyMeasuredRepeatsCount) {
  CaseResult no_headline = run_of("stream/hbm", "a", 1);
  no_headline.headline.reset();
  const std::vector<CaseResult> results{
      run_of("stream/hbm", "a", 100),
      run_of("stream/hbm", "a", 300, Status::failed_verification),  // not a measurement to trust
      no_headline,
      run_of("stream/hbm", "a/gpu=1", 200),  // another GPU, not a repeat
      run_of("stream/hbm", "b", 100),
      run_of("stream/hbm", "b", 101, Status::noisy)};
  const auto s = repeat_spreads(results);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].name, "b");
  EXPECT_EQ(s[0].runs, 2);
  EXPECT_TRUE(repeat_spreads({}).empty());
}

}  // namespace
}  // namespace gpb
