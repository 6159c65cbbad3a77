// SPDX-License-Identifier: Apache-2.0
// Which rank is the slow one (METHODOLOGY §2.4): from every rank's per-iteration times of one
// collective, the rank whose median stands above the others' by more than their noise. The
// answer nccl-tests users build by hand from per-rank JSON.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace gpb {

/// One rank's times for one collective.
struct RankTimes {
  int rank = 0;
  std::string host;
  std::vector<double> per_iter_s;
};

struct Straggler {
  int rank = 0;
  std::string host;
  double median_s = 0;         ///< the slow rank's median
  double others_median_s = 0;  ///< median of the other ranks' medians
  double excess = 0;           ///< median_s / others_median_s - 1
  double threshold = 0;        ///< the excess it had to exceed
};

/// The slowest rank when its median exceeds the other ranks' median by more than
/// max(min_excess, 3 x the others' typical relative spread (median of their relative stdevs));
/// nullopt with fewer than 2 ranks with times, or when no rank stands out.
std::optional<Straggler> find_straggler(const std::vector<RankTimes>& ranks,
                                        double min_excess = 0.02);

/// "rank 5 on node-b: 12.4 % slower than the other ranks' median (1.234 ms vs 1.098 ms)".
std::string straggler_text(const Straggler& s);

}  // namespace gpb
