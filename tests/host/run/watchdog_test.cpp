// SPDX-License-Identifier: Apache-2.0
// Watchdog and isolation (METHODOLOGY FH-2): the journal protocol, the budget rule, and the
// supervisor's process handling against fake workers (bash scripts) that finish, hang, ignore
// SIGTERM, crash, or are asked to stop.
#include <gpb/run/watchdog.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>

namespace gpb {
namespace {

using Clock = std::chrono::steady_clock;

TEST(WatchdogJournal, StartAndEndRoundTrip) {
  CaseResult c;
  c.family = "stream/hbm";
  c.name = "stream/hbm/kernel=copy/dtype=f32/gpu=1";
  c.devices = {1};
  c.device_uuids = {"GPU-1234"};
  const std::string line = journal_start_line(7, 150, c);
  EXPECT_EQ(line,
            "start\t7\t150.000\tstream/hbm\tstream/hbm/kernel=copy/dtype=f32/gpu=1\t1\tGPU-1234\n");
  const auto e = parse_journal_line(line.substr(0, line.size() - 1));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, JournalEntry::Kind::start);
  EXPECT_EQ(e->index, 7u);
  EXPECT_EQ(e->budget_s, 150.0);
  EXPECT_EQ(e->family, "stream/hbm");
  EXPECT_EQ(e->name, c.name);
  EXPECT_EQ(e->devices, std::vector<int>{1});
  EXPECT_EQ(e->device_uuids, std::vector<std::string>{"GPU-1234"});

  const auto end = parse_journal_line("end\t7");
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, JournalEntry::Kind::end);
  EXPECT_EQ(end->index, 7u);

  CaseResult host;
  host.family = "host/memcpy";
  host.name = "host/memcpy/size=256MiB/threads=1";
  const std::string host_line = journal_start_line(0, 60, host);
  const auto h = parse_journal_line(host_line.substr(0, host_line.size() - 1));
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(h->devices.empty());
  EXPECT_TRUE(h->device_uuids.empty());
}

TEST(WatchdogJournal, MalformedLinesAreRejected) {
  for (const char* bad : {"",
                          "end",
                          "end\t",
                          "end\t-1",
                          "end\t1x",
                          "end\t1\textra",
                          "begin\t1",
                          "start\t1\t60\tf\tf/x\t",  // 6 fields
                          "start\tx\t60\tf\tf/x\t\t\t",
                          "start\t1\t0\tf\tf/x\t\t",
                          "start\t1\t-5\tf\tf/x\t\t",
                          "start\t1\tnan\tf\tf/x\t\t",
                          "start\t1\t60s\tf\tf/x\t\t",
                          "start\t1\t60\tf\t\t\t",
                          "start\t1\t60\tf\tf/x\t0,,1\t",
                          "start\t1\t60\tf\tf/x\t5000\t"}) {
    EXPECT_FALSE(parse_journal_line(bad).has_value()) << bad;
  }
}

TEST(WatchdogBudget, FloorOfSixtySecondsThenTenTimesPlanned) {
  EXPECT_EQ(watchdog_budget_s(0.5), 60.0);
  EXPECT_EQ(watchdog_budget_s(6), 60.0);
  EXPECT_EQ(watchdog_budget_s(15), 150.0);
  EXPECT_EQ(watchdog_budget_s(30), 300.0);
}

TEST(WatchdogResult, UnfinishedCaseKeepsIdentityAndParams) {
  JournalEntry e;
  e.family = "gemm/square";
  e.name = "gemm/square/dtype=bf16/m=8192/n=8192/k=8192/gpu=0";
  e.devices = {0};
  e.device_uuids = {"GPU-abc"};
  const CaseResult r =
      unfinished_case_result(e, CaseVerdict{Status::timeout, {"watchdog_timeout"}}, "killed");
  EXPECT_EQ(r.name, e.name);
  EXPECT_EQ(r.family, "gemm/square");
  const Params want{{"dtype", "bf16"}, {"m", "8192"}, {"n", "8192"}, {"k", "8192"}};
  EXPECT_EQ(r.params, want);
  EXPECT_EQ(r.devices, e.devices);
  EXPECT_EQ(r.device_uuids, e.device_uuids);
  EXPECT_EQ(r.status, Status::timeout);
  EXPECT_EQ(r.reasons, std::vector<std::string>{"watchdog_timeout"});
  EXPECT_EQ(r.message, "killed");
  EXPECT_FALSE(r.stats.has_value());
  EXPECT_TRUE(r.sample_s.empty());
  EXPECT_FALSE(r.peak.value_reason.empty());
}

TEST(WatchdogResult, DeviceSetSegmentsAreNotParams) {
  JournalEntry e;
  e.family = "p2p/copy";
  e.name = "p2p/copy/engine=ce/gpus=0>1";
  e.devices = {0, 1};
  const CaseResult r =
      unfinished_case_result(e, CaseVerdict{Status::timeout, {"watchdog_timeout"}}, "killed");
  EXPECT_EQ(r.params, (Params{{"engine", "ce"}}));
  EXPECT_EQ(r.devices, e.devices);
}

// ---- fake workers ----------------------------------------------------------------------------

