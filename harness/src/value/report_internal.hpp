// SPDX-License-Identifier: Apache-2.0
// Private to the value report (report*.cpp): the steps build_value_report runs in order.
// report_machines.cpp groups result files into machines and picks their headline numbers;
// report_offers.cpp gathers the offers of each canonical model and ranks them per machine.
#pragma once

#include <gpb/value/report.hpp>

#include <cmath>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace gpb::report_detail {

/// A finite number above zero: the only kind a report prices or divides by (DI-8).
inline bool usable(double v) {
  return std::isfinite(v) && v > 0;
}

/// Step 1: records every input file, sorts each case into included or excluded (DI-6), groups
/// runs into machines (GPU model x UUID set) and picks each machine's headline number per
/// metric. Fills rep.inputs, included, exclusions, machines and warnings (in input order).
/// Returns whether any GEMM metric fell back to a burst headline.
bool add_measured_machines(const std::vector<ResultFile>& runs,
                           const AliasTable& aliases,
                           const ReportOptions& options,
                           ValueReport& rep);

/// Step 2: the offers of each canonical model on one pricing basis, and what was left out.
struct PriceTable {
  std::map<std::string, std::vector<Offer>> offers_by_model;
  std::set<std::string> unmapped_gpu_names;  ///< quote GPU names the alias table lacks
  std::vector<std::string> non_usd;          ///< "origin (currency)"
  std::vector<std::string> bad_price;        ///< origins of prices not finite and > 0
  std::size_t without_basis = 0;             ///< quotes with no price of the basis
};

/// Cloud quotes priced on `basis` (on_demand or spot), per GPU-hour.
PriceTable cloud_offers(const std::vector<PriceQuote>& quotes,
                        const AliasTable& aliases,
                        PricingBasis basis);

/// Owned-cost rows as TCO per GPU-hour; power from the row, else TDP x GPUs (said so). Rows
/// that cannot be priced are left out with a warning.
PriceTable owned_offers(const std::vector<OwnedCost>& owned,
                        const std::vector<GpuTdp>& tdp,
                        std::vector<std::string>& warnings);

/// Step 3: ranks the offers of every machine in rep.machines (cheapest first), computes value
/// per dollar and its spread per metric, counts price sources and says why a machine is not
/// priced. Returns whether any offer's power is a TDP figure.
bool rank_offers(const PriceTable& prices, PricingBasis basis, ValueReport& rep);

}  // namespace gpb::report_detail
