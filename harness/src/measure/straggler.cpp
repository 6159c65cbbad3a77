// SPDX-License-Identifier: Apache-2.0
#include <gpb/measure/stats.hpp>
#include <gpb/measure/straggler.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gpb {

std::optional<Straggler> find_straggler(const std::vector<RankTimes>& ranks, double min_excess) {
  struct Summary {
    const RankTimes* rank;
    double median;
    double rel_stdev;
  };
  std::vector<Summary> s;
  for (const auto& r : ranks) {
    std::vector<double> t;
    for (const double x : r.per_iter_s) {
      if (std::isfinite(x) && x > 0) {
        t.push_back(x);
      }
    }
    if (t.empty()) {
      continue;
    }
    const Stats st = summarize(t);
    s.push_back({&r, st.median_s, st.rel_stdev.value_or(0.0)});
  }
  if (s.size() < 2) {
    return std::nullopt;
  }
  const auto slow = std::max_element(
      s.begin(), s.end(), [](const Summary& a, const Summary& b) { return a.median < b.median; });
  std::vector<double> medians, spreads;
  for (auto it = s.begin(); it != s.end(); ++it) {
    if (it != slow) {
      medians.push_back(it->median);
      spreads.push_back(it->rel_stdev);
    }
  }
  Straggler out;
  out.rank = slow->rank->rank;
  out.host = slow->rank->host;
  out.median_s = slow->median;
  out.others_median_s = median_of(medians);
  out.excess = out.median_s / out.others_median_s - 1.0;
  out.threshold = std::max(min_excess, 3.0 * median_of(spreads));
  if (!(out.excess > out.threshold)) {
    return std::nullopt;
  }
  return out;
}

std::string straggler_text(const Straggler& s) {
  char buf[256];
  std::snprintf(buf,
                sizeof buf,
                "rank %d on %s: %.1f %% slower than the other ranks' median (%.4g ms vs %.4g ms)",
                s.rank,
                s.host.empty() ? "an unnamed host" : s.host.c_str(),
                s.excess * 100.0,
                s.median_s * 1e3,
                s.others_median_s * 1e3);
  return buf;
}

}  // namespace gpb
