// SPDX-License-Identifier: Apache-2.0
// Owned-hardware cost per GPU-hour (METHODOLOGY §2.6): capex/h = price * CRF(r, N) /
// (8760 * availability), CRF = r(1+r)^N / ((1+r)^N - 1) (1/N at r = 0); power/h = kW * PUE *
// USD/kWh; per GPU-hour = (capex + power + opex)/h / utilization / gpus. Plus its input table.
#include <gpb/common/csv.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/value/prices.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

namespace gpb {
namespace {

constexpr double kHoursPerYear = 8760.0;

std::string num(double v) {
  return std::isfinite(v) ? csv_number_text(v) : std::string(std::isnan(v) ? "NaN" : "inf");
}

[[noreturn]] void bad(const OwnedCost& c, const char* field, const std::string& what) {
  throw std::invalid_argument("owned cost '" + quote_for_message(c.name) + "': " + field + ": " +
                              what);
}

// The first rule `c` breaks as (column, message), or empty.
std::pair<std::string, std::string> owned_problem(const OwnedCost& c) {
  const auto finite = [](double v) { return std::isfinite(v); };
  if (!finite(c.gpus) || c.gpus <= 0) {
    return {"gpus", num(c.gpus) + " must be > 0"};
  }
  if (!finite(c.price_usd) || c.price_usd <= 0) {
    return {"price_usd", num(c.price_usd) + " must be finite and > 0"};
  }
  if (!finite(c.life_years) || c.life_years <= 0) {
    return {"life_years", num(c.life_years) + " must be > 0"};
  }
  if (!finite(c.cost_of_capital) || c.cost_of_capital < 0) {
    return {"cost_of_capital", num(c.cost_of_capital) + " must be >= 0 (0.08 = 8 % a year)"};
  }
  if (!finite(c.availability) || c.availability <= 0 || c.availability > 1) {
    return {"availability", num(c.availability) + " must be in (0, 1]"};
  }
  if (!finite(c.utilization) || c.utilization <= 0 || c.utilization > 1) {
    return {"utilization", num(c.utilization) + " must be in (0, 1]"};
  }
  if (c.power_kw && (!finite(*c.power_kw) || *c.power_kw < 0)) {
    return {"power_kw", num(*c.power_kw) + " must be >= 0"};
  }
  if (!finite(c.pue) || c.pue < 1) {
    return {"pue", num(c.pue) + " must be >= 1"};
  }
  if (!finite(c.usd_per_kwh) || c.usd_per_kwh < 0) {
    return {"usd_per_kwh", num(c.usd_per_kwh) + " must be >= 0"};
  }
  if (!finite(c.opex_usd_per_hour) || c.opex_usd_per_hour < 0) {
    return {"opex_usd_per_hour", num(c.opex_usd_per_hour) + " must be >= 0"};
  }
  return {};
}

}  // namespace

double capital_recovery_factor(double rate, double years) {
  if (!std::isfinite(years) || years <= 0) {
    throw std::invalid_argument("capital_recovery_factor: life " + num(years) +
                                " years must be > 0");
  }
  if (!std::isfinite(rate) || rate < 0) {
    throw std::invalid_argument("capital_recovery_factor: rate " + num(rate) + " must be >= 0");
  }
  if (rate == 0) {
    return 1.0 / years;  // straight-line: the limit of the annuity formula as r -> 0
  }
  // r(1+r)^N / ((1+r)^N - 1) = r / (1 - (1+r)^-N); expm1/log1p keep small r accurate.
  const double growth = std::expm1(years * std::log1p(rate));  // (1+r)^N - 1
  return rate * (growth + 1.0) / growth;
}

OwnedCostBreakdown owned_cost_per_gpu_hour(const OwnedCost& inputs,
                                           std::optional<double> power_kw) {
  const auto [field, what] = owned_problem(inputs);
  if (!field.empty()) {
    bad(inputs, field.c_str(), what);
  }
  if (power_kw && (!std::isfinite(*power_kw) || *power_kw < 0)) {
    bad(inputs, "measured power_kw", num(*power_kw) + " must be >= 0");
  }
  const std::optional<double> kw = power_kw ? power_kw : inputs.power_kw;
  if (!kw) {
    bad(inputs, "power_kw", "no power figure (none measured and power_kw empty)");
  }
  OwnedCostBreakdown b;
  b.power_measured = power_kw.has_value();
  const double capex_per_hour = inputs.price_usd *
                                capital_recovery_factor(inputs.cost_of_capital, inputs.life_years) /
                                (kHoursPerYear * inputs.availability);
  const double power_per_hour = *kw * inputs.pue * inputs.usd_per_kwh;
  const double per_gpu = 1.0 / (inputs.utilization * inputs.gpus);
  b.capex = capex_per_hour * per_gpu;
  b.power = power_per_hour * per_gpu;
  b.opex = inputs.opex_usd_per_hour * per_gpu;
  b.total = b.capex + b.power + b.opex;
  return b;
}

std::vector<OwnedCost> load_owned_costs(const std::filesystem::path& path) {
  const CsvTable t = read_csv_file(path.string());
  csv_require_columns(t,
                      {"name", "model_key", "gpus", "price_usd", "as_of", "source"},
                      {"price_kind",
                       "life_years",
                       "cost_of_capital",
                       "availability",
                       "utilization",
                       "power_kw",
                       "pue",
                       "usd_per_kwh",
                       "opex_usd_per_hour",
                       "currency",
                       "verified",
                       "notes"},
                      false);
  std::vector<OwnedCost> out;
  std::set<std::string> names;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    for (const std::string& column : t.header) {
      for (char ch : csv_text(t, r, column)) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F) {
          csv_fail(t, r, column, "contains a control character");
        }
      }
    }
    OwnedCost c;
    c.name = csv_text(t, r, "name");
    c.model_key = csv_text(t, r, "model_key");
    c.as_of = csv_text(t, r, "as_of");
    c.source = csv_text(t, r, "source");
    c.price_kind = csv_text(t, r, "price_kind");
    c.notes = csv_text(t, r, "notes");
    c.origin = t.origin + ":" + std::to_string(t.row_lines[r]);
    for (const char* column : {"name", "model_key", "as_of", "source"}) {
      if (csv_text(t, r, column).empty()) {
        csv_fail(t, r, column, "empty (required)");
      }
    }
    c.gpus = csv_number(t, r, "gpus");
    c.price_usd = csv_number(t, r, "price_usd");
    const auto optional_number = [&](const char* column, double& into) {
      if (!csv_text(t, r, column).empty()) {
        into = csv_number(t, r, column);
      }
    };
    optional_number("life_years", c.life_years);
    optional_number("cost_of_capital", c.cost_of_capital);
    optional_number("availability", c.availability);
    optional_number("utilization", c.utilization);
    optional_number("pue", c.pue);
    optional_number("usd_per_kwh", c.usd_per_kwh);
    optional_number("opex_usd_per_hour", c.opex_usd_per_hour);
    if (!csv_text(t, r, "power_kw").empty()) {
      c.power_kw = csv_number(t, r, "power_kw");
    }
    const std::string currency = csv_text(t, r, "currency");
    if (!currency.empty() && currency != "USD") {
      const bool iso =
          currency.size() == 3 && std::all_of(currency.begin(), currency.end(), [](char ch) {
            return ch >= 'A' && ch <= 'Z';
          });
      csv_fail(t,
               r,
               "currency",
               iso ? "unknown currency '" + currency + "' (only USD is supported)"
                   : "'" + quote_for_message(currency) + "' is not a currency code ([A-Z]{3})");
    }
    const std::string verified = csv_text(t, r, "verified");
    if (verified == "no") {
      c.verified = false;
    } else if (!verified.empty() && verified != "yes") {
      csv_fail(t, r, "verified", "'" + quote_for_message(verified) + "' is not yes or no");
    }
    const auto [field, what] = owned_problem(c);
    if (!field.empty()) {
      csv_fail(t, r, field, what);
    }
    if (!names.insert(c.name).second) {
      csv_fail(t, r, "name", "duplicate name '" + quote_for_message(c.name) + "'");
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace gpb
