// SPDX-License-Identifier: Apache-2.0
// Value report renderers: free functions in a std::map (DESIGN §5). Markdown for people, a long
// CSV with a formula guard (IN-3), strict JSON (DI-2) and one self-contained HTML page whose
// markup comes only from this file: input text lands in text nodes, escaped (IN-5, IN-8).
#include <gpb/csv.hpp>
#include <gpb/report.hpp>
#include <gpb/report_text.hpp>
#include <gpb/text.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string_view>

namespace gpb {
namespace {

using OJson = nlohmann::ordered_json;

const char* basis_words(PricingBasis b) {
  switch (b) {
    case PricingBasis::spot:
      return "spot";
    case PricingBasis::owned:
      return "owned hardware (TCO)";
    case PricingBasis::on_demand:
      break;
  }
  return "on-demand";
}

std::string money(double usd) {
  return format_fixed(usd, 4);
}

std::string opt_money(const std::optional<double>& usd) {
  return usd ? money(*usd) : std::string("n/a");
}

std::string kind_text(const MeasuredMetric& m) {
  return m.noisy ? m.kind + " (noisy)" : m.kind;
}

std::string value_heading(ValueMetric m) {
  const auto& i = info(m);
  return std::string(i.label) + " " + i.value_unit;
}

/// GPUs per instance: "8", or "0.25" for a fractional share.
std::string count_text(double gpus) {
  return gpus == std::floor(gpus) ? format_fixed(gpus, 0) : format_exact(gpus);
}

/// Metrics not measured on a machine, for a "not measured" line.
std::vector<std::string> missing_metrics(const Machine& m) {
  std::vector<std::string> out;
  for (const auto& mi : value_metrics()) {
    const bool have = std::any_of(m.metrics.begin(), m.metrics.end(), [&](const MeasuredMetric& x) {
      return x.metric == mi.metric;
    });
    if (!have) {
      out.push_back(mi.label);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Markdown

std::string e(const std::string& s) {
  return md_escape(s);
}

}  // namespace

/// A table of raw (unescaped) text: built once per section, escaped per output format.
struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

TextTable tco_table(const ValueReport& r) {
  TextTable t{{"machine",
               "system",
               "GPUs",
               "price USD",
               "life (y)",
               "r",
               "availability",
               "utilization",
               "power kW",
               "power from",
               "PUE",
               "USD/kWh",
               "opex USD/h",
               "capex",
               "power",
               "opex",
               "total"},
              {}};
  for (const auto& o : r.offers) {
    if (!o.offer.owned_inputs || !o.offer.tco) {
      continue;
    }
    const OwnedCost& in = *o.offer.owned_inputs;
    const OwnedCostBreakdown& c = *o.offer.tco;
    t.rows.push_back({r.machines[o.machine].id,
                      in.name,
                      count_text(in.gpus),
                      format_fixed(in.price_usd, 0),
                      format_exact(in.life_years),
                      format_exact(in.cost_of_capital),
                      format_exact(in.availability),
                      format_exact(in.utilization),
                      o.offer.power_kw ? format_human(*o.offer.power_kw) : "n/a",
                      o.offer.power_basis,
                      format_exact(in.pue),
                      format_exact(in.usd_per_kwh),
                      money(in.opex_usd_per_hour),
                      money(c.capex),
                      money(c.power),
                      money(c.opex),
                      money(c.total)});
  }
  return t;
}

TextTable exclusions_table(const ValueReport& r) {
  TextTable t{{"result file", "case", "status", "reason"}, {}};
  for (const auto& x : r.exclusions) {
    t.rows.push_back({x.ref.file, x.ref.case_name, std::string(to_string(x.ref.status)), x.reason});
  }
  return t;
}

TextTable price_sources_table(const ValueReport& r) {
  TextTable t{{"source", "as of", "offers priced"}, {}};
  for (const auto& ps : r.price_sources) {
    t.rows.push_back({ps.source, ps.as_of, std::to_string(ps.offers)});
  }
  return t;
}

TextTable inputs_table(const ValueReport& r) {
  TextTable t{{"result file", "schema", "gpubench", "git", "cases"}, {}};
  for (const auto& in : r.inputs) {
    t.rows.push_back({in.file,
                      in.schema_version,
                      in.tool_version,
                      in.git_sha.substr(0, 12),
                      std::to_string(in.cases)});
  }
  return t;
}

TextTable machines_table(const ValueReport& r) {
  TextTable t{{"machine", "GPU name", "model", "GPUs", "driver", "result files"}, {}};
  for (const auto& m : r.machines) {
    t.rows.push_back({m.id,
                      m.gpu_name,
                      m.model_key.empty() ? "unmapped" : m.model_key,
                      std::to_string(m.gpu_count),
                      m.driver,
                      join(m.files, ", ")});
  }
  return t;
}

TextTable measured_table(const Machine& m) {
  TextTable t{{"metric", "value", "unit", "kind", "case", "result file", "field", "note"}, {}};
  for (const auto& x : m.metrics) {
    const auto& i = info(x.metric);
    std::string note = x.note;
    if (x.gpus > 1) {
      note += "; on " + std::to_string(x.gpus) + " GPUs";
    }
    t.rows.push_back({i.label,
                      format_human(x.value),
                      i.unit,
                      kind_text(x),
                      x.case_name.empty() ? "-" : x.case_name,
                      x.file,
                      x.field,
                      note});
  }
  return t;
}

/// Value per dollar of machine `mi`: one row per metric, over its offers.
TextTable value_table(const ValueReport& r, std::size_t mi) {
  TextTable t{{"metric",
               "measured",
               "per $",
               "best",
               "median",
               "worst",
               "USD/GPU-h min",
               "median",
               "max",
               "providers",
               "regions",
               "best offer"},
              {}};
  const Machine& m = r.machines[mi];
  for (const auto& s : r.spreads) {
    if (s.machine != mi) {
      continue;
    }
    const auto& i = info(s.metric);
    double measured = 0;
    for (const auto& x : m.metrics) {
      if (x.metric == s.metric) {
        measured = x.value;
      }
    }
    t.rows.push_back({i.label,
                      format_human(measured) + " " + i.unit,
                      i.value_unit,
                      format_human(s.best),
                      format_human(s.median),
                      format_human(s.worst),
                      money(s.usd_per_gpu_hour_min),
                      money(s.usd_per_gpu_hour_median),
                      money(s.usd_per_gpu_hour_max),
                      std::to_string(s.providers),
                      std::to_string(s.regions),
                      s.best_offer});
  }
  return t;
}

/// The offers of machine `mi`, ranked, with the value per dollar of each measured metric.
TextTable offers_table(const ValueReport& r, std::size_t mi) {
  TextTable t{{"rank", "provider", "instance", "region", "GPUs", "USD/h", "USD/GPU-h"}, {}};
  for (const auto& x : r.machines[mi].metrics) {
    t.header.push_back(value_heading(x.metric));
  }
  t.header.insert(t.header.end(), {"as of", "source", "price row"});
  for (const auto& o : r.offers) {
    if (o.machine != mi) {
      continue;
    }
    std::vector<std::string> row{std::to_string(o.rank),
                                 o.offer.provider,
                                 o.offer.instance_type,
                                 o.offer.region.empty() ? "-" : o.offer.region,
                                 count_text(o.offer.gpus_per_instance),
                                 o.offer.owned ? "-" : opt_money(o.offer.usd_per_hour),
                                 money(o.offer.usd_per_gpu_hour)};
    for (const auto& v : o.values) {
      row.push_back(v.value_per_usd ? format_human(*v.value_per_usd) : "n/a");
    }
    row.insert(row.end(), {o.offer.as_of, o.offer.source, o.offer.origin});
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::size_t offer_count(const ValueReport& r, std::size_t mi) {
  return static_cast<std::size_t>(std::count_if(
      r.offers.begin(), r.offers.end(), [mi](const RankedOffer& o) { return o.machine == mi; }));
}

void md_table(std::ostream& out, const TextTable& t) {
  md_header(out, t.header);
  for (const auto& row : t.rows) {
    std::vector<std::string> cells;
    for (const auto& c : row) {
      cells.push_back(e(c));
    }
    md_row(out, cells);
  }
  out << '\n';
}

void render_report_markdown(const ValueReport& r, std::ostream& out) {
  out << "# gpubench value report\n\n";
  out << "Pricing: " << basis_words(r.basis) << ", USD per GPU-hour. Noisy cases: "
      << (r.include_noisy ? "included, marked (noisy)" : "excluded") << ".\n\n";

  out << "## Inputs\n\n";
  md_table(out, inputs_table(r));
  out << "Price tables: "
      << (r.price_files.empty() ? std::string("none") : e(join(r.price_files, ", "))) << "\n\n";

  out << "## Machines\n\n";
  md_table(out, machines_table(r));
  for (const auto& m : r.machines) {
    out << "### " << e(m.id) << " measured (" << e(m.gpu_name) << ")\n\n";
    if (m.metrics.empty()) {
      out << "No eligible case gives a headline metric.\n\n";
      continue;
    }
    md_table(out, measured_table(m));
    if (const auto missing = missing_metrics(m); !missing.empty()) {
      out << "Not measured: " << e(join(missing, ", ")) << ".\n\n";
    }
  }

  out << "## Value per dollar\n\n";
  for (std::size_t mi = 0; mi < r.machines.size(); ++mi) {
    const Machine& m = r.machines[mi];
    const std::size_t n = offer_count(r, mi);
    out << "### " << e(m.id) << ": " << e(m.gpu_name) << " ("
        << (m.model_key.empty() ? "unmapped" : e(m.model_key)) << "), " << n << " offer"
        << (n == 1 ? "" : "s") << "\n\n";
    if (n == 0) {
      out << "Value per dollar: n/a (" << e(m.unpriced_reason) << ").\n\n";
      continue;
    }
    md_table(out, value_table(r, mi));
    out << "Offers, ranked (cheapest USD per GPU-hour first):\n\n";
    md_table(out, offers_table(r, mi));
  }

  if (r.basis == PricingBasis::owned) {
    out << "## TCO breakdown (USD per GPU-hour)\n\n";
    md_table(out, tco_table(r));
  }

  out << "## Exclusions\n\n";
  if (r.exclusions.empty()) {
    out << "None: every case is eligible.\n\n";
  } else {
    md_table(out, exclusions_table(r));
  }

  out << "## Price sources\n\n";
  if (r.price_sources.empty()) {
    out << "None used.\n\n";
  } else {
    md_table(out, price_sources_table(r));
  }

  out << "## Assumptions\n\n";
  for (const auto& a : r.assumptions) {
    out << "- " << e(a) << '\n';
  }
  if (!r.warnings.empty()) {
    out << "\n## Warnings\n\n";
    for (const auto& w : r.warnings) {
      out << "- " << e(w) << '\n';
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CSV: one long table; the `record` column says what a row is.

void render_report_csv(const ValueReport& r, std::ostream& out) {
  static const std::vector<std::string> kHeader{
      "record",        "machine",      "gpu_name",
      "model",         "metric",       "unit",
      "measured",      "kind",         "status",
      "case",          "result_file",  "provider",
      "instance_type", "region",       "gpus_per_instance",
      "basis",         "usd_per_hour", "usd_per_gpu_hour",
      "value_per_usd", "value_unit",   "rank",
      "price_as_of",   "price_source", "price_origin",
      "note"};
  const auto row = [&out](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out << (i ? "," : "") << csv_cell(cells[i]);
    }
    out << '\n';
  };
  row(kHeader);
  const auto blank = [] { return std::vector<std::string>(kHeader.size()); };
  const auto col = [](const char* name) {
    return static_cast<std::size_t>(std::find(kHeader.begin(), kHeader.end(), name) -
                                    kHeader.begin());
  };
  const auto measured_cells =
      [&](std::vector<std::string>& c, const Machine& m, const MeasuredMetric& x) {
        c[col("machine")] = m.id;
        c[col("gpu_name")] = m.gpu_name;
        c[col("model")] = m.model_key;
        c[col("metric")] = info(x.metric).id;
        c[col("unit")] = info(x.metric).unit;
        c[col("measured")] = format_exact(x.value);
        c[col("kind")] = x.kind;
        c[col("status")] = x.noisy ? "noisy" : (x.case_name.empty() ? "" : "valid");
        c[col("case")] = x.case_name;
        c[col("result_file")] = x.file;
        c[col("value_unit")] = info(x.metric).value_unit;
      };
  for (const auto& o : r.offers) {
    const Machine& m = r.machines[o.machine];
    for (std::size_t k = 0; k < o.values.size(); ++k) {
      auto c = blank();
      c[col("record")] = "value";
      measured_cells(c, m, m.metrics[k]);
      c[col("provider")] = o.offer.provider;
      c[col("instance_type")] = o.offer.instance_type;
      c[col("region")] = o.offer.region;
      c[col("gpus_per_instance")] = format_exact(o.offer.gpus_per_instance);
      c[col("basis")] = o.offer.basis;
      c[col("usd_per_hour")] = o.offer.usd_per_hour ? format_exact(*o.offer.usd_per_hour) : "";
      c[col("usd_per_gpu_hour")] = format_exact(o.offer.usd_per_gpu_hour);
      c[col("value_per_usd")] =
          o.values[k].value_per_usd ? format_exact(*o.values[k].value_per_usd) : "n/a";
      c[col("rank")] = std::to_string(o.rank);
      c[col("price_as_of")] = o.offer.as_of;
      c[col("price_source")] = o.offer.source;
      c[col("price_origin")] = o.offer.origin;
      c[col("note")] = o.values[k].reason.empty() ? o.offer.power_basis : o.values[k].reason;
      row(c);
    }
  }
  for (const auto& m : r.machines) {
    if (m.unpriced_reason.empty()) {
      continue;
    }
    for (const auto& x : m.metrics) {
      auto c = blank();
      c[col("record")] = "unpriced";
      measured_cells(c, m, x);
      c[col("basis")] = to_string(r.basis);
      c[col("value_per_usd")] = "n/a";
      c[col("note")] = m.unpriced_reason;
      row(c);
    }
  }
  for (const auto& x : r.exclusions) {
    auto c = blank();
    c[col("record")] = "exclusion";
    c[col("status")] = to_string(x.ref.status);
    c[col("case")] = x.ref.case_name;
    c[col("result_file")] = x.ref.file;
    c[col("note")] = x.reason;
    row(c);
  }
  for (const auto& a : r.assumptions) {
    auto c = blank();
    c[col("record")] = "assumption";
    c[col("note")] = a;
    row(c);
  }
  for (const auto& w : r.warnings) {
    auto c = blank();
    c[col("record")] = "warning";
    c[col("note")] = w;
    row(c);
  }
}

// ---------------------------------------------------------------------------------------------
// JSON

namespace {

double num(double v, const char* what) {
  if (!std::isfinite(v)) {
    throw std::invalid_argument(std::string("report: non-finite number in ") + what);
  }
  return v;
}

void put_opt(OJson& j, const char* key, const std::optional<double>& v, const std::string& reason) {
  if (v) {
    j[key] = num(*v, key);
  } else {
    j[key] = nullptr;
    j[std::string(key) + "_reason"] = reason;
  }
}

}  // namespace

void render_report_json(const ValueReport& r, std::ostream& out) {
  OJson j;
  j["report"] = {{"name", "gpubench.value_report"}, {"version", "1.0"}};
  j["basis"] = to_string(r.basis);
  j["include_noisy"] = r.include_noisy;
  OJson inputs = OJson::array();
  for (const auto& in : r.inputs) {
    inputs.push_back({{"file", in.file},
                      {"schema_version", in.schema_version},
                      {"tool_version", in.tool_version},
                      {"git_sha", in.git_sha},
                      {"cases", in.cases}});
  }
  j["inputs"] = inputs;
  j["price_files"] = r.price_files;
  OJson machines = OJson::array();
  for (const auto& m : r.machines) {
    OJson jm;
    jm["id"] = m.id;
    jm["gpu_name"] = m.gpu_name;
    if (m.model_key.empty()) {
      jm["model_key"] = nullptr;
      jm["model_key_reason"] = "GPU name not in the alias table";
    } else {
      jm["model_key"] = m.model_key;
    }
    jm["gpu_count"] = m.gpu_count;
    jm["driver"] = m.driver;
    jm["files"] = m.files;
    OJson metrics = OJson::array();
    for (const auto& x : m.metrics) {
      const auto& i = info(x.metric);
      metrics.push_back({{"metric", i.id},
                         {"label", i.label},
                         {"value", num(x.value, "measured value")},
                         {"unit", i.unit},
                         {"kind", x.kind},
                         {"noisy", x.noisy},
                         {"case", x.case_name},
                         {"file", x.file},
                         {"field", x.field},
                         {"gpus", x.gpus},
                         {"note", x.note}});
    }
    jm["metrics"] = metrics;
    jm["unpriced_reason"] = m.unpriced_reason;
    machines.push_back(jm);
  }
  j["machines"] = machines;
  OJson offers = OJson::array();
  for (const auto& o : r.offers) {
    OJson jo;
    jo["machine"] = r.machines[o.machine].id;
    jo["rank"] = o.rank;
    jo["owned"] = o.offer.owned;
    jo["provider"] = o.offer.provider;
    jo["instance_type"] = o.offer.instance_type;
    jo["region"] = o.offer.region;
    jo["gpus_per_instance"] = num(o.offer.gpus_per_instance, "gpus_per_instance");
    jo["basis"] = o.offer.basis;
    put_opt(jo, "usd_per_hour", o.offer.usd_per_hour, "owned hardware: no instance price");
    jo["usd_per_gpu_hour"] = num(o.offer.usd_per_gpu_hour, "usd_per_gpu_hour");
    jo["as_of"] = o.offer.as_of;
    jo["source"] = o.offer.source;
    jo["origin"] = o.offer.origin;
    if (o.offer.tco && o.offer.owned_inputs) {
      const auto& in = *o.offer.owned_inputs;
      const auto& t = *o.offer.tco;
      jo["tco"] = {{"price_usd", num(in.price_usd, "price_usd")},
                   {"life_years", num(in.life_years, "life_years")},
                   {"cost_of_capital", num(in.cost_of_capital, "cost_of_capital")},
                   {"availability", num(in.availability, "availability")},
                   {"utilization", num(in.utilization, "utilization")},
                   {"power_kw", num(o.offer.power_kw.value_or(0), "power_kw")},
                   {"power_basis", o.offer.power_basis},
                   {"pue", num(in.pue, "pue")},
                   {"usd_per_kwh", num(in.usd_per_kwh, "usd_per_kwh")},
                   {"opex_usd_per_hour", num(in.opex_usd_per_hour, "opex_usd_per_hour")},
                   {"capex_usd_per_gpu_hour", num(t.capex, "capex")},
                   {"power_usd_per_gpu_hour", num(t.power, "power")},
                   {"opex_usd_per_gpu_hour", num(t.opex, "opex")},
                   {"total_usd_per_gpu_hour", num(t.total, "total")},
                   {"power_measured", t.power_measured}};
    } else {
      jo["tco"] = nullptr;
    }
    OJson values = OJson::array();
    for (const auto& v : o.values) {
      OJson jv;
      jv["metric"] = info(v.metric).id;
      jv["value_unit"] = info(v.metric).value_unit;
      put_opt(jv, "value_per_usd", v.value_per_usd, v.reason);
      values.push_back(jv);
    }
    jo["values"] = values;
    offers.push_back(jo);
  }
  j["offers"] = offers;
  OJson spreads = OJson::array();
  for (const auto& s : r.spreads) {
    spreads.push_back({{"machine", r.machines[s.machine].id},
                       {"metric", info(s.metric).id},
                       {"value_unit", info(s.metric).value_unit},
                       {"offers", s.offers},
                       {"best", num(s.best, "best")},
                       {"median", num(s.median, "median")},
                       {"worst", num(s.worst, "worst")},
                       {"usd_per_gpu_hour_min", num(s.usd_per_gpu_hour_min, "min")},
                       {"usd_per_gpu_hour_median", num(s.usd_per_gpu_hour_median, "median")},
                       {"usd_per_gpu_hour_max", num(s.usd_per_gpu_hour_max, "max")},
                       {"providers", s.providers},
                       {"regions", s.regions},
                       {"best_offer", s.best_offer}});
  }
  j["spreads"] = spreads;
  const auto refs = [](const std::vector<CaseRef>& v) {
    OJson a = OJson::array();
    for (const auto& c : v) {
      a.push_back({{"file", c.file}, {"case", c.case_name}, {"status", to_string(c.status)}});
    }
    return a;
  };
  j["included"] = refs(r.included);
  OJson excl = OJson::array();
  for (const auto& x : r.exclusions) {
    excl.push_back({{"file", x.ref.file},
                    {"case", x.ref.case_name},
                    {"status", to_string(x.ref.status)},
                    {"reason", x.reason}});
  }
  j["exclusions"] = excl;
  OJson sources = OJson::array();
  for (const auto& s : r.price_sources) {
    sources.push_back({{"source", s.source}, {"as_of", s.as_of}, {"offers", s.offers}});
  }
  j["price_sources"] = sources;
  j["assumptions"] = r.assumptions;
  j["warnings"] = r.warnings;
  // Invalid UTF-8 from a price table becomes U+FFFD instead of an exception without a path.
  out << j.dump(2, ' ', false, OJson::error_handler_t::replace) << '\n';
}

// ---------------------------------------------------------------------------------------------
// HTML: every tag and attribute below is a literal of this file; data only through h().

namespace {

std::string h(const std::string& s) {
  return html_escape(s);
}

/// Cuts text to at most `max_bytes` on a UTF-8 boundary, marking the cut.
std::string cut(const std::string& s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) {
    return s;
  }
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0u) == 0x80u) {
    --n;
  }
  return s.substr(0, n) + "...";
}

void html_table(std::ostream& out, const TextTable& t) {
  out << "<table><thead><tr>";
  for (const auto& c : t.header) {
    out << "<th>" << h(c) << "</th>";
  }
  out << "</tr></thead><tbody>\n";
  for (const auto& row : t.rows) {
    out << "<tr>";
    for (const auto& c : row) {
      out << "<td>" << h(c) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody></table>\n";
}

constexpr const char* kCss =
    "body{font-family:system-ui,sans-serif;margin:24px;color:#1b1f24;background:#fff}"
    "h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccd}"
    "table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}"
    "th,td{border:1px solid #ccd;padding:3px 6px;text-align:left;vertical-align:top}"
    "th{background:#eef1f6}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "p.note{color:#555}svg{display:block;margin:8px 0 20px}"
    ".bar{fill:#3b6fb6}.rng{stroke:#1b1f24;stroke-width:1.5}.med{stroke:#d9822b;stroke-width:3}"
    ".lbl{font-size:12px;fill:#1b1f24}.val{font-size:12px;fill:#1b1f24}"
    ".ttl{font-size:13px;font-weight:600;fill:#1b1f24}"
    ".warn li{color:#8a4b00}";

/// One horizontal bar chart per metric: a bar to the best offer's value per dollar, a line
/// from the worst to the best, a tick at the median. Geometry is computed from finite numbers.
void html_chart(std::ostream& out, const ValueReport& r, ValueMetric metric) {
  std::vector<const ValueSpread*> rows;
  for (const auto& s : r.spreads) {
    if (s.metric == metric) {
      rows.push_back(&s);
    }
  }
  if (rows.empty()) {
    return;
  }
  double top = 0;
  for (const auto* s : rows) {
    top = std::max(top, s->best);
  }
  if (!(top > 0) || !std::isfinite(top)) {
    return;
  }
  const auto& i = info(metric);
  const int label_w = 260, bar_w = 420, row_h = 26, head_h = 24;
  const int width = label_w + bar_w + 110;
  const int height = head_h + row_h * static_cast<int>(rows.size()) + 8;
  const auto x_of = [&](double v) { return format_fixed(label_w + bar_w * (v / top), 1); };
  out << "<svg width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << ' '
      << height << "\" role=\"img\">\n";
  out << "<title>" << h(std::string(i.label) + ": " + i.value_unit + " by machine") << "</title>\n";
  out << "<text class=\"ttl\" x=\"0\" y=\"16\">"
      << h(std::string(i.label) + ", " + i.value_unit +
           " (bar: best offer; line: worst to best; tick: median)")
      << "</text>\n";
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const ValueSpread& s = *rows[k];
    const Machine& m = r.machines[s.machine];
    const int y = head_h + row_h * static_cast<int>(k);
    const std::string yb = std::to_string(y + 4), ym = std::to_string(y + 13),
                      yt = std::to_string(y + 17);
    out << "<text class=\"lbl\" x=\"0\" y=\"" << yt << "\">" << h(cut(m.id + " " + m.gpu_name, 40))
        << "</text>\n";
    out << "<rect class=\"bar\" x=\"" << label_w << "\" y=\"" << yb << "\" width=\""
        << format_fixed(bar_w * (s.best / top), 1) << "\" height=\"18\"></rect>\n";
    out << "<line class=\"rng\" x1=\"" << x_of(s.worst) << "\" y1=\"" << ym << "\" x2=\""
        << x_of(s.best) << "\" y2=\"" << ym << "\"></line>\n";
    out << "<line class=\"med\" x1=\"" << x_of(s.median) << "\" y1=\"" << yb << "\" x2=\""
        << x_of(s.median) << "\" y2=\"" << std::to_string(y + 22) << "\"></line>\n";
    out << "<text class=\"val\" x=\"" << (label_w + bar_w + 6) << "\" y=\"" << yt << "\">"
        << h(format_human(s.best)) << "</text>\n";
  }
  out << "</svg>\n";
}

}  // namespace

void render_report_html(const ValueReport& r, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; img-src data:\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>gpubench value report</title>\n<style>"
      << kCss << "</style>\n</head>\n<body>\n";
  out << "<h1>gpubench value report</h1>\n";
  out << "<p>Pricing: " << h(basis_words(r.basis)) << ", USD per GPU-hour. Noisy cases: "
      << (r.include_noisy ? "included, marked (noisy)" : "excluded") << ".</p>\n";

  out << "<h2>Value per dollar</h2>\n";
  bool any_chart = false;
  for (const auto& mi : value_metrics()) {
    const bool has = std::any_of(r.spreads.begin(), r.spreads.end(), [&](const ValueSpread& s) {
      return s.metric == mi.metric;
    });
    if (has) {
      html_chart(out, r, mi.metric);
      any_chart = true;
    }
  }
  if (!any_chart) {
    out << "<p>No machine could be priced: value per dollar is n/a (see Warnings).</p>\n";
  }

  out << "<h2>Inputs</h2>\n";
  html_table(out, inputs_table(r));
  out << "<p>Price tables: "
      << (r.price_files.empty() ? std::string("none") : h(join(r.price_files, ", "))) << "</p>\n";

  out << "<h2>Machines</h2>\n";
  html_table(out, machines_table(r));
  for (const auto& m : r.machines) {
    out << "<h3>" << h(m.id + " measured (" + m.gpu_name + ")") << "</h3>\n";
    if (m.metrics.empty()) {
      out << "<p>No eligible case gives a headline metric.</p>\n";
      continue;
    }
    html_table(out, measured_table(m));
    if (const auto missing = missing_metrics(m); !missing.empty()) {
      out << "<p class=\"note\">Not measured: " << h(join(missing, ", ")) << ".</p>\n";
    }
  }

  out << "<h2>Offers</h2>\n";
  for (std::size_t mi = 0; mi < r.machines.size(); ++mi) {
    const Machine& m = r.machines[mi];
    const std::size_t n = offer_count(r, mi);
    out << "<h3>"
        << h(m.id + ": " + m.gpu_name + " (" + (m.model_key.empty() ? "unmapped" : m.model_key) +
             "), " + std::to_string(n) + (n == 1 ? " offer" : " offers"))
        << "</h3>\n";
    if (n == 0) {
      out << "<p>Value per dollar: n/a (" << h(m.unpriced_reason) << ").</p>\n";
      continue;
    }
    html_table(out, value_table(r, mi));
    html_table(out, offers_table(r, mi));
  }

  if (r.basis == PricingBasis::owned) {
    out << "<h2>TCO breakdown (USD per GPU-hour)</h2>\n";
    html_table(out, tco_table(r));
  }

  out << "<h2>Exclusions</h2>\n";
  if (r.exclusions.empty()) {
    out << "<p>None: every case is eligible.</p>\n";
  } else {
    html_table(out, exclusions_table(r));
  }

  out << "<h2>Price sources</h2>\n";
  if (r.price_sources.empty()) {
    out << "<p>None used.</p>\n";
  } else {
    html_table(out, price_sources_table(r));
  }

  out << "<h2>Assumptions</h2>\n<ul>\n";
  for (const auto& a : r.assumptions) {
    out << "<li>" << h(a) << "</li>\n";
  }
  out << "</ul>\n";
  if (!r.warnings.empty()) {
    out << "<h2>Warnings</h2>\n<ul class=\"warn\">\n";
    for (const auto& w : r.warnings) {
      out << "<li>" << h(w) << "</li>\n";
    }
    out << "</ul>\n";
  }
  out << "</body>\n</html>\n";
}

const std::map<std::string, ReportRenderer>& report_renderers() {
  static const std::map<std::string, ReportRenderer> kRenderers{
      {"csv", &render_report_csv},
      {"html", &render_report_html},
      {"json", &render_report_json},
      {"md", &render_report_markdown},
  };
  return kRenderers;
}

}  // namespace gpb
