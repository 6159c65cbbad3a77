// SPDX-License-Identifier: Apache-2.0
#include <gpb/models/collectives.hpp>

#include <array>
#include <cmath>

namespace gpb {
namespace {

struct CollectiveRow {
  Collective c;
  std::string_view name;
  /// busbw factor = (num_scale * (n - 1) / n) when ring-like, or 1.
  double num_scale;
  bool per_rank_share;  ///< factor is num_scale (n-1)/n rather than a constant 1
};

// nccl-tests doc/PERFORMANCE.md: the factor that makes busbw comparable with the hardware's
// peak whatever the rank count.
constexpr std::array<CollectiveRow, 7> kRows{{
    {Collective::all_reduce, "all_reduce", 2.0, true},
    {Collective::all_gather, "all_gather", 1.0, true},
    {Collective::reduce_scatter, "reduce_scatter", 1.0, true},
    {Collective::broadcast, "broadcast", 1.0, false},
    {Collective::reduce, "reduce", 1.0, false},
    {Collective::alltoall, "alltoall", 1.0, true},
    {Collective::sendrecv, "sendrecv", 1.0, false},
}};

const CollectiveRow& row(Collective c) {
  for (const auto& r : kRows) {
    if (r.c == c) {
      return r;
    }
  }
  return kRows.front();
}

}  // namespace

const std::vector<Collective>& all_collectives() {
  static const std::vector<Collective> all = [] {
    std::vector<Collective> v;
    for (const auto& r : kRows) {
      v.push_back(r.c);
    }
    return v;
  }();
  return all;
}

std::string_view to_string(Collective c) noexcept {
  return row(c).name;
}

std::optional<Collective> collective_from_string(std::string_view name) noexcept {
  for (const auto& r : kRows) {
    if (r.name == name) {
      return r.c;
    }
  }
  return std::nullopt;
}

std::optional<double> bus_factor(Collective c, int ranks) noexcept {
  if (ranks < 2) {
    return std::nullopt;
  }
  const CollectiveRow& r = row(c);
  if (!r.per_rank_share) {
    return 1.0;
  }
  const double n = static_cast<double>(ranks);
  return r.num_scale * (n - 1.0) / n;
}

CollectiveRates collective_rates(Collective c, std::uint64_t bytes, double seconds, int ranks) {
  CollectiveRates out;
  if (!(seconds > 0) || !std::isfinite(seconds)) {
    out.busbw_reason = "no_time";
    return out;
  }
  out.algbw_gbps = static_cast<double>(bytes) / seconds / 1e9;
  if (const auto f = bus_factor(c, ranks)) {
    out.busbw_gbps = *out.algbw_gbps * *f;
  } else {
    out.busbw_reason = "not_applicable_single_rank";
  }
  return out;
}

}  // namespace gpb
