// SPDX-License-Identifier: Apache-2.0
// The straggler rule on scripted per-rank timings (METHODOLOGY §2.4): a rank slower than the
// others by more than their noise is named with its host; noise or one rank hides nothing else.
#include <gpb/measure/straggler.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace gpb {
namespace {

/// `n` iterations around `median_s`, alternating +-`rel` (relative stdev ~ rel).
std::vector<double> times(double median_s, double rel, int n = 20) {
  std::vector<double> t;
  for (int i = 0; i < n; ++i) {
    t.push_back(median_s * (1.0 + (i % 2 == 0 ? rel : -rel)));
  }
  return t;
}

std::vector<RankTimes> eight_ranks(double rel) {
  std::vector<RankTimes> r;
  for (int k = 0; k < 8; ++k) {
    r.push_back({k, k < 4 ? "node-a" : "node-b", times(1e-3 * (1.0 + 0.001 * k), rel)});
  }
  return r;
}

TEST(Straggler, TheSlowRankIsNamedWithItsHost) {
  auto r = eight_ranks(0.005);
  r[5].per_iter_s = times(1.12e-3, 0.005);
  const auto s = find_straggler(r);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->rank, 5);
  EXPECT_EQ(s->host, "node-b");
  EXPECT_NEAR(s->excess, 1.12 / 1.0035 - 1.0, 0.01);
  EXPECT_DOUBLE_EQ(s->threshold, 0.02);  // 3 x ~0.5 % noise is below the 2 % floor
  EXPECT_EQ(straggler_text(*s).rfind("rank 5 on node-b: ", 0), 0u) << straggler_text(*s);
}

TEST(Straggler, UniformRanksHaveNone) {
  EXPECT_FALSE(find_straggler(eight_ranks(0.005)).has_value());
}

TEST(Straggler, NoisyRanksHideASmallExcess) {
  auto r = eight_ranks(0.10);  // 10 % noise: the threshold is ~30 %
  r[2].per_iter_s = times(1.15e-3, 0.10);
  EXPECT_FALSE(find_straggler(r).has_value());
  r[2].per_iter_s = times(1.6e-3, 0.10);  // 60 % slower stands out even so
  const auto s = find_straggler(r);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->rank, 2);
  EXPECT_GT(s->threshold, 0.25);
}

TEST(Straggler, TooFewRanksOrNoTimes) {
  EXPECT_FALSE(find_straggler({}).has_value());
  EXPECT_FALSE(find_straggler({{0, "a", times(1e-3, 0.0)}}).has_value());
  // Ranks without usable times are left out: one left is not enough.
  EXPECT_FALSE(
      find_straggler({{0, "a", times(1e-3, 0.0)}, {1, "b", {}}, {2, "c", {std::nan(""), -1.0}}})
          .has_value());
  // Two ranks: the slower one by 50 % is named.
  const auto s = find_straggler({{0, "a", times(1e-3, 0.0)}, {1, "b", times(1.5e-3, 0.0)}});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->rank, 1);
  EXPECT_DOUBLE_EQ(s->threshold, 0.02);
}

}  // namespace
}  // namespace gpb
