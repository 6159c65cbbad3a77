// SPDX-License-Identifier: Apache-2.0
// Collective operations and their bandwidth model (METHODOLOGY §2.4), as nccl-tests defines it
// so the numbers compare one to one: algbw = S / t with S the larger of the input and output
// arrays (the whole gathered array for all_gather, the whole input for reduce_scatter), and
// busbw = algbw x a per-collective factor of the rank count. With one rank no bus is crossed:
// busbw is not applicable, never 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpb {

enum class Collective {
  all_reduce,
  all_gather,
  reduce_scatter,
  broadcast,
  reduce,
  alltoall,
  sendrecv
};

/// Every collective, in display order.
const std::vector<Collective>& all_collectives();
std::string_view to_string(Collective c) noexcept;
std::optional<Collective> collective_from_string(std::string_view name) noexcept;

/// nccl-tests' bus factor for `ranks` ranks: all_reduce 2(n-1)/n; all_gather, reduce_scatter
/// and alltoall (n-1)/n; broadcast, reduce and sendrecv 1. nullopt for fewer than 2 ranks.
std::optional<double> bus_factor(Collective c, int ranks) noexcept;

/// The rates of one collective of S bytes (as above) that took `seconds` (the maximum over
/// ranks of each rank's median).
struct CollectiveRates {
  std::optional<double> algbw_gbps;  ///< S / t / 1e9; nullopt for a non-positive time
  std::optional<double> busbw_gbps;  ///< algbw x bus_factor; nullopt with the reason
  std::string busbw_reason;          ///< "not_applicable_single_rank", "no_time"
};
CollectiveRates collective_rates(Collective c, std::uint64_t bytes, double seconds, int ranks);

}  // namespace gpb
