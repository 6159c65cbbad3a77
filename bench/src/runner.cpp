// SPDX-License-Identifier: Apache-2.0
#include <gpb/build_info.hpp>
#include <gpb/device_runtime.hpp>
#include <gpb/health.hpp>
#include <gpb/nvml.hpp>
#include <gpb/peaks.hpp>
#include <gpb/preflight.hpp>
#include <gpb/registry.hpp>
#include <gpb/repeats.hpp>
#include <gpb/runner.hpp>
#include <gpb/schema_json.hpp>
#include <gpb/stats.hpp>
#include <gpb/sysinfo.hpp>
#include <gpb/telemetry.hpp>
#include <gpb/units.hpp>
#include <gpb/watchdog.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "run_internal.hpp"
#include <unistd.h>

namespace gpb {
namespace {

// The one process-wide mutable: written by the signal handler, read by the sampling loop.
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int signum) {
  g_signal = signum;
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

MeasurePolicy policy_for(const CliOptions& o) {
  MeasurePolicy p;
  switch (o.profile) {
    case Profile::quick:
      p.min_time_s = 0.1;
      p.timeout_s = 3;
      break;
    case Profile::full:
      p.min_time_s = 1.0;
      p.timeout_s = 30;
      break;
    case Profile::standard:
      break;
  }
  if (o.min_time_s) {
    p.min_time_s = *o.min_time_s;
  }
  if (o.max_noise) {
    p.max_noise = *o.max_noise;
  }
  if (o.timeout_s) {
    p.timeout_s = *o.timeout_s;
  }
  p.stop_flag = &g_signal;
  return p;
}

std::string top_family(const std::string& family) {
  return family.substr(0, family.find('/'));
}

bool family_selected(const CaseSpec& spec, const std::vector<std::string>& families) {
  if (families.empty()) {
    return true;
  }
  return std::any_of(families.begin(), families.end(), [&](const std::string& f) {
    return spec.family == f || top_family(spec.family) == f || spec.family.rfind(f + "/", 0) == 0;
  });
}

std::regex compile_filter(const std::string& filter, const char* what) {
  try {
    return std::regex(filter, std::regex::extended | std::regex::nosubs);
  } catch (const std::regex_error& e) {
    throw UsageError(std::string(what) + ": '" + filter + "' is not a valid regular expression");
  }
}

}  // namespace

/// The cases of the profile that match --family and FILTER. Unknown families are errors.
std::vector<const CaseSpec*> select_specs(const CliOptions& o) {
  const auto& all = Catalog::instance().cases();
  for (const auto& f : o.families) {
    const bool known = std::any_of(
        all.begin(), all.end(), [&](const CaseSpec& s) { return family_selected(s, {f}); });
    if (!known) {
      std::set<std::string> names;
      for (const auto& s : all) {
        names.insert(top_family(s.family));
      }
      std::string list;
      for (const auto& n : names) {
        list += (list.empty() ? "" : ", ") + n;
      }
      throw UsageError("--family: unknown family '" + f + "' (known: " + list + ")");
    }
  }
  std::optional<std::regex> filter;
  if (!o.filter.empty()) {
    filter = compile_filter(o.filter, "FILTER");
  }
  std::vector<const CaseSpec*> out;
  for (const auto& s : all) {
    if (!in_profile(s.profiles, o.profile) || !family_selected(s, o.families)) {
      continue;
    }
    if (filter && !std::regex_search(s.name, *filter)) {
      continue;
    }
    out.push_back(&s);
  }
  return out;
}

namespace {

struct Instance {
  const CaseSpec* spec = nullptr;
  const GpuInfo* gpu = nullptr;  // null for host cases, or GPU cases without a device
  std::string name;
};

std::vector<Instance> expand(const std::vector<const CaseSpec*>& specs,
                             const std::vector<GpuInfo>& gpus) {
  std::vector<Instance> out;
  for (const CaseSpec* s : specs) {
    if (!s->requires_.gpu || gpus.empty()) {
      out.push_back({s, nullptr, s->name});  // host case, or a GPU case to record as skipped
    } else {
      for (const GpuInfo& g : gpus) {
        out.push_back({s, &g, s->name + "/gpu=" + std::to_string(g.ordinal)});
      }
    }
  }
  return out;
}

/// Derives statistics, headline, peak fraction and the final status (MR-4, MR-10, MR-13).
void finalize(const Context& ctx, CaseResult& r, bool verify) {
  if (!r.sample_s.empty()) {
    r.stats = summarize(r.sample_s);
    const double units = ctx.rate_kind() == RateKind::bandwidth ? r.work.bytes : r.work.flops;
    const double scale = ctx.rate_kind() == RateKind::bandwidth ? 1e9 : 1e12;
    const char* unit = ctx.rate_kind() == RateKind::bandwidth
                           ? "GB/s"
                           : (ctx.rate_kind() == RateKind::flops ? "TFLOP/s" : "TOP/s");
    const char* what = ctx.rate_kind() == RateKind::bandwidth ? "bytes" : "operations";
    if (auto v = rate(units, r.stats->median_s, 0.0)) {
      r.headline = Metric{ctx.rate_kind() == RateKind::bandwidth ? "bandwidth" : "throughput",
                          *v / scale,
                          unit,
                          std::string(what) + " per op / median_s"};
    }
    if (auto v = rate(units, r.stats->min_s, 0.0)) {
      r.metrics.insert(r.metrics.begin(),
                       Metric{"best", *v / scale, unit, std::string(what) + " per op / min_s"});
    }
  }
  if (r.status == Status::unknown) {
    r.status =
        Status::valid;  // a case that measured nothing and said nothing is still checked below
  }
  if (!verify) {
    r.verified = false;
    r.verification = "disabled (--no-verify)";
  } else if (!ctx.verify_called()) {
    r.status = Status::error;
    r.reasons.push_back("verification_missing");
  } else if (!r.verified) {
    r.status = Status::failed_verification;
    r.reasons.push_back("verification_failed");
  }
  if (r.headline) {
    const std::string peak_reason = apply_peak(r.peak, r.headline->value);
    if (!peak_reason.empty()) {
      r.reasons.push_back(peak_reason);
      if (peak_reason == "above_105_percent_of_peak" &&
          (r.status == Status::valid || r.status == Status::noisy)) {
        r.status = Status::implausible;
      }
    }
  } else if (r.status == Status::valid) {
    r.status = Status::invalid;
    r.reasons.push_back("no_rate");
  }
}

class Progress {
 public:
  Progress(std::size_t total, bool quiet)
      : total_(total),
        quiet_(quiet),
        tty_(isatty(STDERR_FILENO) != 0),
        start_(std::chrono::steady_clock::now()) {}
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress() {
    if (!quiet_ && tty_ && done_ > 0) {
      std::fputs("\r\033[K", stderr);
    }
  }
  /// A case an earlier worker already finished: counted, not timed.
  void skip_one() {
    ++done_;
    ++skipped_;
  }
  void begin(const std::string& name) {
    ++done_;
    if (quiet_) {
      return;
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::string left = "?";
    if (done_ > skipped_ + 1) {
      const double per_case = elapsed / static_cast<double>(done_ - skipped_ - 1);
      const double rest = per_case * static_cast<double>(total_ >= done_ ? total_ - done_ + 1 : 1);
      left = format_duration(rest);
    }
    std::fprintf(stderr,
                 "%s[%zu/%zu] %s  (elapsed %s, ~%s left)%s",
                 tty_ ? "\r\033[K" : "",
                 done_,
                 std::max(total_, done_),
                 name.c_str(),
                 format_duration(elapsed).c_str(),
                 left.c_str(),
                 tty_ ? "" : "\n");
    std::fflush(stderr);
  }

 private:
  static std::string format_duration(double s) {
    const long total = std::lround(s);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", total / 60, total % 60);
    return buf;
  }
  std::size_t total_;
  std::size_t done_ = 0;
  std::size_t skipped_ = 0;
  bool quiet_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

/// Display reporter that prints nothing: the progress lines and our summary replace gbench's
/// console table, and every case's status comes from our own sink, not from gbench's Run.
class SilentReporter final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v >= 100 ? "%.1f" : "%.3g", v);
  return buf;
}

void print_summary(const std::vector<CaseResult>& results, std::ostream& out) {
  std::size_t width = 4;
  for (const auto& r : results) {
    width = std::max(width, r.name.size());
  }
  char line[512];
  std::snprintf(line,
                sizeof line,
                "%-*s  %-19s %12s %-8s %7s %6s %7s  %s\n",
                static_cast<int>(width),
                "case",
                "status",
                "value",
                "unit",
                "%peak",
                "n",
                "noise",
                "stop");
  out << line;
  for (const auto& r : results) {
    const std::string value = r.headline ? format_value(r.headline->value) : "-";
    const std::string unit = r.headline ? r.headline->unit : "";
    std::string pct = "-";
    if (r.peak.fraction) {
      pct = format_value(*r.peak.fraction * 100.0) + "%";
    }
    std::string noise = "-";
    if (r.stats && r.stats->rel_stdev) {
      char b[16];
      std::snprintf(b, sizeof b, "%.2f%%", *r.stats->rel_stdev * 100);
      noise = b;
    }
    std::string stop = r.stop.reason;
    if (r.status != Status::valid && !r.reasons.empty()) {
      stop = r.reasons.front();
    }
    std::snprintf(line,
                  sizeof line,
                  "%-*s  %-19s %12s %-8s %7s %6lld %7s  %s\n",
                  static_cast<int>(width),
                  r.name.c_str(),
                  std::string(to_string(r.status)).c_str(),
                  value.c_str(),
                  unit.c_str(),
                  pct.c_str(),
                  static_cast<long long>(r.stats ? r.stats->n : 0),
                  noise.c_str(),
                  stop.c_str());
    out << line;
  }
  // MR-20: repeated cases (--benchmark_repetitions) and the spread of their headline.
  const std::vector<RepeatSpread> spreads = repeat_spreads(results);
  if (!spreads.empty()) {
    out << "repeatability (MR-20):\n";
    for (const auto& sp : spreads) {
      out << "  " << repeat_spread_text(sp) << "\n";
    }
  }
}

std::size_t count_gbench_selected(const std::vector<Instance>& instances,
                                  const std::vector<std::string>& bench_args) {
  std::string filter;
  std::size_t repetitions = 1;
  for (const auto& a : bench_args) {
    if (a.rfind("--benchmark_filter=", 0) == 0) {
      filter = a.substr(19);
    } else if (a.rfind("--benchmark_repetitions=", 0) == 0) {
      try {
        repetitions = std::max<std::size_t>(1, parse_uint(a.substr(24), "--benchmark_repetitions"));
      } catch (const UsageError&) {
        // gbench reports its own flag errors
      }
    }
  }
  if (filter.empty() || filter == "all" || filter == ".") {
    return instances.size() * repetitions;
  }
  const bool negative = filter[0] == '-';
  const std::regex re = compile_filter(negative ? filter.substr(1) : filter, "--benchmark_filter");
  std::size_t n = 0;
  for (const auto& i : instances) {
    n += std::regex_search(i.name, re) != negative ? 1 : 0;
  }
  return n * repetitions;
}

}  // namespace

std::string default_out_path(const std::string& hostname) {
  return "gpubench-" + sanitize_filename_part(hostname) + "-" + utc_now_iso8601(true) + ".json";
}

/// Driver string, NVML version and power limits (DI-4); reasons when NVML is unavailable.
std::unique_ptr<Nvml> attach_nvml(RunRecord& record) {
  std::string why;
  std::unique_ptr<Nvml> nvml = Nvml::load(why);
  if (!nvml) {
    record.runtime.nvml_reason = why;
    return nullptr;
  }
  record.runtime.driver_version = nvml->driver_version().value.value_or("");
  record.runtime.nvml_version = nvml->nvml_version().value.value_or("");
  for (GpuInfo& g : record.gpus) {
    const Reading<double> limit = nvml->power_limit_w(g.pci_bus_id);
    g.power_limit_w = limit.value;
    g.power_limit_reason = limit.reason;
  }
  return nvml;
}

namespace {

/// Clock, power, temperature and clock-event reasons of one device, as a short note.
std::string nvml_snapshot(const Nvml& nvml, const std::string& bus) {
  std::ostringstream s;
  const auto clock = nvml.sm_clock_mhz(bus);
  const auto power = nvml.power_usage_w(bus);
  const auto temp = nvml.temperature_c(bus);
  const auto reasons = nvml.clock_event_reasons(bus);
  s << "sm_clock_mhz="
    << (clock.value ? std::to_string(static_cast<int>(*clock.value)) : clock.reason)
    << " power_w=" << (power.value ? std::to_string(static_cast<int>(*power.value)) : power.reason)
    << " temp_c=" << (temp.value ? std::to_string(static_cast<int>(*temp.value)) : temp.reason)
    << " clock_event_reasons=";
  if (reasons.value) {
    const auto names = clock_event_reason_names(*reasons.value);
    if (names.empty()) {
      s << "none";
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
      s << (i ? "|" : "") << names[i];
    }
  } else {
    s << reasons.reason;
  }
  return s.str();
}

std::string hex(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

int devices_command(const CliOptions& o) {
  RunRecord record;
  record.tool = build_tool_info();
  const DeviceProbe probe = probe_devices(record.runtime);
  record.gpus = probe.gpus;
  if (!record.gpus.empty()) {
    const auto nvml = attach_nvml(record);
    if (!o.json) {
      std::printf(
          "driver %s  CUDA driver API %d  runtime %d%s%s\n",
          record.runtime.driver_version.empty() ? "?" : record.runtime.driver_version.c_str(),
          record.runtime.cuda_driver_version.value_or(0),
          record.runtime.cuda_runtime_version.value_or(0),
          record.runtime.nvml_reason.empty() ? "" : "  nvml: ",
          record.runtime.nvml_reason.c_str());
    }
  }
  if (o.json) {
    record.run.started_utc = record.run.finished_utc = utc_now_iso8601();
    record.host = collect_host_info();
    std::cout << to_json_text(record) << "\n";
  } else {
    for (const auto& g : probe.gpus) {
      std::printf(
          "GPU %d: %s\n  uuid %s  pci %s  cc %d.%d  SMs %d\n  memory %s  L2 %s  bus %d bit\n",
          g.ordinal,
          g.name.c_str(),
          g.uuid.c_str(),
          g.pci_bus_id.c_str(),
          g.cc_major,
          g.cc_minor,
          g.sm_count,
          format_bytes(g.memory_bytes).c_str(),
          format_bytes(g.l2_bytes).c_str(),
          g.memory_bus_width_bits);
      std::printf(
          "  max SM clock %s MHz  max memory clock %s MHz  theoretical memory bandwidth %s GB/s\n",
          g.sm_clock_max_mhz ? format_value(*g.sm_clock_max_mhz).c_str() : "?",
          g.mem_clock_max_mhz ? format_value(*g.mem_clock_max_mhz).c_str() : "?",
          g.memory_bandwidth_peak_gbps ? format_value(*g.memory_bandwidth_peak_gbps).c_str() : "?");
    }
  }
  if (probe.gpus.empty()) {
    std::fprintf(stderr, "gpubench: no usable CUDA device: %s\n", probe.error.c_str());
    return static_cast<int>(ExitCode::no_device);
  }
  return static_cast<int>(ExitCode::ok);
}

int list_command(const CliOptions& o) {
  const auto specs = select_specs(o);
  for (const CaseSpec* s : specs) {
    std::printf("%-70s %s\n", s->name.c_str(), s->requires_.gpu ? "gpu" : "host");
  }
  std::fprintf(stderr, "%zu cases in profile '%s'\n", specs.size(), to_string(o.profile));
  return 0;
}

bool lists_only(const CliOptions& o) {
  return std::any_of(o.benchmark_args.begin(), o.benchmark_args.end(), [](const std::string& a) {
    return a == "--benchmark_list_tests" || a == "--benchmark_list_tests=true" ||
           a == "--benchmark_list_tests=1";
  });
}

/// Saves the finished result and its integrity sidecar (DI-5). A sidecar that cannot be written
/// is a warning (the result itself is safe), and a stale one from an overwritten file is removed
/// so it cannot call the new file modified.
void save_final_result(const RunRecord& record, const std::string& out_path, bool overwrite) {
  save_run_atomic(record, out_path, overwrite);
  try {
    write_integrity_sidecar(out_path);
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(integrity_sidecar_path(out_path), ignored);
    std::fprintf(stderr, "gpubench: warning: no integrity sidecar: %s\n", e.what());
  }
}

int run_command(const CliOptions& o,
                const std::vector<std::string>& argv,
                const char* const* envp) {
  if (o.isolate && !o.worker_journal_fd && !lists_only(o)) {
    return supervise_run(o, argv);
  }
  RunRecord record;
  record.run.started_utc = utc_now_iso8601();
  record.run.id = hex(random_u64());
  for (const auto& a : argv) {
    if (!is_worker_flag(a)) {
      record.run.argv.push_back(a);  // as the user typed it, without the supervisor's flags
    }
  }
  record.run.profile = to_string(o.profile);
  record.run.env = allowlisted_env(envp);
  record.run.seed = o.seed ? *o.seed : random_u64() >> 12;  // < 2^53: exact in any JSON reader
  record.tool = build_tool_info();
  record.host = collect_host_info();
  if (const char* m = std::getenv("CUDA_MODULE_LOADING")) {
    record.runtime.cuda_module_loading = m;
  }
  for (const auto& s : Catalog::instance().cases()) {
    record.tool.methodology_versions[top_family(s.family)] =
        std::max(record.tool.methodology_versions[top_family(s.family)], s.methodology_version);
  }

  const auto specs = select_specs(o);
  if (specs.empty()) {
    throw UsageError("no case matches the selection (see 'gpubench list')");
  }
  // --benchmark_list_tests only lists what would run: no measurement, no result file.
  const bool listing_only = lists_only(o);
  const std::string out_path = !o.worker_out.empty() ? o.worker_out
                               : o.out.empty()       ? default_out_path(record.host.hostname)
                                                     : o.out;
  // A worker after a crash or hang carries on the run an earlier worker began (FH-2): the same
  // run id, start time, seed, audit, and every result so far (one per execution before resume).
  std::optional<RunRecord> prior;
  if (!o.worker_prior.empty()) {
    prior = load_run(o.worker_prior);
    record.run.id = prior->run.id;
    record.run.started_utc = prior->run.started_utc;
    record.run.seed = prior->run.seed;
    record.preflight = prior->preflight;
  }
  // The journal tells the supervisor when each case starts and ends (its watchdog's clock).
  const auto journal = [&o](const std::string& line) {
    if (o.worker_journal_fd) {
      [[maybe_unused]] const ssize_t n = write(*o.worker_journal_fd, line.data(), line.size());
    }
  };
  if (!listing_only && !o.overwrite && std::filesystem::exists(out_path)) {
    throw UsageError("--out: '" + out_path + "' exists (use --overwrite to replace it)");
  }
  if (const auto parent = std::filesystem::path(out_path).parent_path();
      !listing_only && !parent.empty()) {
    std::filesystem::create_directories(parent);
  }

  const bool wants_gpu =
      std::any_of(specs.begin(), specs.end(), [](const CaseSpec* s) { return s->requires_.gpu; });
  DeviceProbe probe;
  if (wants_gpu) {
    probe = probe_devices(record.runtime);
  }
  std::vector<GpuInfo> gpus = select_gpus(probe.gpus, o.devices);
  record.gpus = gpus;
  std::unique_ptr<Nvml> nvml;
  if (!gpus.empty()) {
    nvml = attach_nvml(record);
    gpus = record.gpus;
  } else {
    record.runtime.nvml_reason = "no_device";
  }
  // FH-4: one Xid event set per GPU for the whole run, drained around each case.
  std::map<std::string, std::unique_ptr<XidWatch>> xid_watches;
  std::map<std::string, std::string> xid_unwatched;  // bus -> why not
  for (const auto& g : gpus) {
    std::string why = record.runtime.nvml_reason;
    if (nvml) {
      if (auto w = nvml->watch_xids(g.pci_bus_id, why)) {
        xid_watches[g.pci_bus_id] = std::move(w);
        continue;
      }
    }
    xid_unwatched[g.pci_bus_id] = why.empty() ? "nvml unavailable" : why;
  }
  const bool no_device = wants_gpu && gpus.empty();
  if (no_device && !prior) {  // a resumed worker: the first one said so already
    std::fprintf(stderr, "gpubench: no usable CUDA device: %s\n", probe.error.c_str());
    std::fprintf(stderr, "gpubench: GPU cases will be recorded as skipped; host cases still run\n");
  }

  bool refused = false;  // set by the preflight audit, once every flag has been accepted
  RunOptions options;
  options.profile = o.profile;
  options.seed = record.run.seed;
  options.verify = o.verify;
  options.numa_affinity = o.numa_affinity;
  options.policy = policy_for(o);

  const std::vector<Instance> instances = expand(specs, gpus);
  std::set<int> poisoned;
  std::vector<CaseResult> results;
  if (prior) {
    results = prior->results;
  }
  std::uint64_t next_execution = 0;  // counts --benchmark_repetitions executions too
  const double budget_s =
      o.watchdog_s ? *o.watchdog_s : watchdog_budget_s(options.policy.timeout_s);
  Progress progress(count_gbench_selected(instances, o.benchmark_args), o.quiet);

  const auto execute = [&](const Instance& inst) {
    const CaseSpec& spec = *inst.spec;
    CaseResult r;
    r.name = inst.name;
    r.family = spec.family;
    r.methodology_version = spec.methodology_version;
    r.params = spec.params;
    r.started_utc = utc_now_iso8601();
    if (inst.gpu != nullptr) {
      r.devices = {inst.gpu->ordinal};
      r.device_uuids = {inst.gpu->uuid};
    }
    const int cc = inst.gpu ? inst.gpu->cc_major * 10 + inst.gpu->cc_minor : 0;
    if (g_signal != 0) {
      r.status = Status::interrupted;
      r.reasons = {"not_started_interrupted"};
    } else if (refused) {
      r.status = Status::skipped;
      r.reasons = {"preflight_refused"};
      r.message = "--strict: the preflight audit warned or failed (see preflight in this file)";
    } else if (spec.requires_.gpu && inst.gpu == nullptr) {
      r.status = Status::skipped;
      r.reasons = {"no_device"};
      r.message = probe.error;
    } else if (inst.gpu != nullptr && poisoned.count(inst.gpu->ordinal) != 0) {
      r.status = Status::skipped;
      r.reasons = {"device_poisoned"};
      r.message = "an earlier case left this device in a sticky error state";
    } else if (inst.gpu != nullptr && cc < spec.requires_.min_cc) {
      r.status = Status::not_supported;
      r.reasons = {"compute_capability_below_" + std::to_string(spec.requires_.min_cc)};
      r.message = spec.requires_.min_cc_reason;
    } else {
      std::optional<TelemetrySampler> sampler;
      std::optional<HealthCounters> health_before;
      if (nvml && inst.gpu != nullptr) {
        r.notes["nvml_before"] = nvml_snapshot(*nvml, inst.gpu->pci_bus_id);
        health_before = read_health(*nvml, inst.gpu->pci_bus_id);
        if (const auto w = xid_watches.find(inst.gpu->pci_bus_id); w != xid_watches.end()) {
          w->second->drain();  // events before this case are not its own
        }
        sampler.emplace(*nvml, inst.gpu->pci_bus_id);  // reads from its own thread (MR-7)
      }
      Context ctx(options, r, inst.gpu);
      // The one catch of benchmark code (DESIGN §9): every outcome becomes a status.
      try {
        if (inst.gpu != nullptr) {
          run_on_device(*inst.gpu, ctx, spec.body);
        } else {
          spec.body(ctx);
        }
        if (r.status != Status::interrupted) {
          finalize(ctx, r, options.verify);
        }
      } catch (const CaseSkip& s) {
        r.status = s.status();
        r.reasons.push_back(s.reason());
        r.message = s.what();
      } catch (const std::exception& e) {
        const ErrorClass c = classify(e);
        if (c.out_of_memory) {
          r.status = Status::skipped;
          r.reasons.push_back("out_of_memory");
        } else {
          r.status = Status::error;
          r.reasons.push_back(c.device_error ? "device_api_error" : "exception");
        }
        r.message = e.what();
        if (c.sticky && inst.gpu != nullptr) {
          poisoned.insert(inst.gpu->ordinal);
          r.reasons.push_back("sticky_error_device_poisoned");
        }
      }
      if (sampler) {
        // Clock-event reasons ORed over the whole case, clock/power/temperature ranges (MR-7).
        const TelemetrySummary t = sampler->stop();
        r.notes["throttle_reasons"] = throttle_text(t);
        r.notes["telemetry"] = telemetry_text(t);
      }
      if (health_before) {
        // FH-4: an error counter that grew during the case voids its numbers.
        const HealthCounters after = read_health(*nvml, inst.gpu->pci_bus_id);
        std::vector<std::string> worse = health_regressions(*health_before, after);
        if (const auto w = xid_watches.find(inst.gpu->pci_bus_id); w != xid_watches.end()) {
          const std::vector<std::uint64_t> xids = w->second->drain();
          if (!xids.empty()) {
            worse.push_back(xid_text(xids));
            if (xid_poisons_device(xids)) {
              poisoned.insert(inst.gpu->ordinal);
            }
          }
        } else {
          r.notes["xid_watch"] = "not watched (" + xid_unwatched[inst.gpu->pci_bus_id] + ")";
        }
        if (!worse.empty()) {
          std::string text;
          for (const auto& w : worse) {
            text += (text.empty() ? "" : ", ") + w;
          }
          r.notes["health_delta"] = text;
          r.reasons.push_back("hardware_error");
          if (!is_failure(r.status)) {
            r.status = Status::invalid;
          }
          r.message += (r.message.empty() ? "" : "; ") +
                       std::string("hardware errors during the case: ") + text;
        }
        if (after.gpu_lost) {
          poisoned.insert(inst.gpu->ordinal);
        }
      } else if (inst.gpu != nullptr) {
        r.notes["throttle_reasons"] =
            "not measured (" +
            (record.runtime.nvml_reason.empty() ? std::string("nvml unavailable")
                                                : record.runtime.nvml_reason) +
            ")";
      }
    }
    r.finished_utc = utc_now_iso8601();
    return r;
  };

  // Crash safety (DI-1): after every case the results so far are saved atomically next to the
  // target as a complete, valid document marked interrupted; it is removed once the final file
  // is written. Saving it once before the first case also proves the folder is writable.
  const std::string partial_path = out_path + ".partial";
  const auto save_partial = [&] {
    if (listing_only) {
      return;
    }
    RunRecord partial = record;
    partial.results = results;
    partial.run.interrupted = true;
    partial.run.exit_code = static_cast<int>(ExitCode::case_failed);
    save_run_atomic(partial, partial_path, true);
  };
  try {
    save_partial();
  } catch (const std::exception& e) {
    throw UsageError("--out: cannot write next to '" + out_path + "': " + e.what());
  }

  for (const Instance& inst : instances) {
    benchmark::RegisterBenchmark(inst.name.c_str(),
                                 [&, inst](benchmark::State& state) {
                                   for (auto _ : state) {
                                     const std::uint64_t index = next_execution++;
                                     if (index < o.worker_resume) {
                                       progress.skip_one();  // an earlier worker ran it
                                       state.SetIterationTime(0.0);
                                       continue;
                                     }
                                     progress.begin(inst.name);
                                     CaseResult skeleton;
                                     skeleton.name = inst.name;
                                     skeleton.family = inst.spec->family;
                                     if (inst.gpu != nullptr) {
                                       skeleton.devices = {inst.gpu->ordinal};
                                       skeleton.device_uuids = {inst.gpu->uuid};
                                     }
                                     journal(journal_start_line(index, budget_s, skeleton));
                                     CaseResult r = execute(inst);
                                     state.SetIterationTime(r.stats ? r.stats->median_s : 0.0);
                                     if (r.headline) {
                                       state.counters[r.headline->unit] = r.headline->value;
                                     }
                                     results.push_back(std::move(r));
                                     try {
                                       save_partial();
                                     } catch (const std::exception& e) {
                                       // Keep measuring; the final write reports real trouble.
                                       std::fprintf(stderr, "gpubench: warning: %s\n", e.what());
                                     }
                                     journal(journal_end_line(index));
                                   }
                                 })
        ->Iterations(1)
        ->UseManualTime();
  }
  std::vector<std::string> gb_args{argv.empty() ? std::string("gpubench") : argv[0]};
  gb_args.insert(gb_args.end(), o.benchmark_args.begin(), o.benchmark_args.end());
  std::vector<char*> gb_argv;
  for (auto& a : gb_args) {
    gb_argv.push_back(a.data());
  }
  int gb_argc = static_cast<int>(gb_argv.size());
  gb_argv.push_back(nullptr);
  benchmark::Initialize(&gb_argc, gb_argv.data());
  if (gb_argc > 1) {
    throw UsageError(std::string("unknown Google Benchmark option '") + gb_argv[1] + "'");
  }

  // Before any case: what the audit finds is recorded; under --strict a warning refuses.
  if (!listing_only && !prior) {
    record.preflight = audit(record, gpus, nvml.get(), o.strict);
    refused = preflight_refuses(record.preflight.checks, o.strict);
    record.preflight.refused = refused;
    if (!o.quiet || refused) {
      std::fprintf(stderr,
                   "gpubench: preflight: %s%s\n",
                   preflight_summary(record.preflight.checks).c_str(),
                   refused ? " -- refusing to measure (--strict); see 'gpubench preflight'" : "");
    }
  }

  install_signal_handlers();
  if (o.worker_interrupted != 0) {
    g_signal = o.worker_interrupted;  // every case from here on: not_started_interrupted
  }
  SilentReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (listing_only) {
    return static_cast<int>(ExitCode::ok);
  }

  // After a signal every remaining case body returned at once as `interrupted` (FH-8).
  record.results = std::move(results);
  record.run.interrupted = g_signal != 0;
  std::vector<Status> statuses;
  for (const auto& r : record.results) {
    statuses.push_back(r.status);
  }
  const ExitCode code = exit_code_for(statuses, no_device, static_cast<int>(g_signal), refused);
  record.run.exit_code = static_cast<int>(code);
  record.run.finished_utc = utc_now_iso8601();
  save_final_result(record, out_path, o.overwrite);
  std::error_code ignored;
  std::filesystem::remove(partial_path, ignored);

  if (!o.worker_journal_fd) {  // a supervised worker leaves the telling to its supervisor
    report_run_end(record, out_path, code);
  }
  return static_cast<int>(code);
}

void report_run_end(const RunRecord& record, const std::string& out_path, ExitCode code) {
  print_summary(record.results, std::cout);
  std::cout << "results: " << out_path << "\n";
  if (code == ExitCode::no_device) {
    std::fprintf(stderr,
                 "gpubench: exit 3: GPU cases were requested but no usable CUDA device was found; "
                 "host cases ran and the result file was written\n");
  } else if (code == ExitCode::case_failed) {
    std::fprintf(stderr, "gpubench: exit 1: at least one case failed (see status column)\n");
  } else if (code == ExitCode::preflight) {
    std::fprintf(stderr,
                 "gpubench: exit 5: --strict and the preflight audit warned; nothing was "
                 "measured and the result file records why\n");
  }
}

}  // namespace gpb
