// SPDX-License-Identifier: Apache-2.0
// NVML sampling during a case (METHODOLOGY MR-7, FH-6): a thread reads clock, power,
// temperature and clock-event reasons every period, and the summary ORs the reason bits over
// the whole case. NVML calls never run inside the timed region of the measuring thread.
#pragma once

#include <gpb/machine/nvml.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gpb {

/// min/mean/max of one quantity; empty when never read.
struct RangeSummary {
  std::optional<double> min, mean, max;
  std::string reason;  ///< why empty (first NVML reason seen)
};

struct TelemetrySummary {
  std::int64_t samples = 0;
  RangeSummary sm_clock_mhz, power_w, temperature_c;
  std::uint64_t reasons_or = 0;  ///< OR of every clock-event-reasons mask read
  bool reasons_read = false;
  std::string reasons_reason;  ///< why no mask could be read
};

/// "SwPowerCap|HwSlowdown" (benign bits left out), "none", or "not measured (<why>)".
std::string throttle_text(const TelemetrySummary& t);
/// "sm_clock_mhz 1410/1452/1515 power_w ... temp_c ... samples N" (min/mean/max).
std::string telemetry_text(const TelemetrySummary& t);

/// Samples one device (by PCI bus id) from a background thread between start() and stop().
class TelemetrySampler {
 public:
  TelemetrySampler(const Nvml& nvml,
                   std::string pci_bus_id,
                   std::chrono::milliseconds period = std::chrono::milliseconds(100));
  ~TelemetrySampler();
  TelemetrySampler(const TelemetrySampler&) = delete;
  TelemetrySampler& operator=(const TelemetrySampler&) = delete;

  /// Stops the thread (idempotent) and returns what it saw; always at least one sample.
  TelemetrySummary stop();

 private:
  void sample_once();
  void run();

  const Nvml& nvml_;
  std::string bus_;
  std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<double> clock_, power_, temp_;
  TelemetrySummary summary_;
  std::thread thread_;
};

}  // namespace gpb
