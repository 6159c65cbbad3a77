// SPDX-License-Identifier: Apache-2.0
// What the parts of the run share inside bench/src/run (not an API): selection, the profile's
// measurement policy, signals, the summary, the preflight audit and the supervisor.
#pragma once

#include <gpb/case_executor.hpp>
#include <gpb/machine/nvml.hpp>
#include <gpb/registry.hpp>
#include <gpb/result/schema.hpp>
#include <gpb/result/status.hpp>
#include <gpb/run/cli.hpp>

#include <chrono>
#include <csignal>
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace gpb {

// ---- selection.cpp -----------------------------------------------------------------------
/// The first segment of a family ("stream" of "stream/hbm").
std::string top_family(const std::string& family);
/// The cases of the profile that match --family and FILTER. Unknown families are errors.
std::vector<const CaseSpec*> select_specs(const CliOptions& o);
/// How many case executions Google Benchmark will run (its filter and repetitions).
std::size_t count_gbench_selected(const std::vector<Instance>& instances,
                                  const std::vector<std::string>& bench_args);
/// --benchmark_list_tests: list what would run, measure nothing.
bool lists_only(const CliOptions& o);

// ---- profile.cpp -------------------------------------------------------------------------
/// The stopping rule of the profile with the command line's overrides; its stop flag is the
/// run's signal flag.
MeasurePolicy policy_for(const CliOptions& o);

// ---- signals.cpp -------------------------------------------------------------------------
/// SIGINT/SIGTERM set the run's one signal flag (FH-8).
void install_signal_handlers();
/// The signal that arrived (0 for none).
int pending_signal() noexcept;
/// Marks the run as interrupted by `signum` (a last worker that only records the rest).
void set_pending_signal(int signum) noexcept;
const volatile std::sig_atomic_t* signal_flag() noexcept;

// ---- summary.cpp -------------------------------------------------------------------------
/// One line per case: status, value, % of peak, samples, noise, why it stopped; then the
/// repeatability of repeated cases and one matrix per ordered-pair case (print_peer_matrix).
void print_summary(const std::vector<CaseResult>& results, std::ostream& out);
/// The summary table, the file name and the line that explains a non-zero exit code.
void report_run_end(const RunRecord& record, const std::string& out_path, ExitCode code);
std::string format_value(double v);

/// "[3/40] name (elapsed 0:12, ~2:40 left)" on stderr as each case starts.
class Progress {
 public:
  Progress(std::size_t total, bool quiet);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();
  /// A case an earlier worker already finished: counted, not timed.
  void skip_one();
  void begin(const std::string& name);

 private:
  std::size_t total_;
  std::size_t done_ = 0;
  std::size_t skipped_ = 0;
  bool quiet_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

// ---- run_session.cpp ---------------------------------------------------------------------
/// gpubench-<host>-<utc time>.json
std::string default_out_path(const std::string& hostname);
/// Driver string, NVML version and power limits (DI-4); reasons when NVML is unavailable.
std::unique_ptr<Nvml> attach_nvml(RunRecord& record);
/// Saves the finished result and its integrity sidecar (DI-5).
void save_final_result(const RunRecord& record, const std::string& out_path, bool overwrite);

// ---- preflight_audit.cpp -----------------------------------------------------------------
/// The GPUs named by --devices (all when none are named); UsageError for an unknown one.
std::vector<GpuInfo> select_gpus(const std::vector<GpuInfo>& found, const std::vector<int>& wanted);
/// The preflight audit (MR-19) of the host and of each GPU. `record` gives the build and
/// runtime versions (FH-10) and the NVML reason.
Preflight audit(const RunRecord& record,
                const std::vector<GpuInfo>& gpus,
                const Nvml* nvml,
                bool strict);

// ---- supervisor.cpp ----------------------------------------------------------------------
/// FH-2: `run` as a supervisor of worker processes.
int supervise_run(const CliOptions& o, const std::vector<std::string>& argv);

}  // namespace gpb
