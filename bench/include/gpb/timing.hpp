// SPDX-License-Identifier: Apache-2.0
// Timing backends: the host (steady clock) one here; the CUDA one in cuda_timing.hpp.
#pragma once

#include <gpb/measure/measure.hpp>

#include <cstdint>
#include <functional>

namespace gpb {

/// Times host work with std::chrono::steady_clock; no clock or throttle information.
class HostTimingBackend final : public TimingBackend {
 public:
  explicit HostTimingBackend(std::function<void(std::int64_t)> body) : body_(std::move(body)) {}
  void warmup(std::int64_t ops) override { body_(ops); }
  TimedSample sample(std::int64_t ops) override;
  std::optional<double> default_sm_clock_mhz() const override { return std::nullopt; }
  double now_s() override;
  void sleep_s(double s) override;

 private:
  std::function<void(std::int64_t)> body_;
};

}  // namespace gpb
