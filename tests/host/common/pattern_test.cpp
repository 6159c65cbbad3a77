// SPDX-License-Identifier: Apache-2.0
// The seeded pattern copies are verified against (MR-10): fill and check agree, another seed
// is another pattern, and one corrupted byte anywhere (first, inside a word, across a slice
// boundary, in the tail that is not a whole word, last) is caught at its offset.
#include <gpb/common/pattern.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace gpb {
namespace {

TEST(Pattern, FillThenCheckIsClean) {
  for (const std::uint64_t bytes : std::vector<std::uint64_t>{0, 1, 3, 4, 4097, (9ull << 20) + 2}) {
    SCOPED_TRACE(bytes);
    std::vector<unsigned char> buf(bytes);
    fill_pattern(buf.data(), bytes, 7);
    const PatternCheck c = check_pattern(buf.data(), bytes, 7);
    EXPECT_TRUE(c.ok());
    EXPECT_EQ(c.bytes, bytes);
    EXPECT_FALSE(c.first_mismatch.has_value());
    EXPECT_EQ(pattern_check_text(c),
              "all " + std::to_string(bytes) + " bytes match the seeded pattern");
  }
}

TEST(Pattern, BytesAreTheLittleEndianWords) {
  std::vector<unsigned char> buf(8);
  fill_pattern(buf.data(), buf.size(), 99);
  for (std::uint64_t i = 0; i < 8; ++i) {
    EXPECT_EQ(buf[i], pattern_byte(99, i));
  }
  const std::uint32_t w1 = pattern_word(99, 1);
  EXPECT_EQ(buf[4], w1 & 0xffu);
  EXPECT_EQ(buf[7], w1 >> 24);
}

TEST(Pattern, AnotherSeedIsAnotherPattern) {
  std::vector<unsigned char> buf(1 << 16);
  fill_pattern(buf.data(), buf.size(), 1);
  const PatternCheck c = check_pattern(buf.data(), buf.size(), 2);
  EXPECT_GT(c.mismatched_bytes, buf.size() * 9 / 10);  // ~255/256 of the bytes differ
  EXPECT_EQ(c.first_mismatch.value_or(99), 0u);
}

TEST(Pattern, OneCorruptByteIsCaughtWhereItIs) {
  const std::uint64_t bytes = (9ull << 20) + 3;  // several slices and a 3-byte tail
  std::vector<unsigned char> buf(bytes);
  for (const std::uint64_t at :
       std::vector<std::uint64_t>{0, 2, 4194303, 4194304, bytes - 3, bytes - 1}) {
    SCOPED_TRACE(at);
    fill_pattern(buf.data(), bytes, 123);
    buf[at] ^= 0x01;  // a single flipped bit
    const PatternCheck c = check_pattern(buf.data(), bytes, 123);
    EXPECT_FALSE(c.ok());
    EXPECT_EQ(c.mismatched_bytes, 1u);
    ASSERT_TRUE(c.first_mismatch.has_value());
    EXPECT_EQ(*c.first_mismatch, at);
    EXPECT_EQ(pattern_check_text(c),
              "1 of " + std::to_string(bytes) +
                  " bytes differ from the seeded pattern, the first at "
                  "offset " +
                  std::to_string(at));
  }
}

TEST(Pattern, FirstMismatchIsTheLowestOfSeveral) {
  std::vector<unsigned char> buf(10u << 20);
  fill_pattern(buf.data(), buf.size(), 5);
  buf[9u << 20] ^= 0xff;
  buf[5u << 20] ^= 0xff;
  buf[(5u << 20) + 1] ^= 0xff;
  const PatternCheck c = check_pattern(buf.data(), buf.size(), 5);
  EXPECT_EQ(c.mismatched_bytes, 3u);
  EXPECT_EQ(c.first_mismatch.value_or(0), 5u << 20);
}

}  // namespace
}  // namespace gpb
