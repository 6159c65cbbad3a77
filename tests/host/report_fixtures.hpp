// SPDX-License-Identifier: Apache-2.0
// Tests of the value report built from the committed fixtures (tests/fixtures/report): the body
// runs with the fixture folder as working directory, so every path and "file:line" origin in a
// report is relative and the output is the same on every machine.
#pragma once

#include <gpb/result/schema_json.hpp>
#include <gpb/value/prices.hpp>
#include <gpb/value/report.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace gpb::test {

inline const std::filesystem::path kReportFixtures =
    std::filesystem::path(GPB_TEST_DATA_DIR) / "fixtures" / "report";

class InReportFixtures : public ::testing::Test {
 protected:
  void SetUp() override {
    old_ = std::filesystem::current_path();
    std::filesystem::current_path(kReportFixtures);
  }
  void TearDown() override { std::filesystem::current_path(old_); }

  static std::vector<ResultFile> runs(const std::vector<std::string>& names) {
    std::vector<ResultFile> out;
    for (const auto& n : names) {
      out.push_back({n, load_run(n), {}});
    }
    return out;
  }

  /// The report of `files` priced with the fixture tables (owned.csv and specs.csv for TCO).
  static ValueReport report_of(const std::vector<ResultFile>& files,
                               PricingBasis basis = PricingBasis::on_demand,
                               bool include_noisy = false,
                               const std::string& prices = "prices.csv") {
    const AliasTable aliases = load_alias_table("aliases.csv");
    ReportOptions o;
    o.basis = basis;
    o.include_noisy = include_noisy;
    std::vector<PriceQuote> quotes;
    std::vector<OwnedCost> owned;
    std::vector<GpuTdp> tdp;
    if (basis == PricingBasis::owned) {
      owned = load_owned_costs("owned.csv");
      tdp = load_gpu_tdp("specs.csv", aliases);
      o.price_files = {"owned.csv"};
    } else {
      quotes = load_price_table(prices);
      o.price_files = {prices};
    }
    return build_value_report(files, quotes, aliases, owned, tdp, o);
  }

  static ValueReport report(const std::vector<std::string>& names,
                            PricingBasis basis = PricingBasis::on_demand,
                            bool include_noisy = false,
                            const std::string& prices = "prices.csv") {
    return report_of(runs(names), basis, include_noisy, prices);
  }

 private:
  std::filesystem::path old_;
};

}  // namespace gpb::test
