// SPDX-License-Identifier: Apache-2.0
#include <gpb/run/case_status.hpp>

namespace gpb {
namespace {

/// The status and reasons of a body that returned: the stopping rule, then verification, then
/// the peak check (MR-10, MR-13).
CaseVerdict judge_returned(const CaseEvidence& e) {
  CaseVerdict v;
  if (e.measured == Status::interrupted) {
    v.status = Status::interrupted;  // stopped by a signal: nothing to verify or compare
    return v;
  }
  // A body that measured nothing through the stopping rule is still checked below.
  v.status = e.measured == Status::unknown ? Status::valid : e.measured;
  if (e.verify_enabled && !e.verify_called) {
    v.status = Status::error;
    v.reasons.emplace_back("verification_missing");
  } else if (e.verify_enabled && !e.verified) {
    v.status = Status::failed_verification;
    v.reasons.emplace_back("verification_failed");
  }
  if (!e.has_rate) {
    if (v.status == Status::valid) {
      v.status = Status::invalid;
      v.reasons.emplace_back("no_rate");
    }
    return v;
  }
  if (e.peak == PeakCheck::above_bound) {
    v.reasons.emplace_back("above_105_percent_of_peak");
    if (v.status == Status::valid || v.status == Status::noisy) {
      v.status = Status::implausible;
    }
  } else if (e.peak == PeakCheck::suspiciously_low) {
    v.reasons.emplace_back("suspiciously_low");
  }
  return v;
}

}  // namespace

CaseVerdict decide_case_status(const CaseEvidence& e) {
  CaseVerdict v;
  switch (e.end) {
    case CaseEnd::not_started:
      v.status = e.asked;
      v.reasons.push_back(e.cause);
      return v;  // nothing ran, so nothing else can have a say
    case CaseEnd::watchdog_killed:
      return {Status::timeout, {"watchdog_timeout"}};
    case CaseEnd::process_crashed:
      return {Status::error, {"crashed_signal_" + std::to_string(e.term_signal)}};
    case CaseEnd::process_exited:
      return {Status::error, {"exited_inside_case"}};
    case CaseEnd::killed_after_signal:
      return {Status::interrupted, {"interrupted_worker_killed"}};
    case CaseEnd::raised_skip:
      v.status = e.asked;
      v.reasons.push_back(e.cause);
      break;
    case CaseEnd::out_of_memory:
      v.status = Status::skipped;
      v.reasons.emplace_back("out_of_memory");
      break;
    case CaseEnd::raised_error:
      v.status = Status::error;
      v.reasons.emplace_back(e.device_api_error ? "device_api_error" : "exception");
      if (e.sticky) {
        v.reasons.emplace_back("sticky_error_device_poisoned");
      }
      break;
    case CaseEnd::returned:
      v = judge_returned(e);
      break;
  }
  // FH-4: an error counter that grew during the case voids whatever it measured.
  if (e.hardware_error) {
    v.reasons.emplace_back("hardware_error");
    if (!is_failure(v.status)) {
      v.status = Status::invalid;
    }
  }
  return v;
}

}  // namespace gpb
