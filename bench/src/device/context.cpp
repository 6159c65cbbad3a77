// SPDX-License-Identifier: Apache-2.0
#include <gpb/common/units.hpp>
#include <gpb/machine/sysinfo.hpp>
#include <gpb/measure/stats.hpp>
#include <gpb/models/planner.hpp>
#include <gpb/registry.hpp>
#include <gpb/timing.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace gpb {

const GpuInfo& Context::gpu() const {
  return gpu(0);
}

const GpuInfo& Context::gpu(std::size_t i) const {
  if (i >= gpus_.size()) {
    throw std::logic_error(gpus_.empty()
                               ? "Context::gpu() called in a host case"
                               : "Context::gpu(" + std::to_string(i) + "): the device set has " +
                                     std::to_string(gpus_.size()) + " devices");
  }
  return *gpus_[i];
}

void Context::set_work(const Work& work, RateKind kind) {
  result_.work = work;
  rate_kind_ = kind;
}

void Context::set_peak(double value, std::string source) {
  result_.peak.value = value;
  result_.peak.source = std::move(source);
  result_.peak.value_reason.clear();
}

void Context::set_peak_unknown(std::string reason) {
  result_.peak.value.reset();
  result_.peak.value_reason = std::move(reason);
}

void Context::verified(bool ok, std::string detail) {
  verify_called_ = true;
  result_.verified = ok;
  result_.verification = std::move(detail);
}

void Context::require_host_bytes(std::uint64_t bytes) {
  const auto available = read_mem_available();
  if (!available) {
    return;  // unreadable: the allocation itself will say so
  }
  const std::uint64_t usable = usable_host_bytes(*available);
  if (bytes > usable) {
    skip(Status::skipped,
         "insufficient_host_memory",
         "needs " + format_bytes(bytes) + " of host memory, usable " + format_bytes(usable) +
             " (MemAvailable " + format_bytes(*available) + " minus reserve)");
  }
}

void Context::skip(Status status, std::string reason, const std::string& message) {
  throw CaseSkip(status, std::move(reason), message);
}

void Context::measure_host(const std::function<void(std::int64_t)>& body) {
  HostTimingBackend backend(body);
  measure_with(backend);
}

SampleSet Context::time_with(TimingBackend& backend, const MeasurePolicy& policy) const {
  MeasurePolicy p = policy;
  p.stop_flag = options_.policy.stop_flag;
  return gpb::measure(backend, p);
}

void Context::cool_down(double seconds) const {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

void Context::measure_with(TimingBackend& backend) {
  measure_with(backend, options_.policy);
}

void Context::measure_with(TimingBackend& backend, const MeasurePolicy& policy) {
  MeasurePolicy p = policy;
  p.stop_flag = options_.policy.stop_flag;
  SampleSet s = gpb::measure(backend, p);
  result_.ops_per_sample = s.ops_per_sample;
  result_.sample_s = std::move(s.per_op_s);
  result_.stop = std::move(s.stop);
  result_.sm_clock = std::move(s.sm_clock);
  lane_median_s_.clear();
  for (const auto& lane : s.lane_per_op_s) {
    lane_median_s_.push_back(lane.empty() ? 0.0 : median_of(lane));
  }
  result_.status = s.status;
  for (auto& r : s.reasons) {
    result_.reasons.push_back(std::move(r));
  }
}

}  // namespace gpb
