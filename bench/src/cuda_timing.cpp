// SPDX-License-Identifier: Apache-2.0
#include <gpb/cuda_check.hpp>
#include <gpb/cuda_timing.hpp>
#include <gpb/kernels.cuh>

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

TimedSample CudaTimingBackend::sample(std::int64_t ops) {
  volatile int* flag = gate_.data();
  const bool gated = allow_gate_ && ops <= kMaxGatedOps;
  flag[0] = 0;
  flag[1] = 0;
  {
    GateRelease release(&flag[0]);
    if (gated) {
      GPB_CUDA_CHECK(launch_gate(&flag[0], &flag[1], kGateTimeoutNs, stream_));
    }
    GPB_CUDA_CHECK(cudaEventRecord(start_.get(), stream_));
    body_(stream_, ops);
    GPB_CUDA_CHECK(cudaEventRecord(stop_.get(), stream_));
    GPB_CUDA_CHECK(launch_clock_probe(probe_.data(), kClockProbeNs, stream_));
  }
  GPB_CUDA_CHECK(cudaStreamSynchronize(stream_));
  TimedSample t;
  float ms = 0;
  GPB_CUDA_CHECK(cudaEventElapsedTime(&ms, start_.get(), stop_.get()));
  t.elapsed_s = static_cast<double>(ms) * 1e-3;
  t.gate_timeout = flag[1] != 0;
  const unsigned long long cycles = probe_.data()[0];
  const unsigned long long ns = probe_.data()[1];
  if (ns > 0 && cycles > 0) {
    t.sm_clock_mhz = static_cast<double>(cycles) / static_cast<double>(ns) * 1e3;
  }
  return t;
}

double CudaTimingBackend::now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void CudaTimingBackend::sleep_s(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

}  // namespace gpb
