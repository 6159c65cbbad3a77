// SPDX-License-Identifier: Apache-2.0
// Inputs that make every reduction order exact (METHODOLOGY MR-10 for collectives): rank r's
// element i is -1, 0 or +1, seeded, and at most 256 ranks are non-zero for any element, so every
// partial sum in any order is an integer of magnitude <= 256 -- exact in bf16 (8 significant
// bits), f16, f32 and int32. A reduction's result can then be compared bit for bit, whatever
// algorithm NCCL picked. Compiled by nvcc and the host compiler alike.
#pragma once

#include <gpb/common/fill_hash.hpp>

#include <cstdint>

namespace gpb {

/// Ranks that may be non-zero for one element: no more than this keeps every partial sum exact
/// in bf16.
inline constexpr int kExactNonZeroRanks = 256;

/// Rank `rank`'s input element `index` of a reduction over `ranks` ranks: -1, 0 or +1. With more
/// than 256 ranks only every k-th rank (k = ceil(ranks / 256)), staggered by the index, is
/// non-zero.
GPB_HD inline int exact_input(std::uint64_t seed, int rank, std::uint64_t index, int ranks) {
  const int stride = ranks / kExactNonZeroRanks + (ranks % kExactNonZeroRanks != 0 ? 1 : 0);
  if (stride > 1 &&
      (static_cast<std::uint64_t>(rank) + index) % static_cast<std::uint64_t>(stride) != 0) {
    return 0;
  }
  return static_cast<int>(hash64(hash64(seed, index), static_cast<std::uint64_t>(rank)) % 3) - 1;
}

/// The exact sum over every rank of element `index` (the host's expected reduction result).
inline int exact_sum(std::uint64_t seed, std::uint64_t index, int ranks) {
  int sum = 0;
  for (int r = 0; r < ranks; ++r) {
    sum += exact_input(seed, r, index, ranks);
  }
  return sum;
}

/// The exact maximum over every rank of element `index`.
inline int exact_max(std::uint64_t seed, std::uint64_t index, int ranks) {
  int best = -1;
  for (int r = 0; r < ranks; ++r) {
    const int v = exact_input(seed, r, index, ranks);
    best = v > best ? v : best;
  }
  return best;
}

}  // namespace gpb
