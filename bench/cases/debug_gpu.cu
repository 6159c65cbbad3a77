// SPDX-License-Identifier: Apache-2.0
// A GPU case that deadlocks on purpose (METHODOLOGY FH-2, GPU check): a kernel spins on a flag
// nobody sets, so the host waits forever in cudaStreamSynchronize until the watchdog kills the
// worker. Registered only when GPB_DEBUG_CASES=1 is in the environment.
#include <gpb/cuda_check.hpp>
#include <gpb/cuda_raii.hpp>
#include <gpb/kernels/timing.cuh>
#include <gpb/registry.hpp>

#include <cstdlib>
#include <string>

namespace gpb {
namespace {

std::vector<int> deadlock_sweep() {
  const char* on = std::getenv("GPB_DEBUG_CASES");
  return on != nullptr && std::string(on) == "1" ? std::vector<int>{0} : std::vector<int>{};
}

CaseDesc describe(int) {
  return {{{"kind", "deadlock"}}, kAllProfiles};
}

void run(Context& ctx, int) {
  DeviceBuffer<int> flags(2);  // [0]: the release flag, never set; [1]: the gate's timeout mark
  GPB_CUDA_CHECK(cudaMemsetAsync(flags.data(), 0, 2 * sizeof(int), ctx.stream()));
  constexpr unsigned long long kOneHourNs = 3600ull * 1000 * 1000 * 1000;
  GPB_CUDA_CHECK(launch_gate(flags.data(), flags.data() + 1, kOneHourNs, ctx.stream()));
  GPB_CUDA_CHECK(cudaStreamSynchronize(ctx.stream()));
  ctx.skip(Status::error, "deadlock_returned", "the deadlock kernel returned");
}

GPB_REGISTER("debug/gpu", 1, deadlock_sweep(), describe, Requires{}, run);

}  // namespace
}  // namespace gpb
