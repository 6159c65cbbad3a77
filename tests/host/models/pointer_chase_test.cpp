// SPDX-License-Identifier: Apache-2.0
// The latency chain (METHODOLOGY §2.5): one cycle through every slot, each slot on its own
// stride, reproducible from the seed, and the host replay a latency case verifies against.
#include <gpb/models/pointer_chase.hpp>

#include <gtest/gtest.h>

#include <set>

namespace gpb {
namespace {

TEST(PointerChase, OneCycleThroughEverySlot) {
  constexpr std::size_t kSlots = 8192;
  constexpr std::size_t kStride = 256;
  const auto chain = make_chase_chain(kSlots, kStride, 11);
  ASSERT_EQ(chain.size(), kSlots * kStride / 4);
  std::set<std::uint32_t> seen;
  std::uint32_t at = 0;
  for (std::size_t hop = 0; hop < kSlots; ++hop) {
    ASSERT_EQ(at % (kStride / 4), 0u) << "every hop lands on a slot";
    EXPECT_TRUE(seen.insert(at).second) << "slot visited twice before the cycle closed";
    at = chain[at];
  }
  EXPECT_EQ(at, 0u) << "the cycle closes after exactly every slot";
  EXPECT_EQ(seen.size(), kSlots);
  for (std::size_t w = 0; w < chain.size(); ++w) {
    if (w % (kStride / 4) != 0) {
      ASSERT_EQ(chain[w], 0u);
    }
  }
}

TEST(PointerChase, SeededAndShuffled) {
  const auto a = make_chase_chain(1024, 64, 1);
  EXPECT_EQ(a, make_chase_chain(1024, 64, 1));
  EXPECT_NE(a, make_chase_chain(1024, 64, 2));
  // Not the trivial cycle slot i -> i + 1.
  int sequential = 0;
  for (std::size_t s = 0; s + 1 < 1024; ++s) {
    sequential += a[s * 16] == (s + 1) * 16 ? 1 : 0;
  }
  EXPECT_LT(sequential, 20);
}

TEST(PointerChase, ReplayFollowsTheChain) {
  const auto chain = make_chase_chain(4, 4, 3);
  ASSERT_EQ(chain.size(), 4u);
  EXPECT_EQ(chase(chain, 0), 0u);
  EXPECT_EQ(chase(chain, 1), chain[0]);
  EXPECT_EQ(chase(chain, 2), chain[chain[0]]);
  EXPECT_EQ(chase(chain, 4), 0u);  // one cycle of four slots
  EXPECT_EQ(chase(chain, 4000001), chase(chain, 1));
}

TEST(PointerChase, RejectsBadShapes) {
  EXPECT_TRUE(make_chase_chain(1, 64, 0).empty());
  EXPECT_TRUE(make_chase_chain(16, 0, 0).empty());
  EXPECT_TRUE(make_chase_chain(16, 6, 0).empty());
  EXPECT_TRUE(make_chase_chain(std::size_t{1} << 31, 16, 0).empty());  // indexes past 32 bits
}

}  // namespace
}  // namespace gpb
