// SPDX-License-Identifier: Apache-2.0
// FH-2 isolation: `gpubench run` runs its cases in a worker process (this binary, the same
// arguments) under the watchdog of harness/watchdog.hpp, and carries the run on in a fresh
// worker after a hang or a crash.
#include <gpb/common/units.hpp>
#include <gpb/machine/sysinfo.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/result/status.hpp>
#include <gpb/run/case_status.hpp>
#include <gpb/run/watchdog.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "run_internal.hpp"
#include <unistd.h>

namespace gpb {
namespace {

std::string self_executable() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) {
    throw std::runtime_error("cannot find this executable (/proc/self/exe) to start a worker");
  }
  return std::string(buf, static_cast<std::size_t>(n));
}

volatile std::sig_atomic_t g_supervisor_signal = 0;
extern "C" void on_supervisor_signal(int signum) {
  g_supervisor_signal = signum;
}

/// The record of the case a worker did not finish, from how the worker ended.
CaseResult record_unfinished(const JournalEntry& u, const WorkerOutcome& w) {
  // The user's signal reached the worker, and the case it was in ended the process (deaf to
  // the signal until the SIGKILL, or killed by the signal itself): that case was interrupted.
  const bool ended_by_user_signal =
      w.signal_forwarded && !w.exited &&
      (w.term_signal == SIGKILL || w.term_signal == static_cast<int>(g_supervisor_signal));
  CaseEvidence evidence;
  evidence.term_signal = w.term_signal;
  std::string message;
  if (ended_by_user_signal) {
    evidence.end = CaseEnd::killed_after_signal;
    message = std::string("interrupted (signal ") + std::to_string(g_supervisor_signal) +
              "); the case did not stop and its process ended by signal " +
              std::to_string(w.term_signal);
  } else if (w.killed_by_watchdog) {
    evidence.end = CaseEnd::watchdog_killed;
    char budget[32];
    std::snprintf(budget, sizeof budget, "%.0f", u.budget_s);
    message = std::string("no result within the watchdog budget (") + budget +
              " s); the worker process was killed";
  } else if (!w.exited) {
    evidence.end = CaseEnd::process_crashed;
    message = std::string("the case killed its process: signal ") + std::to_string(w.term_signal) +
              " (" + strsignal(w.term_signal) + ")";
  } else {
    evidence.end = CaseEnd::process_exited;
    message = "the process exited with code " + std::to_string(w.exit_code) + " inside the case";
  }
  return unfinished_case_result(u, decide_case_status(evidence), message);
}

/// The watchdog's settings: short --watchdog budgets also shorten the waits before SIGKILL.
WatchdogOptions watchdog_options(const CliOptions& o) {
  WatchdogOptions watch;
  watch.stop_flag = &g_supervisor_signal;
  if (o.watchdog_s) {
    watch.grace_s = std::min(watch.grace_s, std::max(1.0, *o.watchdog_s / 2));
    watch.signal_grace_s = std::min(watch.signal_grace_s, std::max(1.0, *o.watchdog_s / 2));
  }
  return watch;
}

/// Writes the final file of an interrupted run whose last worker also died in a case.
int finish_interrupted(RunRecord& so_far,
                       const std::string& out_path,
                       const std::string& partial_path,
                       bool overwrite) {
  so_far.run.interrupted = true;
  so_far.run.finished_utc = utc_now_iso8601();
  std::vector<Status> statuses;
  for (const auto& r : so_far.results) {
    statuses.push_back(r.status);
  }
  const ExitCode code =
      exit_code_for(statuses, false, static_cast<int>(g_supervisor_signal), false);
  so_far.run.exit_code = static_cast<int>(code);
  save_final_result(so_far, out_path, overwrite);
  std::error_code ignored;
  std::filesystem::remove(partial_path, ignored);
  report_run_end(so_far, out_path, code);
  return static_cast<int>(code);
}

}  // namespace

