// SPDX-License-Identifier: Apache-2.0
#include <gpb/common/parallel.hpp>
#include <gpb/common/pattern.hpp>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace gpb {
namespace {

/// Slices of whole words, so no two threads share a word.
constexpr std::uint64_t kSliceBytes = std::uint64_t{1} << 22;

template <class Fn>
void for_each_slice(std::uint64_t bytes, Fn&& fn) {
  const std::uint64_t slices = (bytes + kSliceBytes - 1) / kSliceBytes;
  parallel_for(slices, 0, [&](std::uint64_t begin, std::uint64_t end, unsigned) {
    for (std::uint64_t s = begin; s < end; ++s) {
      fn(s * kSliceBytes, std::min(bytes, (s + 1) * kSliceBytes));
    }
  });
}

}  // namespace

void fill_pattern(void* p, std::uint64_t bytes, std::uint64_t seed) {
  auto* out = static_cast<unsigned char*>(p);
  for_each_slice(bytes, [&](std::uint64_t begin, std::uint64_t end) {
    std::uint64_t off = begin;
    for (; off + 4 <= end; off += 4) {
      const std::uint32_t w = pattern_word(seed, off / 4);
      std::memcpy(out + off, &w, 4);
    }
    for (; off < end; ++off) {
      out[off] = pattern_byte(seed, off);
    }
  });
}

PatternCheck check_pattern(const void* p, std::uint64_t bytes, std::uint64_t seed) {
  const auto* in = static_cast<const unsigned char*>(p);
  PatternCheck total;
  total.bytes = bytes;
  std::mutex m;
  for_each_slice(bytes, [&](std::uint64_t begin, std::uint64_t end) {
    std::uint64_t bad = 0;
    std::optional<std::uint64_t> first;
    std::uint64_t off = begin;
    for (; off + 4 <= end; off += 4) {
      std::uint32_t w = 0;
      std::memcpy(&w, in + off, 4);
      if (w != pattern_word(seed, off / 4)) {  // rare: find the bytes of the word that differ
        for (std::uint64_t b = off; b < off + 4; ++b) {
          if (in[b] != pattern_byte(seed, b)) {
            ++bad;
            first = first ? std::min(*first, b) : b;
          }
        }
      }
    }
    for (; off < end; ++off) {
      if (in[off] != pattern_byte(seed, off)) {
        ++bad;
        first = first ? std::min(*first, off) : off;
      }
    }
    if (bad > 0) {
      const std::lock_guard<std::mutex> lock(m);
      total.mismatched_bytes += bad;
      total.first_mismatch =
          total.first_mismatch ? std::min(*total.first_mismatch, *first) : *first;
    }
  });
  return total;
}

std::string pattern_check_text(const PatternCheck& c) {
  if (c.ok()) {
    return "all " + std::to_string(c.bytes) + " bytes match the seeded pattern";
  }
  return std::to_string(c.mismatched_bytes) + " of " + std::to_string(c.bytes) +
         " bytes differ from the seeded pattern, the first at offset " +
         std::to_string(c.first_mismatch.value_or(0));
}

}  // namespace gpb
