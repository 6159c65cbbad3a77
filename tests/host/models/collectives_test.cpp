// SPDX-License-Identifier: Apache-2.0
// The collective bandwidth model against nccl-tests' table (METHODOLOGY §2.4), and the inputs
// that make every reduction order exact (every partial sum an integer of magnitude <= 256, so
// bf16 sums in any order give the same bits).
#include <gpb/models/collectives.hpp>
#include <gpb/models/exact_inputs.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

namespace gpb {
namespace {

TEST(BusFactor, MatchesNcclTestsForEveryCollective) {
  // nccl-tests doc/PERFORMANCE.md: allreduce 2(n-1)/n; reducescatter, allgather, alltoall
  // (n-1)/n; broadcast, reduce, sendrecv 1.
  for (const int n : {2, 8, 64}) {
    SCOPED_TRACE(n);
    const double share = (n - 1.0) / n;
    EXPECT_DOUBLE_EQ(*bus_factor(Collective::all_reduce, n), 2.0 * share);
    EXPECT_DOUBLE_EQ(*bus_factor(Collective::all_gather, n), share);
    EXPECT_DOUBLE_EQ(*bus_factor(Collective::reduce_scatter, n), share);
    EXPECT_DOUBLE_EQ(*bus_factor(Collective::alltoall, n), share);
    EXPECT_DOUBLE_EQ(*bus_factor(Collective::broadcast, n), 1.0);
    EXPECT_DOUBLE_EQ(*bus_factor(Collective::reduce, n), 1.0);
    EXPECT_DOUBLE_EQ(*bus_factor(Collective::sendrecv, n), 1.0);
  }
  EXPECT_DOUBLE_EQ(*bus_factor(Collective::all_reduce, 8), 1.75);
  for (const Collective c : all_collectives()) {
    EXPECT_FALSE(bus_factor(c, 1).has_value()) << to_string(c);  // one rank: no bus
    EXPECT_FALSE(bus_factor(c, 0).has_value()) << to_string(c);
  }
}

TEST(CollectiveRates, AlgbwAndBusbw) {
  // 8 ranks, 1 GiB all_reduce in 5 ms: algbw 214.7 GB/s, busbw x 1.75.
  const auto r = collective_rates(Collective::all_reduce, 1ull << 30, 0.005, 8);
  ASSERT_TRUE(r.algbw_gbps && r.busbw_gbps);
  EXPECT_NEAR(*r.algbw_gbps, 214.748, 1e-3);
  EXPECT_NEAR(*r.busbw_gbps, 214.748 * 1.75, 1e-3);
  // One rank: algbw is a number, busbw is not applicable (never 0).
  const auto one = collective_rates(Collective::all_reduce, 1ull << 30, 0.005, 1);
  EXPECT_TRUE(one.algbw_gbps.has_value());
  EXPECT_FALSE(one.busbw_gbps.has_value());
  EXPECT_EQ(one.busbw_reason, "not_applicable_single_rank");
  for (const double bad : {0.0, -1.0, std::nan("")}) {
    const auto none = collective_rates(Collective::broadcast, 1024, bad, 2);
    EXPECT_FALSE(none.algbw_gbps.has_value());
    EXPECT_EQ(none.busbw_reason, "no_time");
  }
}

TEST(CollectiveNames, RoundTrip) {
  EXPECT_EQ(all_collectives().size(), 7u);
  for (const Collective c : all_collectives()) {
    EXPECT_EQ(collective_from_string(to_string(c)), c);
  }
  EXPECT_FALSE(collective_from_string("allreduce").has_value());
  EXPECT_FALSE(collective_from_string("").has_value());
}

/// float rounded to bf16 (round to nearest even), as a bf16 accumulator would hold it.
float to_bf16(float f) {
  std::uint32_t u = 0;
  std::memcpy(&u, &f, 4);
  u += 0x7FFFu + ((u >> 16) & 1u);
  u &= 0xFFFF0000u;
  std::memcpy(&f, &u, 4);
  return f;
}

TEST(ExactInputs, EveryPartialSumStaysWithinBf16Integers) {
  for (const int n : {1, 2, 3, 8, 64, 255, 256, 257, 300, 511, 512}) {
    SCOPED_TRACE(n);
    int nonzero_seen = 0;
    for (std::uint64_t i = 0; i < 2000; ++i) {
      int magnitude = 0;
      for (int r = 0; r < n; ++r) {
        const int v = exact_input(7, r, i, n);
        ASSERT_TRUE(v == -1 || v == 0 || v == 1);
        magnitude += v != 0 ? 1 : 0;
      }
      // sum of |v| bounds every partial sum in every order.
      ASSERT_LE(magnitude, kExactNonZeroRanks) << "element " << i;
      nonzero_seen += magnitude;
    }
    EXPECT_GT(nonzero_seen, 0) << "never all zeros";
  }
}

TEST(ExactInputs, Bf16SumsInAnyOrderGiveTheExactResult) {
  std::mt19937 rng(3);
  for (const int n : {2, 8, 64, 512}) {
    SCOPED_TRACE(n);
    std::vector<int> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    for (std::uint64_t i = 0; i < 200; ++i) {
      const int want = exact_sum(11, i, n);
      for (int trial = 0; trial < 5; ++trial) {
        std::shuffle(order.begin(), order.end(), rng);
        float acc = 0.0f;
        for (const int r : order) {
          acc = to_bf16(acc + static_cast<float>(exact_input(11, r, i, n)));
        }
        ASSERT_EQ(acc, static_cast<float>(want)) << "element " << i;
      }
    }
  }
}

TEST(ExactInputs, WorstOrderStaysExactAndTheBoundIsWhatMakesItSo) {
  // The order that drives a partial sum furthest: every +1 first, then every -1.
  for (const int n : {256, 257, 512}) {
    for (std::uint64_t i = 0; i < 500; ++i) {
      std::vector<int> v;
      for (int r = 0; r < n; ++r) {
        v.push_back(exact_input(5, r, i, n));
      }
      std::sort(v.rbegin(), v.rend());
      float acc = 0.0f;
      for (const int x : v) {
        acc = to_bf16(acc + static_cast<float>(x));
      }
      ASSERT_EQ(acc, static_cast<float>(exact_sum(5, i, n))) << n << " ranks, element " << i;
    }
  }
  // Without the bound: 512 ranks all at +1 lose the 257th one in bf16.
  float acc = 0.0f;
  for (int r = 0; r < 512; ++r) {
    acc = to_bf16(acc + 1.0f);
  }
  EXPECT_NE(acc, 512.0f);
}

TEST(ExactInputs, SeededAndNotConstant) {
  std::vector<int> a, b;
  for (std::uint64_t i = 0; i < 64; ++i) {
    a.push_back(exact_input(1, 0, i, 8));
    b.push_back(exact_input(2, 0, i, 8));
  }
  EXPECT_NE(a, b);
  EXPECT_GT(std::count(a.begin(), a.end(), 1), 0);
  EXPECT_GT(std::count(a.begin(), a.end(), -1), 0);
  EXPECT_EQ(exact_max(1, 5, 1), exact_input(1, 0, 5, 1));
  int best = -1;
  for (int r = 0; r < 8; ++r) {
    best = std::max(best, exact_input(1, r, 9, 8));
  }
  EXPECT_EQ(exact_max(1, 9, 8), best);
}

}  // namespace
}  // namespace gpb
