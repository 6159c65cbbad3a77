// SPDX-License-Identifier: Apache-2.0
// Cases that misbehave on purpose, to test the watchdog and isolation (METHODOLOGY FH-2):
// registered only when GPB_DEBUG_CASES=1 is in the environment, so no normal run sees them.
#include <gpb/registry.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>

namespace gpb {
namespace {

enum class Misbehaviour { hang, segfault, abort };

std::vector<Misbehaviour> debug_sweep() {
  const char* on = std::getenv("GPB_DEBUG_CASES");
  if (on == nullptr || std::string(on) != "1") {
    return {};
  }
  return {Misbehaviour::hang, Misbehaviour::segfault, Misbehaviour::abort};
}

CaseDesc describe(Misbehaviour m) {
  const char* what = m == Misbehaviour::hang       ? "hang"
                     : m == Misbehaviour::segfault ? "segfault"
                                                   : "abort";
  return {{{"kind", what}}, kAllProfiles};
}

void run(Context&, Misbehaviour m) {
  switch (m) {
    case Misbehaviour::hang:
      // Deaf to the stop flag and to SIGTERM's handler, like a kernel that never returns.
      while (true) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    case Misbehaviour::segfault:
      std::raise(SIGSEGV);
      break;
    case Misbehaviour::abort:
      std::abort();
  }
}

GPB_REGISTER("debug/misbehave", 1, debug_sweep(), describe, Requires{false, 0, ""}, run);

}  // namespace
}  // namespace gpb
