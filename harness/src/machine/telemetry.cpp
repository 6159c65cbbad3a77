// SPDX-License-Identifier: Apache-2.0
#include <gpb/machine/telemetry.hpp>

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace gpb {
namespace {

RangeSummary summarize_range(const std::vector<double>& v, const std::string& reason) {
  RangeSummary r;
  if (v.empty()) {
    r.reason = reason.empty() ? "not_read" : reason;
    return r;
  }
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  r.min = *lo;
  r.max = *hi;
  r.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  return r;
}

std::string range_text(const char* name, const RangeSummary& r) {
  if (!r.mean) {
    return std::string(name) + " " + r.reason;
  }
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s %.0f/%.0f/%.0f", name, *r.min, *r.mean, *r.max);
  return buf;
}

}  // namespace

std::string throttle_text(const TelemetrySummary& t) {
  if (!t.reasons_read) {
    return "not measured (" +
           (t.reasons_reason.empty() ? std::string("no reading") : t.reasons_reason) + ")";
  }
  std::string out;
  for (const auto& name : clock_event_reason_names(t.reasons_or & ~kBenignClockEventReasons)) {
    out += (out.empty() ? "" : "|") + name;
  }
  return out.empty() ? "none" : out;
}

std::string telemetry_text(const TelemetrySummary& t) {
  return range_text("sm_clock_mhz", t.sm_clock_mhz) + " " + range_text("power_w", t.power_w) + " " +
         range_text("temp_c", t.temperature_c) + " (min/mean/max of " + std::to_string(t.samples) +
         " samples)";
}

TelemetrySampler::TelemetrySampler(const Nvml& nvml,
                                   std::string pci_bus_id,
                                   std::chrono::milliseconds period)
    : nvml_(nvml), bus_(std::move(pci_bus_id)), period_(period) {
  sample_once();  // one reading even for a case shorter than the period
  thread_ = std::thread([this] { run(); });
}

TelemetrySampler::~TelemetrySampler() {
  static_cast<void>(stop());
}

void TelemetrySampler::sample_once() {
  const auto clock = nvml_.sm_clock_mhz(bus_);
  const auto power = nvml_.power_usage_w(bus_);
  const auto temp = nvml_.temperature_c(bus_);
  const auto reasons = nvml_.clock_event_reasons(bus_);
  std::lock_guard<std::mutex> lock(mutex_);
  ++summary_.samples;
  if (clock.value) {
    clock_.push_back(*clock.value);
  } else if (summary_.sm_clock_mhz.reason.empty()) {
    summary_.sm_clock_mhz.reason = clock.reason;
  }
  if (power.value) {
    power_.push_back(*power.value);
  } else if (summary_.power_w.reason.empty()) {
    summary_.power_w.reason = power.reason;
  }
  if (temp.value) {
    temp_.push_back(*temp.value);
  } else if (summary_.temperature_c.reason.empty()) {
    summary_.temperature_c.reason = temp.reason;
  }
  if (reasons.value) {
    summary_.reasons_or |= *reasons.value;
    summary_.reasons_read = true;
  } else if (summary_.reasons_reason.empty()) {
    summary_.reasons_reason = reasons.reason;
  }
}

void TelemetrySampler::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
    lock.unlock();
    sample_once();
    lock.lock();
  }
}

TelemetrySummary TelemetrySampler::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  TelemetrySummary t = summary_;
  t.sm_clock_mhz = summarize_range(clock_, summary_.sm_clock_mhz.reason);
  t.power_w = summarize_range(power_, summary_.power_w.reason);
  t.temperature_c = summarize_range(temp_, summary_.temperature_c.reason);
  return t;
}

}  // namespace gpb
