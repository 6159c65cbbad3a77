// SPDX-License-Identifier: Apache-2.0
#include <gpb/timing.hpp>

#include <chrono>
#include <thread>

namespace gpb {

double HostTimingBackend::now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

TimedSample HostTimingBackend::sample(std::int64_t ops) {
  const double start = now_s();
  body_(ops);
  TimedSample t;
  t.elapsed_s = now_s() - start;
  return t;
}

void HostTimingBackend::sleep_s(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

}  // namespace gpb
