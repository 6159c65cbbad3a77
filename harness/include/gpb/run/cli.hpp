// SPDX-License-Identifier: Apache-2.0
// Command-line parsing (IN-1): strict, one clear line per problem, no side effects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpb {

enum class Command { help, version, devices, list, run, preflight };

/// Which cases and how long to measure them. "default" is the middle profile.
enum class Profile { quick, standard, full };
const char* to_string(Profile p) noexcept;

struct CliOptions {
  Command command = Command::help;
  std::string help_topic;             ///< subcommand whose help was asked for
  std::string filter;                 ///< regex over case names (POSIX extended)
  std::vector<std::string> families;  ///< --family a,b
  Profile profile = Profile::standard;
  std::string out;  ///< --out FILE
  bool overwrite = false;
  bool quiet = false;
  bool verify = true;
  bool json = false;    ///< devices --json
  bool strict = false;  ///< run/preflight --strict: a preflight warning refuses (MR-19)
  std::optional<std::uint64_t> seed;
  std::vector<int> devices;  ///< --devices 0,2 (CUDA ordinals); empty = all
  std::optional<double> min_time_s, max_noise, timeout_s;
  std::vector<std::string> benchmark_args;  ///< --benchmark_* passed to Google Benchmark
  bool isolate = true;                      ///< run cases in a supervised worker (FH-2)
  bool numa_affinity = true;                ///< bind host buffers near the GPU (MR-16)
  std::optional<double> watchdog_s;         ///< --watchdog: per-case budget override
  // Set by the supervisor on its worker only (never shown in help, stripped from argv records).
  std::optional<int> worker_journal_fd;  ///< --worker-journal-fd=N: report case start/end there
  std::uint64_t worker_resume = 0;       ///< --worker-resume=K: skip executions before K
  std::string worker_prior;              ///< --worker-prior=FILE: results so far, carried on
  std::string worker_out;                ///< --worker-out=FILE: the supervisor's --out
  int worker_interrupted = 0;  ///< --worker-interrupted=SIG: the run was interrupted by SIG
                               ///< already; record every remaining case as interrupted
};

/// True for the supervisor's internal flags (--worker-*), which argv records leave out.
bool is_worker_flag(const std::string& arg) noexcept;

/// Parses argv[1..]. Throws UsageError (units.hpp) naming the flag and the problem.
CliOptions parse_cli(const std::vector<std::string>& args);

/// Help text of devices, list, run or preflight ("" for the others: the overview of every
/// command is the command table's, bench/src/app/command_table.hpp).
std::string help_text(Command c);

}  // namespace gpb
