// SPDX-License-Identifier: Apache-2.0
// Case verdicts (METHODOLOGY DI-6) and the exit-code table (FH-9), in one place.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace gpb {

enum class Status {
  unknown,
  valid,
  noisy,
  throttled,
  implausible,
  invalid,
  failed_verification,
  error,
  timeout,
  skipped,
  not_supported,
  not_applicable,
  interrupted,
};

/// Verdict of one preflight check (MR-19). MR-19 names ok|warn|fail; `unknown` is added for an
/// item that could not be read (value null + reason, DI-2), so that a VM without cpufreq is
/// neither passed silently nor refused under --strict.
enum class CheckStatus { ok, warn, fail, unknown };

/// Stable lower-case name used in result files.
std::string_view to_string(Status s) noexcept;
std::string_view to_string(CheckStatus s) noexcept;
std::optional<CheckStatus> check_status_from_string(std::string_view name) noexcept;
/// Inverse of to_string; nullopt for an unknown name.
std::optional<Status> status_from_string(std::string_view name) noexcept;

/// Process exit codes (FH-9). Documented in the README; tested in tests/host/cli_test.
enum class ExitCode : int {
  ok = 0,           ///< every requested case valid or legitimately not applicable
  case_failed = 1,  ///< a case failed verification, errored or timed out
  usage = 2,        ///< bad flag or bad input file
  no_device = 3,    ///< GPU cases requested but no usable CUDA device or driver
  threshold = 4,    ///< reserved: a --min-* threshold not met
  preflight = 5,    ///< --strict and the preflight audit found a warning or failure (MR-19)
  sigint = 130,
  sigterm = 143,
};

/// True for the codes a run ends with after writing its result file: every ExitCode but usage.
bool is_run_exit_code(int code) noexcept;

/// True for statuses that count as a failure for the exit code (1).
bool is_failure(Status s) noexcept;

/// Exit code for a finished run. `gpu_requested_without_device` wins over case failures
/// because the user must fix the machine before anything else (FH-7); so does a --strict
/// preflight refusal (MR-19), after which no case ran.
ExitCode exit_code_for(const std::vector<Status>& statuses,
                       bool gpu_requested_without_device,
                       int interrupted_by_signal,
                       bool preflight_refused = false) noexcept;

}  // namespace gpb
