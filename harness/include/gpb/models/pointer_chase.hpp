// SPDX-License-Identifier: Apache-2.0
// The chain a latency case chases (METHODOLOGY §2.5): one random cycle through every slot of a
// buffer, so each access depends on the one before and no prefetcher can guess the next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gpb {

/// `slots` slots `stride_bytes` apart (a multiple of 4, at least 4): word slot * stride / 4 of
/// the result holds the word index of the next slot, all slots form one cycle (Sattolo's
/// shuffle, seeded), and every other word is 0. Empty for slots < 2 or a bad stride.
std::vector<std::uint32_t> make_chase_chain(std::size_t slots,
                                            std::size_t stride_bytes,
                                            std::uint64_t seed);

/// Where `hops` dependent loads starting at word `start` end: the host's replay of the chase,
/// which a case compares with the device's to verify it.
std::uint32_t chase(const std::vector<std::uint32_t>& chain,
                    std::uint64_t hops,
                    std::uint32_t start = 0);

}  // namespace gpb
