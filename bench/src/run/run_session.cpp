// SPDX-License-Identifier: Apache-2.0
// One run: the record's provenance, the devices and their topology, the preflight audit, every
// selected instance through Google Benchmark's runner shell (so --benchmark_* flags work) and
// the case executor, a crash-safe partial file after each case, and the final file.
#include <gpb/build_info.hpp>
#include <gpb/case_executor.hpp>
#include <gpb/common/units.hpp>
#include <gpb/device_runtime.hpp>
#include <gpb/machine/preflight.hpp>
#include <gpb/machine/sysinfo.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/run/watchdog.hpp>
#include <gpb/runner.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "run_internal.hpp"
#include <unistd.h>

namespace gpb {
namespace {

std::string hex(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

/// Display reporter that prints nothing: the progress lines and our summary replace gbench's
/// console table, and every case's status comes from our own sink, not from gbench's Run.
class SilentReporter final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

/// What the record says before any case: run id, argv, environment, seed, tool and host.
RunRecord begin_record(const CliOptions& o,
                       const std::vector<std::string>& argv,
                       const char* const* envp) {
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
    int& v = record.tool.methodology_versions[top_family(s.family)];
    v = std::max(v, s.methodology_version);
  }
  return record;
}

/// Passes the user's --benchmark_* flags to Google Benchmark; an unknown one is a usage error.
void initialize_gbench(const CliOptions& o, const std::vector<std::string>& argv) {
  std::vector<std::string> args{argv.empty() ? std::string("gpubench") : argv[0]};
  args.insert(args.end(), o.benchmark_args.begin(), o.benchmark_args.end());
  std::vector<char*> raw;
  for (auto& a : args) {
    raw.push_back(a.data());
  }
  int argc = static_cast<int>(raw.size());
  raw.push_back(nullptr);
  benchmark::Initialize(&argc, raw.data());
  if (argc > 1) {
    throw UsageError(std::string("unknown Google Benchmark option '") + raw[1] + "'");
  }
}

/// The output path, checked before anything is measured.
std::string prepare_out_path(const CliOptions& o, const RunRecord& record, bool listing_only) {
  const std::string out_path = !o.worker_out.empty() ? o.worker_out
                               : o.out.empty()       ? default_out_path(record.host.hostname)
                                                     : o.out;
  if (listing_only) {
    return out_path;
  }
  if (!o.overwrite && std::filesystem::exists(out_path)) {
    throw UsageError("--out: '" + out_path + "' exists (use --overwrite to replace it)");
  }
  if (const auto parent = std::filesystem::path(out_path).parent_path(); !parent.empty()) {
    std::filesystem::create_directories(parent);
  }
  return out_path;
}

/// The state of one run while Google Benchmark drives its instances.
struct Session {
  const CliOptions& o;
  RunRecord& record;
  CaseExecutor& executor;
  Progress& progress;
  std::string partial_path;
  double budget_s = 0;
  bool listing_only = false;
  std::vector<CaseResult> results;
  std::uint64_t next_execution = 0;  // counts --benchmark_repetitions executions too

  /// The journal tells the supervisor when each case starts and ends (its watchdog's clock).
  void journal(const std::string& line) const {
    if (o.worker_journal_fd) {
      [[maybe_unused]] const ssize_t n = write(*o.worker_journal_fd, line.data(), line.size());
    }
  }

  /// Crash safety (DI-1): the results so far, as a complete document marked interrupted.
  void save_partial() const {
    if (listing_only) {
      return;
    }
    RunRecord partial = record;
    partial.results = results;
    partial.run.interrupted = true;
    partial.run.exit_code = static_cast<int>(ExitCode::case_failed);
    save_run_atomic(partial, partial_path, true);
  }

  /// One execution of one instance, as Google Benchmark calls it.
  void execute(const Instance& inst, benchmark::State& state) {
    const std::uint64_t index = next_execution++;
    if (index < o.worker_resume) {
      progress.skip_one();  // an earlier worker ran it
      state.SetIterationTime(0.0);
      return;
    }
    progress.begin(inst.name);
    journal(journal_start_line(index, budget_s, case_skeleton(inst)));
    CaseResult r = executor.execute(inst);
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
};

}  // namespace

std::string default_out_path(const std::string& hostname) {
  return "gpubench-" + sanitize_filename_part(hostname) + "-" + utc_now_iso8601(true) + ".json";
}

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

/// A sidecar that cannot be written is a warning (the result itself is safe), and a stale one
/// from an overwritten file is removed so it cannot call the new file modified.
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
  RunRecord record = begin_record(o, argv, envp);
  const auto specs = select_specs(o);
  if (specs.empty()) {
    throw UsageError("no case matches the selection (see 'gpubench list')");
  }
  // --benchmark_list_tests only lists what would run: no measurement, no result file.
  const bool listing_only = lists_only(o);
  const std::string out_path = prepare_out_path(o, record, listing_only);
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

