// SPDX-License-Identifier: Apache-2.0
// Value report: picks each machine's headline numbers from valid cases (DI-6), prices them per
// GPU-hour against every offer of the machine's canonical model (METHODOLOGY §2.6, DI-8) and
// keeps the origin of every number (case + file, price source + as-of + file:line).
#include <gpb/csv.hpp>
#include <gpb/parallel.hpp>
#include <gpb/repeats.hpp>
#include <gpb/report.hpp>
#include <gpb/report_text.hpp>
#include <gpb/schema_json.hpp>
#include <gpb/stats.hpp>
#include <gpb/text.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <map>
#include <set>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <utility>

namespace gpb {
namespace {

constexpr double kGiB = 1073741824.0;

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool usable(double v) {
  return std::isfinite(v) && v > 0;
}

/// A headline number a case offers for one metric. Higher `priority` wins before value.
struct Candidate {
  ValueMetric metric = ValueMetric::gemm_bf16;
  double value = 0;
  int priority = 0;
  std::string kind, field;
  int gpus = 1;
  bool unsteady = false;  ///< sustained window whose second half dropped or spread (MR-8)
};

/// A case name without its "/gpu=N" segment: repeats and GPUs of one machine share it.
std::string case_key(const std::string& name) {
  const auto pos = name.rfind("/gpu=");
  return pos == std::string::npos ? name : name.substr(0, pos);
}

std::optional<ValueMetric> gemm_metric(const std::string& dtype) {
  if (dtype == "bf16") {
    return ValueMetric::gemm_bf16;
  }
  if (starts_with(dtype, "fp8")) {
    return ValueMetric::gemm_fp8;
  }
  if (dtype == "tf32") {
    return ValueMetric::gemm_tf32;
  }
  if (dtype == "fp32") {
    return ValueMetric::gemm_fp32;
  }
  if (dtype == "fp64") {
    return ValueMetric::gemm_fp64;
  }
  return std::nullopt;
}

/// The value metric a role prices, with its rank among a case's numbers (higher first) and
/// how the report names its kind; nullopt for roles the value report does not price.
struct PricedRole {
  ValueMetric metric;
  int priority;
  const char* kind;
  const char* unit;
};

std::optional<PricedRole> priced_role(const MetricRole& role) {
  switch (role.kind) {
    case RoleKind::gemm_dense_sustained:
    case RoleKind::gemm_dense_sustained_short:
    case RoleKind::gemm_dense_burst: {
      const auto metric = gemm_metric(role.dtype);
      if (!metric) {
        return std::nullopt;
      }
      if (role.kind == RoleKind::gemm_dense_sustained) {
        return PricedRole{*metric, 3, "sustained", "TFLOP/s"};
      }
      if (role.kind == RoleKind::gemm_dense_sustained_short) {
        return PricedRole{*metric, 2, "sustained (short window)", "TFLOP/s"};
      }
      return PricedRole{*metric, 1, "burst", "TFLOP/s"};
    }
    case RoleKind::hbm_triad:
      return PricedRole{ValueMetric::hbm_triad, 1, "headline", "GB/s"};
    case RoleKind::h2d:
      return PricedRole{ValueMetric::h2d, 1, "headline", "GB/s"};
    case RoleKind::d2h:
      return PricedRole{ValueMetric::d2h, 1, "headline", "GB/s"};
    case RoleKind::all_reduce_busbw:
      return PricedRole{ValueMetric::all_reduce_busbw, 1, "busbw", "GB/s"};
    default:
      return std::nullopt;
  }
}

/// What a case can contribute to the value report (METHODOLOGY §2.6): its highest-ranked
/// number whose role the report prices; nullopt for other cases. Selection is by role only.
std::optional<Candidate> classify(const CaseResult& c) {
  std::optional<Candidate> best;
  const auto consider = [&](const Metric& m, const std::string& field) {
    const auto p = priced_role(m.role);
    if (!p || m.unit != p->unit || !usable(m.value) || (best && best->priority >= p->priority)) {
      return;
    }
    Candidate k;
    k.metric = p->metric;
    k.value = m.value;
    k.priority = p->priority;
    k.kind = p->kind;
    k.field = field;
    k.unsteady = m.steady.has_value() && !*m.steady;
    if (p->metric == ValueMetric::all_reduce_busbw) {
      k.gpus = c.devices.empty() ? 1 : static_cast<int>(c.devices.size());
    }
    best = k;
  };
  for (const auto& m : c.metrics) {
    consider(m, "metrics." + m.name);
  }
  if (c.headline) {
    consider(*c.headline, "headline." + c.headline->name);
  }
  return best;
}

std::string exclusion_reason(const CaseResult& c) {
  std::string r = join(c.reasons, "; ");
  if (!c.message.empty()) {
    r += r.empty() ? c.message : ": " + c.message;
  }
  return r.empty() ? "no reason recorded" : r;
}

std::string number_text(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

/// A machine under construction with its best candidate per metric.
struct MachineBuild {
  Machine machine;
  /// Every eligible run of one case (repeats, and the machine's GPUs) for one metric.
  struct Group {
    Candidate cand;  ///< the first; its value is replaced by the median of `values`
    std::vector<double> values;
    std::string case_name, file;
    bool noisy = false;
    bool unsteady = false;
  };
  std::map<ValueMetric, std::map<std::string, Group>> groups;  // metric -> case key -> runs
  std::optional<MeasuredMetric> memory;
};

std::string offer_label(const Offer& o) {
  std::string s = o.provider + " " + o.instance_type;
  if (!o.region.empty()) {
    s += " " + o.region;
  }
  return s;
}

std::string list_some(const std::set<std::string>& names, std::size_t max_items) {
  std::vector<std::string> v;
  for (const auto& n : names) {
    if (v.size() == max_items) {
      v.push_back("... (" + std::to_string(names.size() - max_items) + " more)");
      break;
    }
    v.push_back(n);
  }
  return join(v, ", ");
}

}  // namespace

const char* to_string(PricingBasis basis) noexcept {
  switch (basis) {
    case PricingBasis::spot:
      return "spot";
    case PricingBasis::owned:
      return "owned";
    case PricingBasis::on_demand:
      break;
  }
  return "on_demand";
}

const std::vector<ValueMetricInfo>& value_metrics() {
  static const std::vector<ValueMetricInfo> kMetrics{
      {ValueMetric::gemm_bf16, "gemm_bf16", "BF16 dense GEMM", "TFLOP/s", "TFLOP/$", 3600},
      {ValueMetric::gemm_fp8, "gemm_fp8", "FP8 dense GEMM", "TFLOP/s", "TFLOP/$", 3600},
      {ValueMetric::gemm_tf32, "gemm_tf32", "TF32 dense GEMM", "TFLOP/s", "TFLOP/$", 3600},
      {ValueMetric::gemm_fp32, "gemm_fp32", "FP32 dense GEMM", "TFLOP/s", "TFLOP/$", 3600},
      {ValueMetric::gemm_fp64, "gemm_fp64", "FP64 dense GEMM", "TFLOP/s", "TFLOP/$", 3600},
      {ValueMetric::hbm_triad, "hbm_triad", "HBM triad (f32)", "GB/s", "TB/$", 3.6},
      {ValueMetric::h2d, "h2d", "Host to device copy", "GB/s", "TB/$", 3.6},
      {ValueMetric::d2h, "d2h", "Device to host copy", "GB/s", "TB/$", 3.6},
      {ValueMetric::all_reduce_busbw, "all_reduce_busbw", "all_reduce busbw", "GB/s", "TB/$", 3.6},
      {ValueMetric::memory, "memory", "GPU memory", "GiB", "GiB per $/h", 1},
  };
  return kMetrics;
}

const ValueMetricInfo& info(ValueMetric m) {
  for (const auto& i : value_metrics()) {
    if (i.metric == m) {
      return i;
    }
  }
  throw std::logic_error("unknown value metric");
}

std::vector<ResultFile> load_result_files(const std::vector<std::string>& paths, unsigned workers) {
  std::vector<ResultFile> runs(paths.size());
  std::vector<std::exception_ptr> errors(paths.size());
  // Parsing dominates a large report (1,000 files ~ 110 MB of JSON): one slice per core.
  parallel_for(paths.size(), workers, [&](std::uint64_t begin, std::uint64_t end, unsigned) {
    for (std::uint64_t i = begin; i < end; ++i) {
      try {
        runs[i] = {paths[i], load_run(paths[i]), check_integrity(paths[i])};
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  });
  for (const auto& e : errors) {
    if (e) {
      std::rethrow_exception(e);
    }
  }
  return runs;
}

std::vector<GpuTdp> load_gpu_tdp(const std::filesystem::path& path, const AliasTable& aliases) {
  const CsvTable t = read_csv_file(path.string());
  const auto need = [&](const char* name) {
    const auto col = t.column(name);
    if (!col) {
      throw InputError(t.origin + ": missing column '" + name + "'");
    }
    return *col;
  };
  const std::size_t c_model = need("gpu_model");
  const std::size_t c_tdp = need("tdp_watts");
  const std::size_t c_source = need("source");
  const std::size_t c_as_of = need("as_of");
  std::vector<GpuTdp> out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    const std::string& text = row[c_tdp];
    double w = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), w);
    if (res.ec != std::errc() || res.ptr != text.data() + text.size() || !usable(w)) {
      continue;  // a range or a note: no single figure to price power with
    }
    // The alias table names each model's spec row (GpuModel::spec_model); a spec row may
    // serve several models (PCIe and SXM of one name are separate rows, so rarely).
    std::vector<std::string> keys;
    for (const auto& m : aliases.models) {
      if (!m.spec_model.empty() && m.spec_model == row[c_model]) {
        keys.push_back(m.key);
      }
    }
    for (const auto& key : keys) {
      GpuTdp g;
      g.model_key = key;
      g.spec_name = row[c_model];
      g.tdp_w = w;
      g.source = row[c_source];
      g.as_of = row[c_as_of];
      g.origin = t.origin + ":" + std::to_string(t.row_lines[r]);
      out.push_back(std::move(g));
    }
  }
  return out;
}

ValueReport build_value_report(const std::vector<ResultFile>& runs,
                               const std::vector<PriceQuote>& quotes,
                               const AliasTable& aliases,
                               const std::vector<OwnedCost>& owned,
                               const std::vector<GpuTdp>& tdp,
                               const ReportOptions& options) {
  ValueReport rep;
  rep.basis = options.basis;
  rep.include_noisy = options.include_noisy;
  rep.price_files = options.price_files;

  // ---- measurements -----------------------------------------------------------------------
  std::vector<MachineBuild> builds;
  std::map<std::string, std::size_t> by_key;
  for (const auto& rf : runs) {
    const RunRecord& r = rf.record;
    InputFile in;
    in.file = rf.path;
    in.schema_version = std::to_string(r.schema.major) + "." + std::to_string(r.schema.minor);
    in.tool_version = r.tool.version;
    in.git_sha = r.tool.git_sha;
    in.cases = r.results.size();
    rep.inputs.push_back(in);

    // The machine is the GPU model on a host, identified by the run's GPU UUID set (hostname
    // and file when UUIDs are unknown, so unrelated runs never merge).
    std::vector<std::string> uuids;
    for (const auto& g : r.gpus) {
      uuids.push_back(g.uuid);
    }
    std::sort(uuids.begin(), uuids.end());
    const bool uuids_known =
        !uuids.empty() &&
        std::none_of(uuids.begin(), uuids.end(), [](const std::string& u) { return u.empty(); });
    const std::string host_key = uuids_known ? join(uuids, ",") : r.host.hostname + "|" + rf.path;
    if (r.gpus.empty()) {
      rep.warnings.push_back(rf.path + ": no GPU in this run: nothing in it is priced");
    }
    if (rf.integrity.status == Integrity::modified ||
        rf.integrity.status == Integrity::bad_sidecar) {
      rep.warnings.push_back(rf.integrity.detail);  // priced anyway; the reader decides (DI-5)
    }
    const auto machine_for = [&](const GpuInfo& g) -> MachineBuild& {
      const std::string key = g.name + "|" + host_key;
      auto it = by_key.find(key);
      if (it == by_key.end()) {
        MachineBuild b;
        b.machine.id = "M" + std::to_string(builds.size() + 1);
        b.machine.gpu_name = g.name;
        b.machine.gpu_count = static_cast<int>(std::count_if(
            r.gpus.begin(), r.gpus.end(), [&](const GpuInfo& x) { return x.name == g.name; }));
        b.machine.driver = r.runtime.driver_version;
        const std::optional<double> mem_gib =
            g.memory_bytes > 0 ? std::optional<double>(static_cast<double>(g.memory_bytes) / kGiB)
                               : std::nullopt;
        if (const auto k = resolve_model(aliases, g.name, mem_gib)) {
          b.machine.model_key = *k;
        }
        if (g.memory_bytes > 0) {
          MeasuredMetric m;
          m.metric = ValueMetric::memory;
          m.value = static_cast<double>(g.memory_bytes) / kGiB;
          m.kind = "device property";
          m.file = rf.path;
          m.field = "gpus[" + std::to_string(&g - r.gpus.data()) + "].memory_bytes";
          m.note = "cudaDeviceProp::totalGlobalMem";
          b.memory = m;
        }
        builds.push_back(std::move(b));
        it = by_key.emplace(key, builds.size() - 1).first;
      }
      MachineBuild& b = builds[it->second];
      if (std::find(b.machine.files.begin(), b.machine.files.end(), rf.path) ==
          b.machine.files.end()) {
        b.machine.files.push_back(rf.path);
        if (r.runtime.driver_version != b.machine.driver) {
          rep.warnings.push_back(b.machine.id + ": " + rf.path + " has driver " +
                                 r.runtime.driver_version + ", the machine's first file " +
                                 b.machine.driver);
        }
      }
      return b;
    };
    for (const auto& g : r.gpus) {
      (void)machine_for(g);
    }

    for (const auto& c : r.results) {
      const bool eligible =
          c.status == Status::valid || (options.include_noisy && c.status == Status::noisy);
      if (!eligible) {
        rep.exclusions.push_back({{rf.path, c.name, c.status}, exclusion_reason(c)});
        continue;
      }
      if (!c.verified) {
        // A --no-verify number is never priced: its output was not checked (MR-10).
        rep.exclusions.push_back({{rf.path, c.name, c.status}, "not verified: " + c.verification});
        continue;
      }
      rep.included.push_back({rf.path, c.name, c.status});
      const auto cand = classify(c);
      if (!cand || r.gpus.empty()) {
        continue;
      }
      const GpuInfo* gpu = &r.gpus.front();
      if (!c.devices.empty()) {
        for (const auto& g : r.gpus) {
          if (g.ordinal == c.devices.front()) {
            gpu = &g;
          }
        }
      }
      MachineBuild& b = machine_for(*gpu);
      auto& group = b.groups[cand->metric][case_key(c.name)];
      if (group.values.empty() || cand->priority > group.cand.priority) {
        group = MachineBuild::Group{};
        group.cand = *cand;
        group.case_name = c.name;
        group.file = rf.path;
      } else if (cand->priority < group.cand.priority) {
        continue;  // a short sustained window never mixes with a full one
      }
      group.values.push_back(cand->value);
      group.noisy = group.noisy || c.status == Status::noisy;
      group.unsteady = group.unsteady || cand->unsteady;
    }
  }

  bool any_burst = false;
  for (auto& b : builds) {
    for (const auto& mi : value_metrics()) {
      if (mi.metric == ValueMetric::memory) {
        if (b.memory) {
          b.machine.metrics.push_back(*b.memory);
        }
        continue;
      }
      const auto git = b.groups.find(mi.metric);
      if (git == b.groups.end() || git->second.empty()) {
        continue;
      }
      // Median over the runs of each case (repeats and GPUs: no best-of-N bias), then the best
      // case (shape) at the highest priority.
      int top = 0;
      for (const auto& [key, g] : git->second) {
        top = std::max(top, g.cand.priority);
      }
      const MachineBuild::Group* chosen = nullptr;
      double chosen_value = 0;
      std::size_t eligible = 0;
      for (const auto& [key, g] : git->second) {
        if (g.cand.priority != top) {
          continue;
        }
        ++eligible;
        const double v = median_of(g.values);
        if (chosen == nullptr || v > chosen_value) {
          chosen = &g;
          chosen_value = v;
        }
      }
      MachineBuild::Group best = *chosen;
      best.cand.value = chosen_value;
      const std::size_t repeats = best.values.size();
      MeasuredMetric m;
      m.metric = mi.metric;
      m.value = best.cand.value;
      m.kind = best.cand.kind;
      m.noisy = best.noisy;
      m.case_name = best.case_name;
      m.file = best.file;
      m.field = best.cand.field;
      m.gpus = best.cand.gpus;
      const std::string n = std::to_string(eligible);
      if (starts_with(best.cand.kind, "sustained")) {
        m.note = "best of " + n + " eligible case(s) with a sustained window";
      } else if (best.cand.kind == "burst") {
        m.note = "no eligible case has a sustained window: burst headline, best of " + n;
        any_burst = true;
      } else {
        m.note = "best of " + n + " eligible case(s)";
      }
      if (repeats > 1) {
        // MR-20: how far the runs of that case (repeats, and the machine's GPUs) disagree.
        const double spread = spread_of(best.values).spread;  // its median is chosen_value
        const double limit = repeat_spread_limit(best.case_name);
        m.note += "; median of " + std::to_string(repeats) + " runs of that case, spread " +
                  format_fixed(100 * spread, 1) + " %";
        if (spread > limit) {
          m.note += " (over the " + format_fixed(100 * limit, 0) + " % limit)";
          rep.warnings.push_back(b.machine.id + " " + std::string(mi.label) + ": the " +
                                 std::to_string(repeats) + " runs of " + best.case_name +
                                 " spread " + format_fixed(100 * spread, 1) + " %, over the " +
                                 format_fixed(100 * limit, 0) +
                                 " % repeatability limit: the median may not hold");
        }
      }
      if (best.unsteady) {
        m.note += "; sustained window not steady";
      }
      b.machine.metrics.push_back(m);
    }
  }

  // ---- offers per canonical model -----------------------------------------------------------
  std::map<std::string, std::vector<Offer>> offers_by_model;
  std::set<std::string> unmapped_quote_names;
  std::vector<std::string> non_usd, bad_price;
  std::size_t without_basis = 0;
  const char* basis_name = to_string(options.basis);
  if (options.basis != PricingBasis::owned) {
    for (const auto& q : quotes) {
      std::string key = q.model_key;
      if (key.empty()) {
        key =
            resolve_offer_model(aliases, q.provider, q.instance_type, q.gpu_name, q.gpu_memory_gib)
                .model_key.value_or("");
      }
      if (key.empty()) {
        unmapped_quote_names.insert(q.gpu_name);
        continue;
      }
      const std::optional<double> price =
          options.basis == PricingBasis::spot ? q.spot_usd_per_hour : q.on_demand_usd_per_hour;
      if (!price) {
        ++without_basis;
        continue;
      }
      if (q.currency != "USD") {
        non_usd.push_back(q.origin + " (" + q.currency + ")");
        continue;
      }
      const auto per_gpu = usd_per_gpu_hour(q, options.basis);
      if (!usable(*price) || !usable(q.gpu_count) || !per_gpu || !usable(*per_gpu)) {
        bad_price.push_back(q.origin);
        continue;
      }
      Offer o;
      o.provider = q.provider;
      o.instance_type = q.instance_type;
      o.region = q.region;
      o.gpus_per_instance = q.gpu_count;
      o.usd_per_hour = *price;
      o.usd_per_gpu_hour = *per_gpu;  // instance $/h / GPUs per instance, METHODOLOGY §2.6
      o.basis = basis_name;
      o.as_of = q.as_of;
      o.source = q.source;
      o.origin = q.origin;
      offers_by_model[key].push_back(std::move(o));
    }
  } else {
    std::map<std::string, const GpuTdp*> tdp_by_model;
    for (const auto& t : tdp) {
      tdp_by_model.emplace(t.model_key, &t);  // first row per model wins
    }
    for (const auto& oc : owned) {
      Offer o;
      o.owned = true;
      o.provider = "owned";
      o.instance_type = oc.name;
      o.gpus_per_instance = oc.gpus;
      o.basis = basis_name;
      o.as_of = oc.as_of;
      o.source = oc.source;
      o.origin = oc.origin;
      OwnedCost inputs = oc;
      if (oc.power_kw) {
        o.power_kw = *oc.power_kw;
        o.power_basis = "owned-cost row (" + oc.origin + ")";
      } else if (const auto it = tdp_by_model.find(oc.model_key); it != tdp_by_model.end()) {
        // No measured power in result files yet: the GPU boards' TDP, said so in the report.
        o.power_kw = it->second->tdp_w * oc.gpus / 1000.0;
        o.power_basis = "not measured: TDP " + number_text(it->second->tdp_w) + " W x " +
                        number_text(oc.gpus) + " GPUs (" + it->second->origin +
                        "), GPU boards only";
        inputs.power_kw = o.power_kw;
      } else {
        rep.warnings.push_back(oc.origin + ": " + oc.name +
                               ": no power figure (row has none, no TDP for " + oc.model_key +
                               "): not priced");
        continue;
      }
      if (!oc.verified) {
        rep.warnings.push_back(oc.origin + ": " + oc.name + ": price " + oc.price_kind +
                               " not verified against its source");
      }
      o.owned_inputs = inputs;
      try {
        o.tco = owned_cost_per_gpu_hour(inputs);
      } catch (const std::invalid_argument& e) {
        rep.warnings.push_back(oc.origin + ": " + oc.name + ": " + e.what() + ": not priced");
        continue;
      }
      if (!usable(o.tco->total)) {
        bad_price.push_back(oc.origin);
        continue;
      }
      o.usd_per_gpu_hour = o.tco->total;
      offers_by_model[oc.model_key].push_back(std::move(o));
    }
  }

  // ---- machines x offers ----------------------------------------------------------------------
  std::map<std::pair<std::string, std::string>, std::size_t> source_count;
  std::vector<std::pair<std::string, std::string>> source_order;
  bool tdp_used = false;
  for (std::size_t mi = 0; mi < builds.size(); ++mi) {
    Machine& m = builds[mi].machine;
    if (m.model_key.empty()) {
      m.unpriced_reason =
          "GPU name '" + m.gpu_name + "' is not in the alias table: not priced (never guessed)";
      rep.warnings.push_back(m.id + ": " + m.unpriced_reason);
      continue;
    }
    const auto it = offers_by_model.find(m.model_key);
    if (it == offers_by_model.end() || it->second.empty()) {
      m.unpriced_reason = options.basis == PricingBasis::owned
                              ? "no owned-cost row for " + m.model_key + ": n/a"
                              : std::string("no ") + basis_name + " offer for " + m.model_key +
                                    " in the price tables: n/a";
      rep.warnings.push_back(m.id + ": " + m.unpriced_reason);
      continue;
    }
    std::vector<const Offer*> sorted;
    for (const auto& o : it->second) {
      sorted.push_back(&o);
    }
    std::stable_sort(sorted.begin(), sorted.end(), [](const Offer* a, const Offer* b) {
      return std::tie(a->usd_per_gpu_hour, a->provider, a->instance_type, a->region, a->origin) <
             std::tie(b->usd_per_gpu_hour, b->provider, b->instance_type, b->region, b->origin);
    });
    const std::size_t first_offer = rep.offers.size();
    int rank = 0;
    for (const Offer* o : sorted) {
      RankedOffer ro;
      ro.machine = mi;
      ro.rank = ++rank;
      ro.offer = *o;
      if (o->owned && o->power_basis.rfind("not measured", 0) == 0) {
        tdp_used = true;
      }
      for (const auto& mm : m.metrics) {
        ValueCell cell;
        cell.metric = mm.metric;
        if (mm.gpus > 1 && o->gpus_per_instance != mm.gpus) {
          cell.reason = "measured on " + std::to_string(mm.gpus) + " GPUs; the offer has " +
                        number_text(o->gpus_per_instance);
        } else {
          const double v = mm.value * info(mm.metric).scale / o->usd_per_gpu_hour;
          if (usable(v)) {
            cell.value_per_usd = v;
          } else {
            cell.reason = "not a finite positive value";
          }
        }
        ro.values.push_back(cell);
      }
      const auto skey = std::make_pair(o->source, o->as_of);
      if (source_count[skey]++ == 0) {
        source_order.push_back(skey);
      }
      rep.offers.push_back(std::move(ro));
    }
    for (std::size_t k = 0; k < m.metrics.size(); ++k) {
      std::vector<double> values, prices;
      std::set<std::string> providers, regions;
      const RankedOffer* best = nullptr;
      for (std::size_t oi = first_offer; oi < rep.offers.size(); ++oi) {
        const RankedOffer& ro = rep.offers[oi];
        if (!ro.values[k].value_per_usd) {
          continue;
        }
        values.push_back(*ro.values[k].value_per_usd);
        prices.push_back(ro.offer.usd_per_gpu_hour);
        providers.insert(ro.offer.provider);
        regions.insert(ro.offer.provider + "/" + ro.offer.region);
        if (!best || *ro.values[k].value_per_usd > *best->values[k].value_per_usd) {
          best = &ro;
        }
      }
      if (values.empty()) {
        continue;
      }
      ValueSpread s;
      s.machine = mi;
      s.metric = m.metrics[k].metric;
      s.offers = values.size();
      s.best = *std::max_element(values.begin(), values.end());
      s.worst = *std::min_element(values.begin(), values.end());
      s.median = median_of(values);
      s.usd_per_gpu_hour_min = *std::min_element(prices.begin(), prices.end());
      s.usd_per_gpu_hour_max = *std::max_element(prices.begin(), prices.end());
      s.usd_per_gpu_hour_median = median_of(prices);
      s.providers = providers.size();
      s.regions = regions.size();
      s.best_offer = offer_label(best->offer);
      rep.spreads.push_back(s);
    }
  }
  for (const auto& k : source_order) {
    rep.price_sources.push_back({k.first, k.second, source_count[k]});
  }
  for (auto& b : builds) {
    rep.machines.push_back(std::move(b.machine));
  }

  // ---- what the numbers assume --------------------------------------------------------------
  auto& a = rep.assumptions;
  a.push_back("Only cases with status valid enter the report" +
              std::string(options.include_noisy
                              ? "; noisy cases too (--include-noisy), marked (noisy)"
                              : "; noisy cases are excluded unless --include-noisy") +
              ". Every other case is listed under Exclusions.");
  if (options.basis == PricingBasis::owned) {
    a.push_back(
        "Owned hardware: capex per hour = price x CRF / (8760 x availability), "
        "CRF = r(1+r)^N / ((1+r)^N - 1) (1/N when r = 0); power per hour = kW x PUE x USD/kWh; "
        "USD per GPU-hour = (capex + power + opex) per hour / utilization / GPUs.");
    a.push_back(
        "No result file carries measured power yet: power is the owned-cost row's own figure "
        "or, where it has none, the spec-sheet TDP x GPUs (data/specs/gpu_specs.csv)." +
        std::string(tdp_used ? " TDP counts the GPU boards only (no CPUs, memory, fans or "
                               "network), so those rows understate power cost."
                             : ""));
  } else {
    a.push_back(std::string("Prices are ") +
                (options.basis == PricingBasis::spot ? "spot" : "on-demand") +
                " list prices in USD as of the date shown per offer; no discounts, reservations, "
                "storage, egress or taxes.");
    if (options.basis == PricingBasis::spot) {
      a.push_back("Spot prices change often and spot instances can be pre-empted.");
    }
    a.push_back(
        "USD per GPU-hour = instance USD per hour / GPUs per instance; the "
        "GPU count may be fractional.");
  }
  a.push_back(
      "Value per dollar = measured rate x 3600 s / USD per GPU-hour: TFLOP/$ from TFLOP/s, TB/$ "
      "from GB/s (1 TB = 1000 GB); GiB per $/h = GPU memory in GiB / USD per GPU-hour. Per-GPU "
      "metrics divide by the price of one GPU-hour.");
  a.push_back(
      "GEMM: per dtype, the best eligible case (any shape) by its sustained rate (metric "
      "throughput_sustained); where no case of a dtype has one, the burst headline, marked burst.");
  a.push_back(
      "HBM: the best eligible stream/hbm triad f32 case (headline, from the median time). "
      "H2D/D2H: the best eligible case named h2d/d2h. all_reduce: busbw of the best eligible "
      "case, priced only against offers with the GPU count it ran on.");
  a.push_back(
      "One measured GPU prices every offer of its canonical model (alias table), assuming other "
      "hosts of that model perform alike; host CPU, PCIe, clocks and cooling can differ.");
  a.push_back(
      "For one machine every value per dollar ranks the offers the same way: cheapest USD per "
      "GPU-hour first. A missing price is n/a, never 0.");
  if (any_burst) {
    a.push_back("Burst GEMM rates are short-window peaks and overstate what a long job sustains.");
  }

  // ---- warnings about prices left out -------------------------------------------------------
  if (!unmapped_quote_names.empty()) {
    rep.warnings.push_back(std::to_string(unmapped_quote_names.size()) +
                           " GPU name(s) in the price tables are not in the alias table; their "
                           "offers are left out: " +
                           list_some(unmapped_quote_names, 20));
  }
  if (!non_usd.empty()) {
    rep.warnings.push_back(std::to_string(non_usd.size()) +
                           " price row(s) not in USD left out (no currency conversion): " +
                           list_some(std::set<std::string>(non_usd.begin(), non_usd.end()), 5));
  }
  if (!bad_price.empty()) {
    rep.warnings.push_back(std::to_string(bad_price.size()) +
                           " price row(s) with a price or GPU count that is not finite and > 0 "
                           "left out: " +
                           list_some(std::set<std::string>(bad_price.begin(), bad_price.end()), 5));
  }
  if (without_basis > 0) {
    rep.warnings.push_back(std::to_string(without_basis) + " price row(s) have no " + basis_name +
                           " price and are left out");
  }
  return rep;
}

}  // namespace gpb
