// SPDX-License-Identifier: Apache-2.0
// The one place a case's final status is decided (METHODOLOGY DI-6). Everything that can have
// a say -- why the body never ran, how it ended, the stopping rule, verification, the peak
// check, hardware health and the supervisor's watchdog -- is collected as evidence by whoever
// saw it; decide_case_status() weighs it. Pure and table-tested.
#pragma once

#include <gpb/result/status.hpp>

#include <optional>
#include <string>
#include <vector>

namespace gpb {

/// How the case body (or the process running it) ended.
enum class CaseEnd {
  not_started,  ///< the body never ran; `not_run` says why
  returned,     ///< the body returned normally
  raised_skip,  ///< the body said it cannot run here (Context::skip): `raised` holds its status
  out_of_memory,
  raised_error,        ///< an exception, a failed CUDA/cuBLAS/NCCL call
  watchdog_killed,     ///< the supervisor killed its worker after the budget ran out
  process_crashed,     ///< its worker died from a signal
  process_exited,      ///< its worker exited inside the case
  killed_after_signal  ///< a user signal reached it and it did not stop in time
};

/// Where the headline stands against its theoretical peak (METHODOLOGY MR-13).
enum class PeakCheck { in_range_or_unknown, above_bound, suspiciously_low };

struct CaseEvidence {
  CaseEnd end = CaseEnd::returned;
  /// end == not_started: interrupted, skipped, not_supported or not_applicable; end ==
  /// raised_skip: the status the body asked for.
  Status asked = Status::skipped;
  /// Machine-readable cause given by whoever stopped the case (not_started, raised_skip).
  std::string cause;
  bool device_api_error = false;  ///< raised_error: a CUDA/cuBLAS/NCCL call failed
  bool sticky = false;            ///< raised_error: the device is unusable afterwards
  int term_signal = 0;            ///< process_crashed: the signal that ended the worker
  /// What the stopping rule concluded (valid, noisy, throttled, invalid, interrupted), or
  /// unknown when the body measured nothing through it.
  Status measured = Status::unknown;
  bool verify_enabled = true;  ///< false under --no-verify
  bool verify_called = false;  ///< the body reported a verification verdict
  bool verified = false;       ///< ... and it passed
  bool has_rate = false;       ///< a headline rate could be computed
  PeakCheck peak = PeakCheck::in_range_or_unknown;
  bool hardware_error = false;  ///< error counters grew or a critical Xid arrived during the case
};

struct CaseVerdict {
  Status status = Status::unknown;
  std::vector<std::string> reasons;  ///< reasons this decision adds (in order)
};

/// The final status of a case and the reasons the decision adds to what the measurement and
/// the body already recorded.
CaseVerdict decide_case_status(const CaseEvidence& e);

}  // namespace gpb
