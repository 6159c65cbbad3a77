// SPDX-License-Identifier: Apache-2.0
#include <gpb/common/fill_hash.hpp>
#include <gpb/models/pointer_chase.hpp>

#include <numeric>
#include <utility>

namespace gpb {

std::vector<std::uint32_t> make_chase_chain(std::size_t slots,
                                            std::size_t stride_bytes,
                                            std::uint64_t seed) {
  if (slots < 2 || stride_bytes < 4 || stride_bytes % 4 != 0) {
    return {};
  }
  const std::size_t stride_words = stride_bytes / 4;
  if (slots > (std::size_t{1} << 32) / stride_words) {  // word indexes must fit 32 bits
    return {};
  }
  // Sattolo: a uniformly random permutation that is one single cycle.
  std::vector<std::size_t> order(slots);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t i = slots - 1; i > 0; --i) {
    const std::size_t j = hash64(seed, i) % i;  // j < i: never a fixed point
    std::swap(order[i], order[j]);
  }
  // order[] as a permutation: slot s is followed by slot order[s].
  std::vector<std::uint32_t> chain(slots * stride_words, 0);
  for (std::size_t s = 0; s < slots; ++s) {
    chain[s * stride_words] = static_cast<std::uint32_t>(order[s] * stride_words);
  }
  return chain;
}

std::uint32_t chase(const std::vector<std::uint32_t>& chain,
                    std::uint64_t hops,
                    std::uint32_t start) {
  std::uint32_t at = start;
  for (std::uint64_t h = 0; h < hops && at < chain.size(); ++h) {
    at = chain[at];
  }
  return at;
}

}  // namespace gpb
