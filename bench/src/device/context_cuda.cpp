// SPDX-License-Identifier: Apache-2.0
#include <gpb/cuda_check.hpp>
#include <gpb/cuda_timing.hpp>
#include <gpb/models/planner.hpp>
#include <gpb/registry.hpp>

#include <algorithm>

namespace gpb {

void Context::require_device_bytes(std::uint64_t bytes) {
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  GPB_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const std::uint64_t usable = usable_device_bytes(free_bytes, total_bytes);
  if (bytes > usable) {
    skip(Status::skipped,
         "insufficient_device_memory",
         "needs " + format_bytes(bytes) + ", usable " + format_bytes(usable) + " (free " +
             format_bytes(free_bytes) + " minus reserve)");
  }
}

void Context::measure(const std::function<void(cudaStream_t, std::int64_t)>& body) {
  measure(body, options_.policy);
}

void Context::measure(const std::function<void(cudaStream_t, std::int64_t)>& body,
                      const MeasurePolicy& policy) {
  CudaTimingBackend backend(stream(), body, gpu().sm_clock_max_mhz, policy.allow_gate);
  measure_with(backend, policy);
}

SampleSet Context::time(const std::function<void(cudaStream_t, std::int64_t)>& body,
                        const MeasurePolicy& policy) const {
  CudaTimingBackend backend(stream(), body, gpu().sm_clock_max_mhz, policy.allow_gate);
  return time_with(backend, policy);
}

void Context::measure_all(const SetBody& body) {
  measure_all(body, options_.policy);
}

void Context::measure_all(const SetBody& body, const MeasurePolicy& policy) {
  std::vector<Lane> lanes;
  for (std::size_t i = 0; i < gpus_.size(); ++i) {
    lanes.push_back({i, stream(i)});
  }
  measure_lanes(lanes, body, policy);
}

void Context::measure_lanes(const std::vector<Lane>& lanes,
                            const SetBody& body,
                            const MeasurePolicy& policy) {
  std::vector<CudaSetTimingBackend::Lane> timed;
  std::optional<double> lowest_max_clock;  // throttle discards against the slowest device
  for (const Lane& l : lanes) {
    const GpuInfo& g = gpu(l.device);
    timed.push_back({g.ordinal, l.stream});
    const auto& c = g.sm_clock_max_mhz;
    if (c && (!lowest_max_clock || *c < *lowest_max_clock)) {
      lowest_max_clock = c;
    }
  }
  // Lanes overlap only behind their gates: a batch too long to wait behind one would run the
  // lanes one after another (the host queues lane 0's copies, which start at once, before lane
  // 1's), so several lanes keep their batches gated.
  MeasurePolicy gated = policy;
  if (lanes.size() > 1) {
    gated.max_ops_per_sample = std::min(gated.max_ops_per_sample, CudaTimingBackend::kMaxGatedOps);
  }
  CudaSetTimingBackend backend(timed, body, lowest_max_clock, policy.allow_gate);
  measure_with(backend, gated);
}

}  // namespace gpb
