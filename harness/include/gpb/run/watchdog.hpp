// SPDX-License-Identifier: Apache-2.0
// Isolation and watchdog (METHODOLOGY FH-2). `gpubench run` supervises a worker process that
// runs the cases and reports each one's start and end on a journal pipe. A case that outlives
// its budget is killed (SIGTERM, then SIGKILL after a grace period) and recorded as `timeout`; a
// worker that dies inside a case records that case as `error` with the signal. Either way the
// cases finished before survive (the worker's .partial file) and a new worker resumes after it.
//
// DESIGN.md sketches one child per case; one worker per run, restarted only after a failure,
// keeps the same guarantees without paying CUDA context creation and cuBLAS loading per case
// (0.3-1 s each on an H100, which would double the quick suite).
#pragma once

#include <gpb/result/schema.hpp>
#include <gpb/run/case_status.hpp>

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpb {

/// One journal line, worker to supervisor.
struct JournalEntry {
  enum class Kind { start, end };
  Kind kind = Kind::start;
  std::uint64_t index = 0;  ///< execution number within the whole selection
  double budget_s = 0;      ///< start only: the watchdog's limit for this case
  std::string family, name;
  std::vector<int> devices;
  std::vector<std::string> device_uuids;
};

/// "start\t<index>\t<budget>\t<family>\t<name>\t<devices,>\t<uuids,>\n"
std::string journal_start_line(std::uint64_t index, double budget_s, const CaseResult& skeleton);
/// "end\t<index>\n"
std::string journal_end_line(std::uint64_t index);
/// nullopt for a malformed line (ignored by the supervisor).
std::optional<JournalEntry> parse_journal_line(std::string_view line);

/// FH-2: max(60 s, 10 x the planned time of the case).
double watchdog_budget_s(double planned_s) noexcept;

/// The record of a case the worker did not finish: name, family, params (from the name),
/// devices, the status and reasons decided for it, and the message.
CaseResult unfinished_case_result(const JournalEntry& started,
                                  const CaseVerdict& verdict,
                                  const std::string& message);

struct WatchdogOptions {
  double setup_budget_s = 300;  ///< before the first case, between cases, and after the last
  double grace_s = 10;          ///< after the watchdog's SIGTERM, SIGKILL this much later
  double signal_grace_s = 30;   ///< after a forwarded user signal (FH-8: finish or abandon)
  /// The supervisor's own signal flag: a signal there is forwarded to the worker once.
  const volatile std::sig_atomic_t* stop_flag = nullptr;
};

struct WorkerOutcome {
  bool exited = false;  ///< exited by itself (see exit_code) rather than by a signal
  int exit_code = -1;
  int term_signal = 0;                     ///< the signal that ended it
  bool killed_by_watchdog = false;         ///< a budget ran out and we killed it
  bool signal_forwarded = false;           ///< the supervisor's own signal was passed on to it
  std::optional<JournalEntry> unfinished;  ///< started and never ended
  std::uint64_t cases_ended = 0;
  std::string spawn_error;  ///< fork/exec/pipe failure (the worker never ran)
};

/// Runs `program` with `argv` (argv[0] as the program sees it) and a journal pipe whose write
/// end it names by appending `journal_flag` + the descriptor number; reads the journal and
/// enforces the budgets.
WorkerOutcome run_worker(const std::string& program,
                         const std::vector<std::string>& argv,
                         const std::string& journal_flag,
                         const WatchdogOptions& options);

}  // namespace gpb