// bash -c SCRIPT bash --journal=N: the journal descriptor is $1 after the prefix.
WorkerOutcome run_script(const std::string& script, WatchdogOptions opt = {}) {
  const std::string body = "fd=${1#--journal=}\n" + script;
  return run_worker("/bin/bash", {"bash", "-c", body, "bash"}, "--journal=", opt);
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

TEST(WatchdogWorker, FinishingWorkerReportsItsExitCode) {
  const auto w = run_script(
      "printf 'start\\t0\\t5\\tf\\tf/a=1\\t\\t\\n' >&$fd\n"
      "printf 'end\\t0\\n' >&$fd\n"
      "printf 'start\\t1\\t5\\tf\\tf/a=2\\t\\t\\n' >&$fd\n"
      "printf 'end\\t1\\n' >&$fd\n"
      "exit 3\n");
  EXPECT_TRUE(w.spawn_error.empty()) << w.spawn_error;
  EXPECT_TRUE(w.exited);
  EXPECT_EQ(w.exit_code, 3);
  EXPECT_FALSE(w.killed_by_watchdog);
  EXPECT_FALSE(w.unfinished.has_value());
  EXPECT_EQ(w.cases_ended, 2u);
}

TEST(WatchdogWorker, HangingCaseIsKilledAfterItsBudget) {
  WatchdogOptions opt;
  opt.grace_s = 5;
  const auto start = Clock::now();
  const auto w = run_script(
      "printf 'start\\t0\\t5\\tf\\tf/a=1\\t\\t\\n' >&$fd\n"
      "printf 'end\\t0\\n' >&$fd\n"
      "printf 'start\\t1\\t0.3\\tf\\tf/a=2\\t\\t\\n' >&$fd\n"
      "exec sleep 100\n",
      opt);
  EXPECT_LT(seconds_since(start), 4.0);  // the budget, not the sleep, ended it
  EXPECT_TRUE(w.killed_by_watchdog);
  EXPECT_FALSE(w.exited);
  EXPECT_EQ(w.term_signal, SIGTERM);
  ASSERT_TRUE(w.unfinished.has_value());
  EXPECT_EQ(w.unfinished->index, 1u);
  EXPECT_EQ(w.unfinished->name, "f/a=2");
  EXPECT_EQ(w.cases_ended, 1u);
}

TEST(WatchdogWorker, WorkerDeafToSigtermGetsSigkillAfterGrace) {
  WatchdogOptions opt;
  opt.grace_s = 0.5;
  const auto start = Clock::now();
  const auto w = run_script(
      "trap '' TERM\n"
      "printf 'start\\t0\\t0.3\\tf\\tf/a=1\\t\\t\\n' >&$fd\n"
      "while true; do sleep 0.05; done\n",
      opt);
  EXPECT_LT(seconds_since(start), 5.0);
  EXPECT_TRUE(w.killed_by_watchdog);
  EXPECT_EQ(w.term_signal, SIGKILL);
  ASSERT_TRUE(w.unfinished.has_value());
  EXPECT_EQ(w.unfinished->index, 0u);
}

TEST(WatchdogWorker, CrashInsideACaseLeavesItUnfinished) {
  const auto w = run_script(
      "printf 'start\\t4\\t60\\tf\\tf/a=1\\t0\\tGPU-x\\n' >&$fd\n"
      "kill -SEGV $$\n");
  EXPECT_FALSE(w.killed_by_watchdog);
  EXPECT_FALSE(w.exited);
  EXPECT_EQ(w.term_signal, SIGSEGV);
  ASSERT_TRUE(w.unfinished.has_value());
  EXPECT_EQ(w.unfinished->index, 4u);
  EXPECT_EQ(w.unfinished->device_uuids, std::vector<std::string>{"GPU-x"});
}

TEST(WatchdogWorker, SetupBudgetCoversTheTimeBetweenCases) {
  WatchdogOptions opt;
  opt.setup_budget_s = 0.3;
  opt.grace_s = 0.5;
  const auto w = run_script("exec sleep 100\n", opt);
  EXPECT_TRUE(w.killed_by_watchdog);
  EXPECT_FALSE(w.unfinished.has_value());  // no case was running: nothing to blame
}

TEST(WatchdogWorker, StopFlagIsForwardedOnce) {
  volatile std::sig_atomic_t flag = SIGINT;
  WatchdogOptions opt;
  opt.stop_flag = &flag;
  opt.signal_grace_s = 5;
  const auto start = Clock::now();
  const auto w = run_script(
      "trap 'echo got-int >&2; exit 130' INT\n"
      "printf 'start\\t0\\t60\\tf\\tf/a=1\\t\\t\\n' >&$fd\n"
      "while true; do sleep 0.05; done\n",
      opt);
  EXPECT_LT(seconds_since(start), 4.0);
  EXPECT_FALSE(w.killed_by_watchdog);
  // SIGINT reached the worker: handled (exit 130) or, before its trap was set, by default.
  EXPECT_TRUE((w.exited && w.exit_code == 130) || w.term_signal == SIGINT)
      << w.exit_code << " " << w.term_signal;
}

TEST(WatchdogWorker, MissingProgramExitsWith127) {
  const auto w = run_worker("/nonexistent/gpubench", {"gpubench"}, "--journal=", {});
  EXPECT_TRUE(w.spawn_error.empty());
  EXPECT_TRUE(w.exited);
  EXPECT_EQ(w.exit_code, 127);
  EXPECT_FALSE(w.unfinished.has_value());
}

}  // namespace
}  // namespace gpb
