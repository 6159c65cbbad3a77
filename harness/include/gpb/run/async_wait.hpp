// SPDX-License-Identifier: Apache-2.0
// The never-hang rule for asynchronous communicator work (METHODOLOGY FH-3): the init and every
// collective of a non-blocking communicator are polled against a deadline; an error, the
// deadline or a stop signal aborts the communicator, exactly once, and the outcome says which.
// Pure host logic: the NCCL communicator implements AsyncOperation, tests script a fake one that
// hangs at init, hangs in a collective or reports an asynchronous error.
#pragma once

#include <gpb/result/status.hpp>

#include <string>
#include <string_view>

namespace gpb {

enum class AsyncPoll { in_progress, done, error };

/// One piece of asynchronous work on a communicator, as the waiter sees it.
class AsyncOperation {
 public:
  virtual ~AsyncOperation() = default;
  /// Where the work stands now (ncclCommGetAsyncError, and the stream for a collective).
  virtual AsyncPoll poll() = 0;
  /// The error in words, after poll() answered error.
  virtual std::string error_text() = 0;
  /// Gives up on the communicator (ncclCommAbort); never throws.
  virtual void abort() noexcept = 0;
};

/// The clock the waiter reads and sleeps on: the steady clock, or a virtual one in tests.
class WaitClock {
 public:
  virtual ~WaitClock() = default;
  virtual double now_s() = 0;
  virtual void sleep_s(double s) = 0;
};

/// std::chrono::steady_clock and std::this_thread::sleep_for.
class SteadyWaitClock final : public WaitClock {
 public:
  double now_s() override;
  void sleep_s(double s) override;
};

enum class WaitEnd { done, error, timeout, interrupted };
std::string_view to_string(WaitEnd end) noexcept;

struct WaitOutcome {
  WaitEnd end = WaitEnd::done;
  std::string detail;    ///< the error text, or how long was waited for what
  double waited_s = 0;   ///< from the first poll to the end
  bool aborted = false;  ///< abort() was called (every end but done)
};

/// Polls `op` until it is done, reports an error, `timeout_s` passes or `*stop_flag` turns
/// non-zero, sleeping between polls from 10 us up to 1 ms. Every end but done aborts `op` once.
/// `what` names the work in the detail ("communicator init", "all_reduce 1 GiB").
WaitOutcome wait_or_abort(AsyncOperation& op,
                          double timeout_s,
                          WaitClock& clock,
                          const std::string& what,
                          const volatile int* stop_flag = nullptr);

/// The case status an outcome that did not finish gives: error, timeout or interrupted.
Status status_for(WaitEnd end) noexcept;

}  // namespace gpb
