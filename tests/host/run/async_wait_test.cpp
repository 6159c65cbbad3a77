// SPDX-License-Identifier: Apache-2.0
// The never-hang rule (METHODOLOGY FH-3) against a scripted communicator that hangs at init,
// hangs in a collective, or reports an asynchronous error, on a virtual clock: every end but
// done aborts exactly once, and the wait never outlives its deadline by more than one pause.
#include <gpb/run/async_wait.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace gpb {
namespace {

class FakeComm final : public AsyncOperation {
 public:
  /// Answers of successive polls; the last repeats.
  std::vector<AsyncPoll> script{AsyncPoll::in_progress};
  int polls = 0;
  int aborts = 0;
  AsyncPoll poll() override {
    const auto i = static_cast<std::size_t>(polls++);
    return script[std::min(i, script.size() - 1)];
  }
  std::string error_text() override { return "unhandled system error (remote peer closed)"; }
  void abort() noexcept override { ++aborts; }
};

class VirtualClock final : public WaitClock {
 public:
  double t = 100.0;
  std::vector<double> sleeps;
  double now_s() override { return t; }
  void sleep_s(double s) override {
    sleeps.push_back(s);
    t += s;
  }
};

TEST(AsyncWait, DoneAfterSomePollsIsNotAborted) {
  FakeComm c;
  c.script = {AsyncPoll::in_progress, AsyncPoll::in_progress, AsyncPoll::done};
  VirtualClock clock;
  const WaitOutcome w = wait_or_abort(c, 5.0, clock, "communicator init");
  EXPECT_EQ(w.end, WaitEnd::done);
  EXPECT_FALSE(w.aborted);
  EXPECT_EQ(c.aborts, 0);
  EXPECT_EQ(c.polls, 3);
  EXPECT_EQ(clock.sleeps, (std::vector<double>{1e-5, 2e-5}));  // backs off
}

TEST(AsyncWait, HangAtInitTimesOutAndAbortsOnce) {
  FakeComm c;  // in progress forever
  VirtualClock clock;
  const WaitOutcome w = wait_or_abort(c, 2.0, clock, "communicator init");
  EXPECT_EQ(w.end, WaitEnd::timeout);
  EXPECT_TRUE(w.aborted);
  EXPECT_EQ(c.aborts, 1);
  EXPECT_GE(w.waited_s, 2.0);
  EXPECT_LE(w.waited_s, 2.0 + 1e-3 + 1e-9) << "at most one pause past the deadline";
  EXPECT_NE(w.detail.find("communicator init: not done after"), std::string::npos) << w.detail;
  EXPECT_LE(*std::max_element(clock.sleeps.begin(), clock.sleeps.end()), 1e-3);
  EXPECT_EQ(status_for(w.end), Status::timeout);
}

TEST(AsyncWait, HangInACollectiveTimesOut) {
  FakeComm c;
  c.script = {AsyncPoll::in_progress};  // the collective never completes
  VirtualClock clock;
  const WaitOutcome w = wait_or_abort(c, 0.25, clock, "all_reduce 1GiB");
  EXPECT_EQ(w.end, WaitEnd::timeout);
  EXPECT_EQ(c.aborts, 1);
  EXPECT_NE(w.detail.find("all_reduce 1GiB"), std::string::npos);
}

TEST(AsyncWait, AsyncErrorAbortsAtOnceWithTheErrorText) {
  FakeComm c;
  c.script = {AsyncPoll::in_progress, AsyncPoll::error};
  VirtualClock clock;
  const WaitOutcome w = wait_or_abort(c, 60.0, clock, "all_gather 64MiB");
  EXPECT_EQ(w.end, WaitEnd::error);
  EXPECT_EQ(c.aborts, 1);
  EXPECT_EQ(w.detail, "all_gather 64MiB: unhandled system error (remote peer closed)");
  EXPECT_LT(w.waited_s, 1e-3);
  EXPECT_EQ(status_for(w.end), Status::error);
}

TEST(AsyncWait, StopSignalInterruptsAndAborts) {
  FakeComm c;
  VirtualClock clock;
  volatile int stop = 0;
  c.script = {AsyncPoll::in_progress};
  // The flag rises after a few polls: a poll reads it between sleeps.
  struct RaisingClock final : WaitClock {
    VirtualClock& inner;
    volatile int& flag;
    RaisingClock(VirtualClock& c, volatile int& f) : inner(c), flag(f) {}
    double now_s() override { return inner.now_s(); }
    void sleep_s(double s) override {
      inner.sleep_s(s);
      if (inner.sleeps.size() == 3) {
        flag = 1;
      }
    }
  } raising(clock, stop);
  const WaitOutcome w = wait_or_abort(c, 60.0, raising, "broadcast 8B", &stop);
  EXPECT_EQ(w.end, WaitEnd::interrupted);
  EXPECT_EQ(c.aborts, 1);
  EXPECT_EQ(status_for(w.end), Status::interrupted);
}

TEST(AsyncWait, ANanOrNegativeLimitEndsAtOnce) {
  for (const double limit : {std::nan(""), -1.0}) {
    FakeComm c;
    VirtualClock clock;
    const WaitOutcome w = wait_or_abort(c, limit, clock, "init");
    EXPECT_EQ(w.end, WaitEnd::timeout);
    EXPECT_EQ(c.aborts, 1);
    EXPECT_EQ(c.polls, 1);
  }
}

TEST(AsyncWait, DoneEvenAtTheDeadlineIsDone) {
  FakeComm c;
  c.script = {AsyncPoll::done};
  VirtualClock clock;
  EXPECT_EQ(wait_or_abort(c, 0.0, clock, "init").end, WaitEnd::done);
  EXPECT_EQ(c.aborts, 0);
  EXPECT_EQ(to_string(WaitEnd::timeout), "timeout");
}

}  // namespace
}  // namespace gpb