/// FH-2: runs the cases in a worker process (this binary, same arguments) under a watchdog. A
/// worker that hangs in a case is killed and the case recorded as `timeout`; one that dies in a
/// case has it recorded as `error` with the signal; then a fresh worker carries the run on from
/// the next case, starting from the results so far (<out>.partial). The worker that finishes
/// writes the result file; the supervisor prints its summary once, so an uneventful run looks
/// exactly like an in-process one.
int supervise_run(const CliOptions& o, const std::vector<std::string>& argv) {
  // Usage errors surface here, once, before any worker starts.
  if (select_specs(o).empty()) {
    throw UsageError("no case matches the selection (see 'gpubench list')");
  }
  const std::string out_path =
      o.out.empty() ? default_out_path(collect_host_info().hostname) : o.out;
  if (!o.overwrite && std::filesystem::exists(out_path)) {
    throw UsageError("--out: '" + out_path + "' exists (use --overwrite to replace it)");
  }
  const std::string partial_path = out_path + ".partial";
  struct sigaction sa {};
  sa.sa_handler = on_supervisor_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  const WatchdogOptions watch = watchdog_options(o);

  const std::string self = self_executable();
  std::uint64_t resume = 0;
  // Set once a user signal reached a worker that then died inside a case: one more worker,
  // told so, records every case not yet run as interrupted and writes the final file, so an
  // interrupted run's file lists the whole selection however it was interrupted (FH-8).
  int interrupted_by = 0;
  while (true) {
    std::vector<std::string> args(argv);  // argv[0] as the user typed it, for the record
    args.push_back("--worker-out=" + out_path);
    if (resume > 0) {
      args.push_back("--worker-resume=" + std::to_string(resume));
      args.push_back("--worker-prior=" + partial_path);
    }
    WatchdogOptions this_watch = watch;
    if (interrupted_by != 0) {
      args.push_back("--worker-interrupted=" + std::to_string(interrupted_by));
      this_watch.stop_flag = nullptr;  // it knows already; a second signal reaches it directly
      this_watch.setup_budget_s = std::min(this_watch.setup_budget_s, 30.0);  // no case runs
    }
    const WorkerOutcome w = run_worker(self, args, "--worker-journal-fd=", this_watch);
    if (!w.spawn_error.empty()) {
      throw std::runtime_error("cannot start a worker process: " + w.spawn_error);
    }
    if (!w.unfinished) {
      if (w.exited) {
        // A run's exit code means it wrote the result file; any other (a usage error, a failed
        // start) was explained by the worker, and whatever sits at --out is not this run's.
        const int c = w.exit_code;
        if (is_run_exit_code(c) && std::filesystem::exists(out_path)) {
          report_run_end(load_run(out_path), out_path, static_cast<ExitCode>(c));
        }
        return c;
      }
      std::fprintf(stderr,
                   "gpubench: the worker process died from signal %d outside any case; the cases "
                   "finished so far are in '%s'\n",
                   w.term_signal,
                   partial_path.c_str());
      return static_cast<int>(ExitCode::case_failed);
    }
    // It died, or was killed, inside a case: keep what finished before it, record that case.
    // Its results are in <out>.partial; or, when the watchdog's SIGTERM let it wind down like an
    // interrupted run, in the final file it wrote (the partial goes only after that write).
    const JournalEntry& u = *w.unfinished;
    const bool wound_down = !std::filesystem::exists(partial_path);
    if (wound_down && !std::filesystem::exists(out_path)) {
      std::fprintf(
          stderr, "gpubench: the worker died in %s before saving anything\n", u.name.c_str());
      return static_cast<int>(ExitCode::case_failed);
    }
    RunRecord so_far = load_run(wound_down ? out_path : partial_path);
    if (wound_down) {
      std::error_code ignored;  // the next worker writes the final file
      std::filesystem::remove(out_path, ignored);
      std::filesystem::remove(integrity_sidecar_path(out_path), ignored);
    }
    so_far.results.resize(std::min<std::size_t>(so_far.results.size(), u.index));
    so_far.run.interrupted = false;
    so_far.results.push_back(record_unfinished(u, w));
    const bool interrupted = g_supervisor_signal != 0;
    std::fprintf(stderr,
                 "gpubench: %s: %s; %s\n",
                 u.name.c_str(),
                 so_far.results.back().message.c_str(),
                 interrupted ? "the run is interrupted: recording the remaining cases as such"
                             : "carrying on with the next case");
    if (interrupted && interrupted_by == 0) {
      save_run_atomic(so_far, partial_path, true);
      resume = u.index + 1;
      interrupted_by = static_cast<int>(g_supervisor_signal);
      continue;
    }
    if (interrupted) {
      // Even the worker that only records the rest died in a case: write what there is.
      return finish_interrupted(so_far, out_path, partial_path, o.overwrite);
    }
    save_run_atomic(so_far, partial_path, true);
    resume = u.index + 1;
  }
}

}  // namespace gpb
