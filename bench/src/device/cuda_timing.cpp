// SPDX-License-Identifier: Apache-2.0
#include <gpb/cuda_check.hpp>
#include <gpb/cuda_timing.hpp>
#include <gpb/kernels/timing.cuh>

#include <algorithm>
#include <chrono>
#include <thread>

namespace gpb {
namespace {
// Releases the gate on every path, including exceptions while enqueueing (MR-6).
class GateRelease {
 public:
  explicit GateRelease(volatile int* flag) : flag_(flag) {}
  GateRelease(const GateRelease&) = delete;
  GateRelease& operator=(const GateRelease&) = delete;
  ~GateRelease() { *flag_ = 1; }

 private:
  volatile int* flag_;
};

// Opens every lane's gate on every path (MR-6), once all lanes are queued or one failed.
class SetGateRelease {
 public:
  explicit SetGateRelease(const std::vector<std::unique_ptr<CudaTimingBackend>>& timings)
      : timings_(timings) {}
  SetGateRelease(const SetGateRelease&) = delete;
  SetGateRelease& operator=(const SetGateRelease&) = delete;
  ~SetGateRelease() {
    for (const auto& t : timings_) {
      t->open_gate();
    }
  }

 private:
  const std::vector<std::unique_ptr<CudaTimingBackend>>& timings_;
};

constexpr unsigned long long kClockProbeNs = 50'000;  // >= 50 globaltimer ticks of 1 us
}  // namespace

CudaTimingBackend::CudaTimingBackend(cudaStream_t stream,
                                     Body body,
                                     std::optional<double> default_clock_mhz,
                                     bool allow_gate)
    : stream_(stream),
      body_(std::move(body)),
      default_clock_mhz_(default_clock_mhz),
      allow_gate_(allow_gate),
      start_(make_event()),
      stop_(make_event()),
      gate_(2),
      probe_(2) {
  GPB_CUDA_CHECK(preload_kernels());  // never lazily load a kernel behind the gate (MR-2)
}

void CudaTimingBackend::warmup(std::int64_t ops) {
  body_(stream_, ops);
  GPB_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaTimingBackend::enqueue(std::int64_t ops) {
  volatile int* flag = gate_.data();
  flag[0] = 0;
  flag[1] = 0;
  if (allow_gate_ && ops <= kMaxGatedOps) {
    GPB_CUDA_CHECK(launch_gate(&flag[0], &flag[1], kGateTimeoutNs, stream_));
  }
  GPB_CUDA_CHECK(cudaEventRecord(start_.get(), stream_));
  body_(stream_, ops);
  GPB_CUDA_CHECK(cudaEventRecord(stop_.get(), stream_));
  GPB_CUDA_CHECK(launch_clock_probe(probe_.data(), kClockProbeNs, stream_));
}

void CudaTimingBackend::open_gate() noexcept {
  gate_.data()[0] = 1;
}

TimedSample CudaTimingBackend::collect() {
  GPB_CUDA_CHECK(cudaStreamSynchronize(stream_));
  TimedSample t;
  float ms = 0;
  GPB_CUDA_CHECK(cudaEventElapsedTime(&ms, start_.get(), stop_.get()));
  t.elapsed_s = static_cast<double>(ms) * 1e-3;
  t.gate_timeout = gate_.data()[1] != 0;
  const unsigned long long cycles = probe_.data()[0];
  const unsigned long long ns = probe_.data()[1];
  if (ns > 0 && cycles > 0) {
    t.sm_clock_mhz = static_cast<double>(cycles) / static_cast<double>(ns) * 1e3;
  }
  return t;
}

TimedSample CudaTimingBackend::sample(std::int64_t ops) {
  {
    GateRelease release(gate_.data());
    enqueue(ops);
  }
  return collect();
}

double CudaTimingBackend::now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void CudaTimingBackend::sleep_s(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

CudaSetTimingBackend::CudaSetTimingBackend(const std::vector<Lane>& lanes,
                                           const Body& body,
                                           std::optional<double> default_clock_mhz,
                                           bool allow_gate)
    : lanes_(lanes), default_clock_mhz_(default_clock_mhz) {
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    const DeviceScope on(lanes_[i].device);  // events and the gate's flag belong to this device
    timings_.push_back(std::make_unique<CudaTimingBackend>(
        lanes_[i].stream,
        [body, i](cudaStream_t s, std::int64_t ops) { body(i, s, ops); },
        default_clock_mhz,
        allow_gate));
  }
}

void CudaSetTimingBackend::warmup(std::int64_t ops) {
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    const DeviceScope on(lanes_[i].device);
    timings_[i]->warmup(ops);
  }
}

TimedSample CudaSetTimingBackend::sample(std::int64_t ops) {
  {
    const SetGateRelease release(timings_);
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      const DeviceScope on(lanes_[i].device);
      timings_[i]->enqueue(ops);
    }
  }
  TimedSample slowest;
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    const DeviceScope on(lanes_[i].device);
    const TimedSample t = timings_[i]->collect();
    slowest.lane_elapsed_s.push_back(t.elapsed_s);
    slowest.elapsed_s = std::max(slowest.elapsed_s, t.elapsed_s);
    slowest.gate_timeout = slowest.gate_timeout || t.gate_timeout;
    if (t.sm_clock_mhz && (!slowest.sm_clock_mhz || *t.sm_clock_mhz < *slowest.sm_clock_mhz)) {
      slowest.sm_clock_mhz = t.sm_clock_mhz;
    }
  }
  return slowest;
}

double CudaSetTimingBackend::now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void CudaSetTimingBackend::sleep_s(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

}  // namespace gpb
