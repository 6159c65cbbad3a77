// SPDX-License-Identifier: Apache-2.0
// CUDA implementation of TimingBackend (DESIGN §1.4): events on the work's own stream (MR-1),
// a launch gate with a device-side timeout for short batches (MR-6), and a per-sample SM clock
// probe (MR-7).
#pragma once

#include <gpb/cuda_raii.hpp>
#include <gpb/measure/measure.hpp>

#include <cuda_runtime_api.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace gpb {

class CudaTimingBackend final : public TimingBackend {
 public:
  using Body = std::function<void(cudaStream_t, std::int64_t)>;
  /// `default_clock_mhz`: the clock samples are compared with (nullopt: no discards).
  /// `allow_gate`: false for bodies that block the host (MeasurePolicy::allow_gate).
  CudaTimingBackend(cudaStream_t stream,
                    Body body,
                    std::optional<double> default_clock_mhz,
                    bool allow_gate = true);
  void warmup(std::int64_t ops) override;
  TimedSample sample(std::int64_t ops) override;
  std::optional<double> default_sm_clock_mhz() const override { return default_clock_mhz_; }
  double now_s() override;
  void sleep_s(double s) override;

  /// sample() in three steps, for timing several devices as one sample: enqueue() queues the
  /// batch behind a closed gate, open_gate() lets it run, collect() waits and reads it. The
  /// caller must open the gate on every path once enqueue() was called.
  void enqueue(std::int64_t ops);
  void open_gate() noexcept;
  TimedSample collect();

  /// Batches up to this many ops wait behind the gate; longer batches amortize launch cost
  /// themselves, and a deeper queue behind a gate could fill the launch queue and block the
  /// host before it releases the gate.
  static constexpr std::int64_t kMaxGatedOps = 256;
  static constexpr unsigned long long kGateTimeoutNs = 10'000'000'000ull;

 private:
  cudaStream_t stream_;
  Body body_;
  std::optional<double> default_clock_mhz_;
  bool allow_gate_;
  Event start_, stop_;
  PinnedBuffer<int> gate_;                  // [0] release flag, [1] timed-out flag
  PinnedBuffer<unsigned long long> probe_;  // clock probe output
};

/// Times work issued on several devices as one sample (Context::measure_all): each device runs
/// its share behind its own gate between its own events, every gate opens once all are queued,
/// and the sample is the slowest device's span. The clock reported is the lowest device clock,
/// so a throttled device discards the sample (MR-7).
class CudaSetTimingBackend final : public TimingBackend {
 public:
  struct Lane {
    int device = 0;
    cudaStream_t stream = nullptr;
  };
  using Body = std::function<void(std::size_t, cudaStream_t, std::int64_t)>;
  CudaSetTimingBackend(const std::vector<Lane>& lanes,
                       const Body& body,
                       std::optional<double> default_clock_mhz,
                       bool allow_gate = true);
  void warmup(std::int64_t ops) override;
  TimedSample sample(std::int64_t ops) override;
  std::optional<double> default_sm_clock_mhz() const override { return default_clock_mhz_; }
  double now_s() override;
  void sleep_s(double s) override;

 private:
  std::vector<Lane> lanes_;
  std::vector<std::unique_ptr<CudaTimingBackend>> timings_;  // one per lane, same order
  std::optional<double> default_clock_mhz_;
};

}  // namespace gpb
