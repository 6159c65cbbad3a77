// SPDX-License-Identifier: Apache-2.0
// The seeded byte pattern copies are verified against (METHODOLOGY MR-9, MR-10): every byte of
// a destination is a function of (seed, offset), so a checker finds one wrong byte anywhere
// without keeping the source. Compiled by nvcc and the host compiler alike: the device fill and
// check kernels (kernels/interconnect.cuh) and the host ones below produce the same bytes.
#pragma once

#include <gpb/common/fill_hash.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace gpb {

/// 32-bit word `word` of the pattern: the high half of hash64(seed, word).
GPB_HD inline std::uint32_t pattern_word(std::uint64_t seed, std::uint64_t word) {
  return static_cast<std::uint32_t>(hash64(seed, word) >> 32);
}

/// Byte at `offset`: the words laid out little-endian, as both x86-64 and the GPU store them.
GPB_HD inline std::uint8_t pattern_byte(std::uint64_t seed, std::uint64_t offset) {
  return static_cast<std::uint8_t>(pattern_word(seed, offset / 4) >> (8 * (offset % 4)));
}

/// What a check of a buffer against the pattern found.
struct PatternCheck {
  std::uint64_t bytes = 0;                      ///< bytes checked
  std::uint64_t mismatched_bytes = 0;           ///< bytes that differ from the pattern
  std::optional<std::uint64_t> first_mismatch;  ///< lowest differing offset
  bool ok() const noexcept { return mismatched_bytes == 0; }
};

/// Writes the pattern of `seed` into `bytes` bytes at `p` (host memory), on every hardware
/// thread; each thread first-touches its own slice.
void fill_pattern(void* p, std::uint64_t bytes, std::uint64_t seed);
/// Compares `bytes` bytes at `p` (host memory) with the pattern of `seed`.
PatternCheck check_pattern(const void* p, std::uint64_t bytes, std::uint64_t seed);
/// "all 268435456 bytes match the seeded pattern" or "3 of 268435456 bytes differ from the
/// seeded pattern, the first at offset 4097".
std::string pattern_check_text(const PatternCheck& c);

}  // namespace gpb
