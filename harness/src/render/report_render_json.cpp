// SPDX-License-Identifier: Apache-2.0
// Value report as JSON: strict (DI-2): finite numbers only, a missing value is null with a
// *_reason sibling. Keys keep their insertion order (ordered_json).
#include <gpb/value/report.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <ostream>
#include <stdexcept>

namespace gpb {
namespace {

using OJson = nlohmann::ordered_json;

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

OJson json_inputs(const ValueReport& r) {
  OJson inputs = OJson::array();
  for (const auto& in : r.inputs) {
    inputs.push_back({{"file", in.file},
                      {"schema_version", in.schema_version},
                      {"tool_version", in.tool_version},
                      {"git_sha", in.git_sha},
                      {"cases", in.cases}});
  }
  return inputs;
}

OJson json_machine(const Machine& m) {
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
  return jm;
}

/// The TCO inputs and breakdown of an owned offer; null for a cloud offer.
OJson json_tco(const Offer& o) {
  if (!o.tco || !o.owned_inputs) {
    return nullptr;
  }
  const auto& in = *o.owned_inputs;
  const auto& t = *o.tco;
  return {{"price_usd", num(in.price_usd, "price_usd")},
          {"life_years", num(in.life_years, "life_years")},
          {"cost_of_capital", num(in.cost_of_capital, "cost_of_capital")},
          {"availability", num(in.availability, "availability")},
          {"utilization", num(in.utilization, "utilization")},
          {"power_kw", num(o.power_kw.value_or(0), "power_kw")},
          {"power_basis", o.power_basis},
          {"pue", num(in.pue, "pue")},
          {"usd_per_kwh", num(in.usd_per_kwh, "usd_per_kwh")},
          {"opex_usd_per_hour", num(in.opex_usd_per_hour, "opex_usd_per_hour")},
          {"capex_usd_per_gpu_hour", num(t.capex, "capex")},
          {"power_usd_per_gpu_hour", num(t.power, "power")},
          {"opex_usd_per_gpu_hour", num(t.opex, "opex")},
          {"total_usd_per_gpu_hour", num(t.total, "total")},
          {"power_measured", t.power_measured}};
}

OJson json_offer(const ValueReport& r, const RankedOffer& o) {
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
  jo["tco"] = json_tco(o.offer);
  OJson values = OJson::array();
  for (const auto& v : o.values) {
    OJson jv;
    jv["metric"] = info(v.metric).id;
    jv["value_unit"] = info(v.metric).value_unit;
    put_opt(jv, "value_per_usd", v.value_per_usd, v.reason);
    values.push_back(jv);
  }
  jo["values"] = values;
  return jo;
}

OJson json_spreads(const ValueReport& r) {
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
  return spreads;
}

OJson json_case_refs(const std::vector<CaseRef>& v) {
  OJson a = OJson::array();
  for (const auto& c : v) {
    a.push_back({{"file", c.file}, {"case", c.case_name}, {"status", to_string(c.status)}});
  }
  return a;
}

OJson json_exclusions(const ValueReport& r) {
  OJson excl = OJson::array();
  for (const auto& x : r.exclusions) {
    excl.push_back({{"file", x.ref.file},
                    {"case", x.ref.case_name},
                    {"status", to_string(x.ref.status)},
                    {"reason", x.reason}});
  }
  return excl;
}

OJson json_price_sources(const ValueReport& r) {
  OJson sources = OJson::array();
  for (const auto& s : r.price_sources) {
    sources.push_back({{"source", s.source}, {"as_of", s.as_of}, {"offers", s.offers}});
  }
  return sources;
}

/// Why a present pair has no value or no fraction, for the *_reason siblings.
std::string no_value_reason(const PeerCell& c) {
  if (c.status != Status::valid && c.status != Status::noisy) {
    return "status " + std::string(to_string(c.status));
  }
  return "no headline in the matrix's unit";
}

OJson json_peer_matrix(const PeerMatrixSection& s) {
  const PeerMatrix& m = s.matrix;
  OJson jm;
  jm["machine"] = s.machine;
  jm["gpu_name"] = s.gpu_name;
  jm["file"] = s.file;
  jm["key"] = m.key;
  jm["unit"] = m.unit;
  jm["lower_is_better"] = lower_is_better(m.unit);
  jm["devices"] = m.devices;
  OJson cells = OJson::array();
  OJson missing = OJson::array();
  for (std::size_t row = 0; row < m.devices.size(); ++row) {
    for (std::size_t col = 0; col < m.devices.size(); ++col) {
      const PeerCell& c = m.cells[row][col];
      if (row == col) {
        continue;
      }
      if (!c.present) {
        missing.push_back({{"src", m.devices[row]}, {"dst", m.devices[col]}});
        continue;
      }
      OJson jc;
      jc["src"] = m.devices[row];
      jc["dst"] = m.devices[col];
      jc["case"] = c.case_name;
      jc["status"] = to_string(c.status);
      put_opt(jc, "value", c.value, no_value_reason(c));
      put_opt(jc, "fraction", c.fraction, c.value ? "no peak for this link" : no_value_reason(c));
      jc["link"] = c.link;
      jc["link_warnings"] = c.link_warnings;
      jc["reason"] = c.reason;
      jc["message"] = c.message;
      jc["runs"] = c.runs;
      cells.push_back(jc);
    }
  }
  jm["cells"] = cells;
  jm["missing"] = missing;
  return jm;
}

}  // namespace

void render_report_json(const ValueReport& r, std::ostream& out) {
  OJson j;
  j["report"] = {{"name", "gpubench.value_report"}, {"version", "1.0"}};
  j["basis"] = to_string(r.basis);
  j["include_noisy"] = r.include_noisy;
  j["inputs"] = json_inputs(r);
  j["price_files"] = r.price_files;
  OJson machines = OJson::array();
  for (const auto& m : r.machines) {
    machines.push_back(json_machine(m));
  }
  j["machines"] = machines;
  OJson offers = OJson::array();
  for (const auto& o : r.offers) {
    offers.push_back(json_offer(r, o));
  }
  j["offers"] = offers;
  j["spreads"] = json_spreads(r);
  if (!r.peer_matrices.empty()) {  // absent, not empty, so older reports read the same
    OJson peers = OJson::array();
    for (const auto& s : r.peer_matrices) {
      peers.push_back(json_peer_matrix(s));
    }
    j["peer_matrices"] = peers;
  }
  j["included"] = json_case_refs(r.included);
  j["exclusions"] = json_exclusions(r);
  j["price_sources"] = json_price_sources(r);
  j["assumptions"] = r.assumptions;
  j["warnings"] = r.warnings;
  // Invalid UTF-8 from a price table becomes U+FFFD instead of an exception without a path.
  out << j.dump(2, ' ', false, OJson::error_handler_t::replace) << '\n';
}

}  // namespace gpb