  const std::unique_ptr<DeviceRuntime> runtime = make_device_runtime();
  const bool wants_gpu =
      std::any_of(specs.begin(), specs.end(), [](const CaseSpec* s) { return s->requires_.gpu; });
  DeviceProbe probe;
  if (wants_gpu) {
    probe = runtime->probe(record.runtime);
  }
  record.gpus = select_gpus(probe.gpus, o.devices);
  std::unique_ptr<Nvml> nvml;
  if (!record.gpus.empty()) {
    nvml = attach_nvml(record);
  } else {
    record.runtime.nvml_reason = "no_device";
  }
  // The peer matrix only when a selected case needs it: the preflight audit below counts other
  // processes on each GPU, and this run should touch the devices as little as it can before.
  const bool wants_peers = std::any_of(
      specs.begin(), specs.end(), [](const CaseSpec* s) { return s->requires_.peer_access; });
  DeviceTopology topology;
  topology.gpus = record.gpus;
  if (wants_peers) {
    topology = probe_topology(*runtime, record.gpus);
  }
  const bool no_device = wants_gpu && record.gpus.empty();
  if (no_device && !prior) {  // a resumed worker: the first one said so already
    std::fprintf(stderr, "gpubench: no usable CUDA device: %s\n", probe.error.c_str());
    std::fprintf(stderr, "gpubench: GPU cases will be recorded as skipped; host cases still run\n");
  }

  RunOptions options;
  options.profile = o.profile;
  options.seed = record.run.seed;
  options.verify = o.verify;
  options.numa_affinity = o.numa_affinity;
  options.policy = policy_for(o);
  CaseExecutor executor(
      options, *runtime, record.gpus, nvml.get(), record.runtime.nvml_reason, probe.error);
  const std::vector<Instance> instances = expand(specs, topology);
  Progress progress(count_gbench_selected(instances, o.benchmark_args), o.quiet);
  Session session{o,
                  record,
                  executor,
                  progress,
                  out_path + ".partial",
                  o.watchdog_s ? *o.watchdog_s : watchdog_budget_s(options.policy.timeout_s),
                  listing_only,
                  prior ? prior->results : std::vector<CaseResult>{},
                  0};
  // Saving once before the first case also proves the folder is writable.
  try {
    session.save_partial();
  } catch (const std::exception& e) {
    throw UsageError("--out: cannot write next to '" + out_path + "': " + e.what());
  }
  for (const Instance& inst : instances) {
    benchmark::RegisterBenchmark(inst.name.c_str(),
                                 [&session, inst](benchmark::State& state) {
                                   for (auto _ : state) {
                                     session.execute(inst, state);
                                   }
                                 })
        ->Iterations(1)
        ->UseManualTime();
  }
  initialize_gbench(o, argv);

  // Before any case: what the audit finds is recorded; under --strict a warning refuses.
  bool refused = false;
  if (!listing_only && !prior) {
    record.preflight = audit(record, record.gpus, nvml.get(), o.strict);
    refused = preflight_refuses(record.preflight.checks, o.strict);
    record.preflight.refused = refused;
    if (refused) {
      executor.refuse_all();
    }
    if (!o.quiet || refused) {
      std::fprintf(stderr,
                   "gpubench: preflight: %s%s\n",
                   preflight_summary(record.preflight.checks).c_str(),
                   refused ? " -- refusing to measure (--strict); see 'gpubench preflight'" : "");
    }
  }

  install_signal_handlers();
  if (o.worker_interrupted != 0) {
    set_pending_signal(o.worker_interrupted);  // every case from here on: not_started_interrupted
  }
  SilentReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (listing_only) {
    return static_cast<int>(ExitCode::ok);
  }

  // After a signal every remaining case body returned at once as `interrupted` (FH-8).
  record.results = std::move(session.results);
  record.run.interrupted = pending_signal() != 0;
  std::vector<Status> statuses;
  for (const auto& r : record.results) {
    statuses.push_back(r.status);
  }
  const ExitCode code = exit_code_for(statuses, no_device, pending_signal(), refused);
  record.run.exit_code = static_cast<int>(code);
  record.run.finished_utc = utc_now_iso8601();
  save_final_result(record, out_path, o.overwrite);
  std::error_code ignored;
  std::filesystem::remove(session.partial_path, ignored);

  if (!o.worker_journal_fd) {  // a supervised worker leaves the telling to its supervisor
    report_run_end(record, out_path, code);
  }
  return static_cast<int>(code);
}

}  // namespace gpb
