// SPDX-License-Identifier: Apache-2.0
// The run's one process-wide mutable: the signal flag, written by the handler and read by the
// sampling loop and the case executor (FH-8).
#include "run_internal.hpp"

namespace gpb {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int signum) {
  g_signal = signum;
}

}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int pending_signal() noexcept {
  return static_cast<int>(g_signal);
}

void set_pending_signal(int signum) noexcept {
  g_signal = signum;
}

const volatile std::sig_atomic_t* signal_flag() noexcept {
  return &g_signal;
}

}  // namespace gpb
