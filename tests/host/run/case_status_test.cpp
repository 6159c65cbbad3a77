// SPDX-License-Identifier: Apache-2.0
// The case status decision as a table: evidence in, status and added reasons out.
#include <gpb/run/case_status.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gpb {
namespace {

struct Row {
  const char* what;
  CaseEvidence evidence;
  Status status;
  std::vector<std::string> reasons;
};

CaseEvidence measured(Status s) {
  CaseEvidence e;
  e.end = CaseEnd::returned;
  e.measured = s;
  e.verify_called = true;
  e.verified = true;
  e.has_rate = true;
  return e;
}

template <class F>
CaseEvidence with(CaseEvidence e, F change) {
  change(e);
  return e;
}

TEST(CaseStatus, DecisionTable) {
  const CaseEvidence ok = measured(Status::valid);
  const std::vector<Row> rows = {
      {"measured and verified", ok, Status::valid, {}},
      {"noise above the target", measured(Status::noisy), Status::noisy, {}},
      {"throttled", measured(Status::throttled), Status::throttled, {}},
      {"nothing measured, verified, has a rate (host case)",
       measured(Status::unknown),
       Status::valid,
       {}},
      {"no rate", with(ok, [](auto& e) { e.has_rate = false; }), Status::invalid, {"no_rate"}},
      {"no rate after a failed verification keeps the failure",
       with(ok, [](auto& e) { e.has_rate = false, e.verified = false; }),
       Status::failed_verification,
       {"verification_failed"}},
      {"verification never reported",
       with(ok, [](auto& e) { e.verify_called = false; }),
       Status::error,
       {"verification_missing"}},
      {"verification failed",
       with(ok, [](auto& e) { e.verified = false; }),
       Status::failed_verification,
       {"verification_failed"}},
      {"--no-verify: nothing checked",
       with(ok, [](auto& e) { e.verify_enabled = false, e.verify_called = false; }),
       Status::valid,
       {}},
      {"noisy verification failure",
       with(measured(Status::noisy), [](auto& e) { e.verified = false; }),
       Status::failed_verification,
       {"verification_failed"}},
      {"above the peak",
       with(ok, [](auto& e) { e.peak = PeakCheck::above_bound; }),
       Status::implausible,
       {"above_105_percent_of_peak"}},
      {"noisy and above the peak",
       with(measured(Status::noisy), [](auto& e) { e.peak = PeakCheck::above_bound; }),
       Status::implausible,
       {"above_105_percent_of_peak"}},
      {"throttled and above the peak stays throttled",
       with(measured(Status::throttled), [](auto& e) { e.peak = PeakCheck::above_bound; }),
       Status::throttled,
       {"above_105_percent_of_peak"}},
      {"suspiciously low is a note, not a verdict",
       with(ok, [](auto& e) { e.peak = PeakCheck::suspiciously_low; }),
       Status::valid,
       {"suspiciously_low"}},
      {"interrupted while sampling",
       with(ok, [](auto& e) { e.measured = Status::interrupted, e.verify_called = false; }),
       Status::interrupted,
       {}},
      {"hardware error voids a valid result",
       with(ok, [](auto& e) { e.hardware_error = true; }),
       Status::invalid,
       {"hardware_error"}},
      {"hardware error keeps a failure",
       with(ok, [](auto& e) { e.verified = false, e.hardware_error = true; }),
       Status::failed_verification,
       {"verification_failed", "hardware_error"}},
      {"not started: no device",
       with(CaseEvidence{},
            [](auto& e) {
              e.end = CaseEnd::not_started, e.asked = Status::skipped, e.cause = "no_device";
            }),
       Status::skipped,
       {"no_device"}},
      {"not started: one GPU for a pair case",
       with(CaseEvidence{},
            [](auto& e) {
              e.end = CaseEnd::not_started, e.asked = Status::not_applicable,
              e.cause = "needs_two_gpus", e.hardware_error = true;
            }),
       Status::not_applicable,
       {"needs_two_gpus"}},
      {"the body skipped itself",
       with(CaseEvidence{},
            [](auto& e) {
              e.end = CaseEnd::raised_skip, e.asked = Status::skipped,
              e.cause = "insufficient_device_memory";
            }),
       Status::skipped,
       {"insufficient_device_memory"}},
      {"the body skipped itself during a hardware error",
       with(CaseEvidence{},
            [](auto& e) {
              e.end = CaseEnd::raised_skip, e.asked = Status::not_supported, e.cause = "x",
              e.hardware_error = true;
            }),
       Status::invalid,
       {"x", "hardware_error"}},
      {"out of memory",
       with(CaseEvidence{}, [](auto& e) { e.end = CaseEnd::out_of_memory; }),
       Status::skipped,
       {"out_of_memory"}},
      {"an exception",
       with(CaseEvidence{}, [](auto& e) { e.end = CaseEnd::raised_error; }),
       Status::error,
       {"exception"}},
      {"a sticky CUDA error",
       with(CaseEvidence{},
            [](auto& e) { e.end = CaseEnd::raised_error, e.device_api_error = e.sticky = true; }),
       Status::error,
       {"device_api_error", "sticky_error_device_poisoned"}},
      {"killed by the watchdog",
       with(CaseEvidence{}, [](auto& e) { e.end = CaseEnd::watchdog_killed; }),
       Status::timeout,
       {"watchdog_timeout"}},
      {"its process crashed",
       with(CaseEvidence{}, [](auto& e) { e.end = CaseEnd::process_crashed, e.term_signal = 11; }),
       Status::error,
       {"crashed_signal_11"}},
      {"its process exited",
       with(CaseEvidence{}, [](auto& e) { e.end = CaseEnd::process_exited; }),
       Status::error,
       {"exited_inside_case"}},
      {"deaf to a user signal",
       with(CaseEvidence{}, [](auto& e) { e.end = CaseEnd::killed_after_signal; }),
       Status::interrupted,
       {"interrupted_worker_killed"}},
  };
  for (const Row& row : rows) {
    const CaseVerdict v = decide_case_status(row.evidence);
    EXPECT_EQ(to_string(v.status), to_string(row.status)) << row.what;
    EXPECT_EQ(v.reasons, row.reasons) << row.what;
  }
}

TEST(ExitCodes, RunCodesAreEveryCodeButUsage) {
  for (int c : {0, 1, 3, 4, 5, 130, 143}) {
    EXPECT_TRUE(is_run_exit_code(c)) << c;
  }
  for (int c : {2, 6, 127, 255, -1}) {
    EXPECT_FALSE(is_run_exit_code(c)) << c;
  }
}

}  // namespace
}  // namespace gpb
