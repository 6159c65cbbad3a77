// SPDX-License-Identifier: Apache-2.0
// Price tables (METHODOLOGY §2.6, DI-8, IN-3): our cloud-offer price table (load, validate, write
// atomically) and the bundled data folder; the GPU alias table is in aliases.cpp. Formats are
// documented in data/README.md; every rejection names file:line:column.
#include <gpb/common/csv.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/value/prices.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "prices_internal.hpp"

namespace gpb {
namespace prices_detail {

bool has_control_char(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7F;
  });
}

std::string number_for_message(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 6);
  return std::string(buf, r.ptr);
}

}  // namespace prices_detail

namespace {

using prices_detail::has_control_char;
using prices_detail::number_for_message;

const std::vector<std::string_view> kRequiredPriceColumns = {"provider",
                                                             "instance_type",
                                                             "gpu_name",
                                                             "model_key",
                                                             "gpu_count",
                                                             "on_demand_usd_per_hour",
                                                             "spot_usd_per_hour",
                                                             "currency",
                                                             "region",
                                                             "as_of",
                                                             "source"};
const std::vector<std::string_view> kOptionalPriceColumns = {"gpu_memory_gib", "notes"};

// The first rule a quote breaks, as (column, message); nullopt when it is valid.
std::optional<std::pair<std::string, std::string>> quote_problem(const PriceQuote& q) {
  using P = std::pair<std::string, std::string>;
  const std::pair<const char*, const std::string*> text[] = {{"provider", &q.provider},
                                                             {"instance_type", &q.instance_type},
                                                             {"gpu_name", &q.gpu_name},
                                                             {"currency", &q.currency},
                                                             {"as_of", &q.as_of},
                                                             {"source", &q.source}};
  for (const auto& [column, value] : text) {
    if (value->empty()) {
      return P(column, "empty (required)");
    }
  }
  const std::pair<const char*, const std::string*> all_text[] = {
      {"provider", &q.provider},
      {"instance_type", &q.instance_type},
      {"gpu_name", &q.gpu_name},
      {"model_key", &q.model_key},
      {"currency", &q.currency},
      {"region", &q.region},
      {"as_of", &q.as_of},
      {"source", &q.source},
      {"notes", &q.notes}};
  for (const auto& [column, value] : all_text) {
    if (has_control_char(*value)) {
      return P(column, "contains a control character");
    }
  }
  if (!std::isfinite(q.gpu_count) || q.gpu_count <= 0) {
    return P("gpu_count", number_for_message(q.gpu_count) + " must be > 0");
  }
  if (q.gpu_memory_gib && !(std::isfinite(*q.gpu_memory_gib) && *q.gpu_memory_gib > 0)) {
    return P("gpu_memory_gib",
             number_for_message(*q.gpu_memory_gib) + " must be > 0 (leave empty when unknown)");
  }
  const std::pair<const char*, const std::optional<double>*> prices[] = {
      {"on_demand_usd_per_hour", &q.on_demand_usd_per_hour},
      {"spot_usd_per_hour", &q.spot_usd_per_hour}};
  for (const auto& [column, value] : prices) {
    if (*value && !(std::isfinite(**value) && **value > 0)) {
      return P(column,
               "price " + number_for_message(**value) +
                   " must be finite and > 0 (leave the cell empty when not offered)");
    }
  }
  if (!q.on_demand_usd_per_hour && !q.spot_usd_per_hour) {
    return P("on_demand_usd_per_hour", "no price (on-demand and spot are both empty)");
  }
  const bool iso =
      q.currency.size() == 3 && std::all_of(q.currency.begin(), q.currency.end(), [](char c) {
        return c >= 'A' && c <= 'Z';
      });
  if (!iso) {
    return P("currency",
             "'" + quote_for_message(q.currency) + "' is not a currency code ([A-Z]{3}, e.g. USD)");
  }
  if (q.currency != "USD") {
    return P("currency", "unknown currency '" + q.currency + "' (only USD is supported)");
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string> kPriceTableColumns = {"provider",
                                                     "instance_type",
                                                     "gpu_name",
                                                     "model_key",
                                                     "gpu_count",
                                                     "gpu_memory_gib",
                                                     "on_demand_usd_per_hour",
                                                     "spot_usd_per_hour",
                                                     "currency",
                                                     "region",
                                                     "as_of",
                                                     "source",
                                                     "notes"};

std::optional<double> usd_per_gpu_hour(const PriceQuote& quote, PricingBasis basis) {
  if (!(quote.gpu_count > 0)) {
    return std::nullopt;
  }
  const std::optional<double>& price = basis == PricingBasis::on_demand
                                           ? quote.on_demand_usd_per_hour
                                       : basis == PricingBasis::spot ? quote.spot_usd_per_hour
                                                                     : std::optional<double>();
  if (!price || !(*price > 0)) {
    return std::nullopt;
  }
  return *price / quote.gpu_count;
}

std::vector<PriceQuote> parse_price_table(std::string_view text, const std::string& origin) {
  const CsvTable t = parse_csv(text, origin);
  csv_require_columns(t, kRequiredPriceColumns, kOptionalPriceColumns, false);
  std::vector<PriceQuote> out;
  out.reserve(t.rows.size());
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> seen;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    PriceQuote q;
    q.provider = csv_text(t, r, "provider");
    q.instance_type = csv_text(t, r, "instance_type");
    q.gpu_name = csv_text(t, r, "gpu_name");
    q.model_key = csv_text(t, r, "model_key");
    q.gpu_count = csv_number(t, r, "gpu_count");
    if (!csv_text(t, r, "gpu_memory_gib").empty()) {
      q.gpu_memory_gib = csv_number(t, r, "gpu_memory_gib");
    }
    if (!csv_text(t, r, "on_demand_usd_per_hour").empty()) {
      q.on_demand_usd_per_hour = csv_number(t, r, "on_demand_usd_per_hour");
    }
    if (!csv_text(t, r, "spot_usd_per_hour").empty()) {
      q.spot_usd_per_hour = csv_number(t, r, "spot_usd_per_hour");
    }
    q.currency = csv_text(t, r, "currency");
    q.region = csv_text(t, r, "region");
    q.as_of = csv_text(t, r, "as_of");
    q.source = csv_text(t, r, "source");
    q.notes = csv_text(t, r, "notes");
    q.origin = t.origin + ":" + std::to_string(t.row_lines[r]);
    if (const auto problem = quote_problem(q)) {
      csv_fail(t, r, problem->first, problem->second);
    }
    const auto [it, fresh] =
        seen.emplace(std::make_tuple(q.provider, q.instance_type, q.region), r);
    if (!fresh) {
      csv_fail(t,
               r,
               "instance_type",
               "duplicate offer (" + quote_for_message(q.provider) + ", " +
                   quote_for_message(q.instance_type) + ", region '" + quote_for_message(q.region) +
                   "'), first on line " + std::to_string(t.row_lines[it->second]));
    }
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<PriceQuote> load_price_table(const std::filesystem::path& path) {
  return parse_price_table(read_text_file(path.string(), CsvLimits{}.max_bytes), path.string());
}

std::string price_table_text(const std::vector<PriceQuote>& quotes) {
  std::string out = csv_line(kPriceTableColumns);
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (std::size_t i = 0; i < quotes.size(); ++i) {
    const PriceQuote& q = quotes[i];
    const std::string where = "price row " + std::to_string(i + 1) + " (" +
                              quote_for_message(q.provider) + " " +
                              quote_for_message(q.instance_type) + ")";
    if (const auto problem = quote_problem(q)) {
      throw std::invalid_argument(where + ": " + problem->first + ": " + problem->second);
    }
    if (!seen.emplace(q.provider, q.instance_type, q.region).second) {
      throw std::invalid_argument(where + ": duplicate offer in region '" +
                                  quote_for_message(q.region) + "'");
    }
    const auto opt = [](const std::optional<double>& v) {
      return v ? csv_number_text(*v) : std::string();
    };
    out += csv_line({q.provider,
                     q.instance_type,
                     q.gpu_name,
                     q.model_key,
                     csv_number_text(q.gpu_count),
                     opt(q.gpu_memory_gib),
                     opt(q.on_demand_usd_per_hour),
                     opt(q.spot_usd_per_hour),
                     q.currency,
                     q.region,
                     q.as_of,
                     q.source,
                     q.notes});
  }
  return out;
}

void save_price_table(const std::vector<PriceQuote>& quotes,
                      const std::filesystem::path& path,
                      bool overwrite) {
  write_file_atomic(path, price_table_text(quotes), overwrite);
}

std::filesystem::path bundled_data_dir() {
  if (const char* env = std::getenv("GPUBENCH_DATA_DIR"); env != nullptr && *env != '\0') {
    return std::filesystem::path(env);
  }
#ifdef GPB_DEFAULT_DATA_DIR
  return std::filesystem::path(GPB_DEFAULT_DATA_DIR);
#else
  return std::filesystem::path("data");
#endif
}

}  // namespace gpb
