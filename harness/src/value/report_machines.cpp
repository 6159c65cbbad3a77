// SPDX-License-Identifier: Apache-2.0
// Value report, step 1: result files to machines. Sorts every case into included or excluded
// (DI-6), groups runs into machines (a GPU model on a host, by GPU UUID set) and picks each
// machine's headline number per metric from valid cases by metric role (METHODOLOGY §2.6).
#include <gpb/common/text.hpp>
#include <gpb/measure/repeats.hpp>
#include <gpb/measure/stats.hpp>
#include <gpb/render/report_text.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>

#include "report_internal.hpp"

namespace gpb::report_detail {
namespace {

constexpr double kGiB = 1073741824.0;

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
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

using CaseGroups = std::map<std::string, MachineBuild::Group>;  // case key -> runs

InputFile input_file(const ResultFile& rf) {
  const RunRecord& r = rf.record;
  InputFile in;
  in.file = rf.path;
  in.schema_version = std::to_string(r.schema.major) + "." + std::to_string(r.schema.minor);
  in.tool_version = r.tool.version;
  in.git_sha = r.tool.git_sha;
  in.cases = r.results.size();
  return in;
}

/// The machine is the GPU model on a host, identified by the run's GPU UUID set (hostname
/// and file when UUIDs are unknown, so unrelated runs never merge).
std::string host_key(const ResultFile& rf) {
  const RunRecord& r = rf.record;
  std::vector<std::string> uuids;
  for (const auto& g : r.gpus) {
    uuids.push_back(g.uuid);
  }
  std::sort(uuids.begin(), uuids.end());
  const bool uuids_known =
      !uuids.empty() &&
      std::none_of(uuids.begin(), uuids.end(), [](const std::string& u) { return u.empty(); });
  return uuids_known ? join(uuids, ",") : r.host.hostname + "|" + rf.path;
}

/// A new machine for GPU `g` of run `rf` (which must be an element of rf.record.gpus).
MachineBuild new_machine(std::string id,
                         const ResultFile& rf,
                         const GpuInfo& g,
                         const AliasTable& aliases) {
  const RunRecord& r = rf.record;
  MachineBuild b;
  b.machine.id = std::move(id);
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
  return b;
}

/// The GPU a case ran on: its first device, else the run's first GPU (`r.gpus` not empty).
const GpuInfo& gpu_of_case(const RunRecord& r, const CaseResult& c) {
  const GpuInfo* gpu = &r.gpus.front();
  if (!c.devices.empty()) {
    for (const auto& g : r.gpus) {
      if (g.ordinal == c.devices.front()) {
        gpu = &g;
      }
    }
  }
  return *gpu;
}

/// Adds one run of a case to its group; a number of higher priority starts the group over.
void add_to_group(MachineBuild::Group& group,
                  const Candidate& cand,
                  const CaseResult& c,
                  const std::string& file) {
  if (group.values.empty() || cand.priority > group.cand.priority) {
    group = MachineBuild::Group{};
    group.cand = cand;
    group.case_name = c.name;
    group.file = file;
  } else if (cand.priority < group.cand.priority) {
    return;  // a short sustained window never mixes with a full one
  }
  group.values.push_back(cand.value);
  group.noisy = group.noisy || c.status == Status::noisy;
  group.unsteady = group.unsteady || cand.unsteady;
}

/// The case chosen for one metric of one machine, with its median over runs.
struct ChosenCase {
  const MachineBuild::Group* group = nullptr;
  double value = 0;          ///< median of group->values
  std::size_t eligible = 0;  ///< cases at the highest priority
};

/// Median over the runs of each case (repeats and GPUs: no best-of-N bias), then the best
/// case (shape) at the highest priority. `groups` is not empty.
ChosenCase best_case(const CaseGroups& groups) {
  int top = 0;
  for (const auto& [key, g] : groups) {
    top = std::max(top, g.cand.priority);
  }
  ChosenCase chosen;
  for (const auto& [key, g] : groups) {
    if (g.cand.priority != top) {
      continue;
    }
    ++chosen.eligible;
    const double v = median_of(g.values);
    if (chosen.group == nullptr || v > chosen.value) {
      chosen.group = &g;
      chosen.value = v;
    }
  }
  return chosen;
}

/// The measured number of the chosen case, with a note on why this case.
MeasuredMetric measured_metric(ValueMetric metric, const ChosenCase& chosen) {
  const MachineBuild::Group& best = *chosen.group;
  MeasuredMetric m;
  m.metric = metric;
  m.value = chosen.value;
  m.kind = best.cand.kind;
  m.noisy = best.noisy;
  m.case_name = best.case_name;
  m.file = best.file;
  m.field = best.cand.field;
  m.gpus = best.cand.gpus;
  const std::string n = std::to_string(chosen.eligible);
  if (starts_with(best.cand.kind, "sustained")) {
    m.note = "best of " + n + " eligible case(s) with a sustained window";
  } else if (best.cand.kind == "burst") {
    m.note = "no eligible case has a sustained window: burst headline, best of " + n;
  } else {
    m.note = "best of " + n + " eligible case(s)";
  }
  return m;
}

/// MR-20: how far the runs of the chosen case (repeats, and the machine's GPUs) disagree, in
/// the note; a warning when that is over the case's repeatability limit.
void note_repeat_spread(MeasuredMetric& m,
                        const MachineBuild::Group& best,
                        const std::string& where,
                        std::vector<std::string>& warnings) {
  const std::size_t repeats = best.values.size();
  const double spread = spread_of(best.values).spread;  // its median is m.value
  const double limit = repeat_spread_limit(best.case_name);
  m.note += "; median of " + std::to_string(repeats) + " runs of that case, spread " +
            format_fixed(100 * spread, 1) + " %";
  if (spread > limit) {
    m.note += " (over the " + format_fixed(100 * limit, 0) + " % limit)";
    warnings.push_back(where + ": the " + std::to_string(repeats) + " runs of " + best.case_name +
                       " spread " + format_fixed(100 * spread, 1) + " %, over the " +
                       format_fixed(100 * limit, 0) +
                       " % repeatability limit: the median may not hold");
  }
}

/// Reads result files into machines, in input order, and reports what it included.
class MachineCollector {
 public:
  MachineCollector(const AliasTable& aliases, const ReportOptions& options, ValueReport& rep)
      : aliases_(aliases), options_(options), rep_(rep) {}

