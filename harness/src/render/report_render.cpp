// SPDX-License-Identifier: Apache-2.0
// Value report renderers: free functions in a std::map (DESIGN §5), one file per format:
// Markdown for people (report_render_md.cpp), a long CSV with a formula guard (IN-3,
// report_render_csv.cpp), strict JSON (DI-2, report_render_json.cpp) and one self-contained
// HTML page (IN-5, IN-8, report_render_html.cpp). This file holds what they share: the tables
// of raw text that Markdown and HTML escape each their own way.
#include <gpb/common/text.hpp>
#include <gpb/render/report_text.hpp>
#include <gpb/value/report.hpp>

#include <algorithm>
#include <cmath>
#include <optional>

#include "report_render_internal.hpp"

namespace gpb {
namespace {

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

}  // namespace

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

const char* const kPeerMatricesIntro =
    "Cases measured between two GPUs, one matrix per case and result file: rows are the "
    "source GPU, columns the destination GPU; a cell is the pair's headline and, in brackets, "
    "its % of that link's peak. Shown for reference, not priced.";

std::string peer_matrix_title(const PeerMatrixSection& s) {
  const PeerMatrix& m = s.matrix;
  std::string t = m.key;
  if (!m.unit.empty()) {
    t += " (" + m.unit + (lower_is_better(m.unit) ? ", lower is better" : "") + ")";
  }
  t += ": ";
  if (!s.machine.empty()) {
    t += s.machine + (s.gpu_name.empty() ? "" : " " + s.gpu_name) + ", ";
  }
  return t + s.file;
}

TextTable peer_matrix_table(const PeerMatrix& m) {
  TextTable t{{"src \\ dst"}, {}};
  for (const int d : m.devices) {
    t.header.push_back("GPU " + std::to_string(d));
  }
  for (std::size_t row = 0; row < m.devices.size(); ++row) {
    std::vector<std::string> cells{"GPU " + std::to_string(m.devices[row])};
    for (std::size_t col = 0; col < m.devices.size(); ++col) {
      cells.push_back(peer_cell_report_text(m, row, col));
    }
    t.rows.push_back(std::move(cells));
  }
  return t;
}

std::size_t offer_count(const ValueReport& r, std::size_t mi) {
  return static_cast<std::size_t>(std::count_if(
      r.offers.begin(), r.offers.end(), [mi](const RankedOffer& o) { return o.machine == mi; }));
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
