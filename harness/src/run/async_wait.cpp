// SPDX-License-Identifier: Apache-2.0
#include <gpb/run/async_wait.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

namespace gpb {
namespace {

constexpr double kFirstPollSleepS = 1e-5;
constexpr double kMaxPollSleepS = 1e-3;

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", s);
  return buf;
}

}  // namespace

double SteadyWaitClock::now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void SteadyWaitClock::sleep_s(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

std::string_view to_string(WaitEnd end) noexcept {
  switch (end) {
    case WaitEnd::done:
      return "done";
    case WaitEnd::error:
      return "error";
    case WaitEnd::timeout:
      return "timeout";
    case WaitEnd::interrupted:
      return "interrupted";
  }
  return "error";
}

WaitOutcome wait_or_abort(AsyncOperation& op,
                          double timeout_s,
                          WaitClock& clock,
                          const std::string& what,
                          const volatile int* stop_flag) {
  WaitOutcome out;
  const double start = clock.now_s();
  double pause = kFirstPollSleepS;
  for (;;) {
    const AsyncPoll p = op.poll();
    out.waited_s = clock.now_s() - start;
    if (p == AsyncPoll::done) {
      out.end = WaitEnd::done;
      return out;
    }
    if (p == AsyncPoll::error) {
      out.end = WaitEnd::error;
      try {
        out.detail = what + ": " + op.error_text();
      } catch (...) {  // the abort below must happen whatever the text does
        out.detail = what + ": an asynchronous error (its text could not be read)";
      }
      break;
    }
    if (stop_flag != nullptr && *stop_flag != 0) {
      out.end = WaitEnd::interrupted;
      out.detail = what + ": interrupted by a signal after " + seconds_text(out.waited_s);
      break;
    }
    if (!(out.waited_s < timeout_s)) {  // a NaN limit ends the wait too, never a hang
      out.end = WaitEnd::timeout;
      out.detail = what + ": not done after " + seconds_text(out.waited_s) + " (limit " +
                   seconds_text(timeout_s) + "); the communicator was aborted";
      break;
    }
    clock.sleep_s(pause);
    pause = std::min(pause * 2, kMaxPollSleepS);
  }
  op.abort();
  out.aborted = true;
  return out;
}

Status status_for(WaitEnd end) noexcept {
  switch (end) {
    case WaitEnd::timeout:
      return Status::timeout;
    case WaitEnd::interrupted:
      return Status::interrupted;
    case WaitEnd::done:
    case WaitEnd::error:
      break;
  }
  return Status::error;
}

}  // namespace gpb