  void add_run(const ResultFile& rf) {
    const RunRecord& r = rf.record;
    rep_.inputs.push_back(input_file(rf));
    const std::string host = host_key(rf);
    if (r.gpus.empty()) {
      rep_.warnings.push_back(rf.path + ": no GPU in this run: nothing in it is priced");
    }
    if (rf.integrity.status == Integrity::modified ||
        rf.integrity.status == Integrity::bad_sidecar) {
      rep_.warnings.push_back(rf.integrity.detail);  // priced anyway; the reader decides (DI-5)
    }
    for (const auto& g : r.gpus) {
      (void)machine_for(rf, g, host);
    }
    for (const auto& c : r.results) {
      add_case(rf, c, host);
    }
  }

  /// Picks each machine's headline number per metric, in value_metrics() order. Returns
  /// whether any of them is a burst GEMM headline.
  bool choose_metrics() {
    bool any_burst = false;
    for (auto& b : builds_) {
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
        const ChosenCase chosen = best_case(git->second);
        MeasuredMetric m = measured_metric(mi.metric, chosen);
        any_burst = any_burst || m.kind == "burst";
        if (chosen.group->values.size() > 1) {
          note_repeat_spread(m, *chosen.group, b.machine.id + " " + mi.label, rep_.warnings);
        }
        if (chosen.group->unsteady) {
          m.note += "; sustained window not steady";
        }
        b.machine.metrics.push_back(m);
      }
    }
    return any_burst;
  }

  void move_machines_into_report() {
    for (auto& b : builds_) {
      rep_.machines.push_back(std::move(b.machine));
    }
  }

 private:
  MachineBuild& machine_for(const ResultFile& rf, const GpuInfo& g, const std::string& host) {
    const std::string key = g.name + "|" + host;
    auto it = by_key_.find(key);
    if (it == by_key_.end()) {
      builds_.push_back(new_machine("M" + std::to_string(builds_.size() + 1), rf, g, aliases_));
      it = by_key_.emplace(key, builds_.size() - 1).first;
    }
    MachineBuild& b = builds_[it->second];
    if (std::find(b.machine.files.begin(), b.machine.files.end(), rf.path) ==
        b.machine.files.end()) {
      b.machine.files.push_back(rf.path);
      if (rf.record.runtime.driver_version != b.machine.driver) {
        rep_.warnings.push_back(b.machine.id + ": " + rf.path + " has driver " +
                                rf.record.runtime.driver_version + ", the machine's first file " +
                                b.machine.driver);
      }
    }
    return b;
  }

  void add_case(const ResultFile& rf, const CaseResult& c, const std::string& host) {
    const bool eligible =
        c.status == Status::valid || (options_.include_noisy && c.status == Status::noisy);
    if (!eligible) {
      rep_.exclusions.push_back({{rf.path, c.name, c.status}, exclusion_reason(c)});
      return;
    }
    if (!c.verified) {
      // A --no-verify number is never priced: its output was not checked (MR-10).
      rep_.exclusions.push_back({{rf.path, c.name, c.status}, "not verified: " + c.verification});
      return;
    }
    rep_.included.push_back({rf.path, c.name, c.status});
    const auto cand = classify(c);
    if (!cand || rf.record.gpus.empty()) {
      return;
    }
    MachineBuild& b = machine_for(rf, gpu_of_case(rf.record, c), host);
    add_to_group(b.groups[cand->metric][case_key(c.name)], *cand, c, rf.path);
  }

  const AliasTable& aliases_;
  const ReportOptions& options_;
  ValueReport& rep_;
  std::vector<MachineBuild> builds_;
  std::map<std::string, std::size_t> by_key_;  // GPU name | host key -> index in builds_
};

}  // namespace

bool add_measured_machines(const std::vector<ResultFile>& runs,
                           const AliasTable& aliases,
                           const ReportOptions& options,
                           ValueReport& rep) {
  MachineCollector collector(aliases, options, rep);
  for (const auto& rf : runs) {
    collector.add_run(rf);
  }
  const bool any_burst = collector.choose_metrics();
  collector.move_machines_into_report();
  return any_burst;
}

}  // namespace gpb::report_detail
