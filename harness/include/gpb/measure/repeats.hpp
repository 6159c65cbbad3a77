// SPDX-License-Identifier: Apache-2.0
// Repeatability (METHODOLOGY MR-20): a case executed several times in one run
// (--benchmark_repetitions=N) gets the spread of its headline, (max - min) / median, flagged
// above 3 % for compute and HBM cases and 5 % for bus-bound ones (PCIe, NCCL, host memory).
#pragma once

#include <gpb/result/schema.hpp>

#include <string>
#include <vector>

namespace gpb {

struct RepeatSpread {
  std::string name;  ///< the case, /gpu=N included: GPUs are not repeats of each other
  std::string unit;
  int runs = 0;  ///< executions with a headline (valid or noisy)
  double median = 0, min = 0, max = 0;
  double spread = 0;  ///< (max - min) / median
  double limit = 0;
  bool over_limit = false;
};

/// 0.05 for families bound by a bus (pcie, p2p, nccl, host), else 0.03. A case name works too:
/// it starts with its family.
double repeat_spread_limit(const std::string& family) noexcept;

struct Spread {
  double median = 0, min = 0, max = 0;
  double spread = 0;  ///< (max - min) / median; 0 when the median is not positive
};
/// The spread of a set of headline values (at least one).
Spread spread_of(std::vector<double> values);

/// One entry per case name that has a headline in at least two valid or noisy executions, in
/// the order the cases first appear.
std::vector<RepeatSpread> repeat_spreads(const std::vector<CaseResult>& results);

/// "stream/hbm/kernel=copy/dtype=f32/gpu=0: 3 runs, 3937.2..3940.2 GB/s, spread 0.08 % (limit 3 %)"
/// with " OVER LIMIT" appended when flagged.
std::string repeat_spread_text(const RepeatSpread& s);

}  // namespace gpb
