// SPDX-License-Identifier: Apache-2.0
#include <gpb/measure/repeats.hpp>
#include <gpb/measure/stats.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

namespace gpb {

double repeat_spread_limit(const std::string& family) noexcept {
  for (const char* bus : {"pcie", "p2p", "nccl", "host"}) {
    const std::string prefix(bus);
    if (family.compare(0, prefix.size(), prefix) == 0) {
      return 0.05;
    }
  }
  return 0.03;
}

Spread spread_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  Spread s;
  s.median = quantile_sorted(values, 0.5);
  s.min = values.front();
  s.max = values.back();
  s.spread = s.median > 0 ? (s.max - s.min) / s.median : 0;
  return s;
}

std::vector<RepeatSpread> repeat_spreads(const std::vector<CaseResult>& results) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const CaseResult*>> by_name;
  for (const auto& r : results) {
    if (!r.headline || (r.status != Status::valid && r.status != Status::noisy)) {
      continue;
    }
    auto& runs = by_name[r.name];
    if (runs.empty()) {
      order.push_back(r.name);
    }
    runs.push_back(&r);
  }
  std::vector<RepeatSpread> out;
  for (const auto& name : order) {
    const auto& runs = by_name[name];
    if (runs.size() < 2) {
      continue;
    }
    std::vector<double> values;
    for (const CaseResult* r : runs) {
      values.push_back(r->headline->value);
    }
    const Spread sp = spread_of(values);
    RepeatSpread s;
    s.name = name;
    s.unit = runs.front()->headline->unit;
    s.runs = static_cast<int>(values.size());
    s.median = sp.median;
    s.min = sp.min;
    s.max = sp.max;
    s.spread = sp.spread;
    s.limit = repeat_spread_limit(runs.front()->family);
    s.over_limit = s.spread > s.limit;
    out.push_back(s);
  }
  return out;
}

std::string repeat_spread_text(const RepeatSpread& s) {
  char buf[512];
  std::snprintf(buf,
                sizeof buf,
                "%s: %d runs, %.6g..%.6g %s, spread %.2f %% (limit %.0f %%)%s",
                s.name.c_str(),
                s.runs,
                s.min,
                s.max,
                s.unit.c_str(),
                s.spread * 100,
                s.limit * 100,
                s.over_limit ? " OVER LIMIT" : "");
  return buf;
}

}  // namespace gpb
