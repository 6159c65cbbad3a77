// SPDX-License-Identifier: Apache-2.0
// The launch gate (METHODOLOGY MR-6) and the SM clock probe (MR-7).
// The gate holds the stream while the host enqueues a batch, so launch overhead does not
// leak into the timed region; its device-side timeout guarantees it never hangs a run.
#include <gpb/kernels/timing.cuh>

namespace gpb {
namespace {

__device__ inline unsigned long long global_timer_ns() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

__global__ void gate_kernel(const volatile int* flag,
                            volatile int* timed_out,
                            unsigned long long timeout_ns) {
  const unsigned long long start = global_timer_ns();
  while (*flag == 0) {
    if (global_timer_ns() - start > timeout_ns) {
      *timed_out = 1;
      break;
    }
    __nanosleep(1000);
  }
}

__global__ void clock_probe_kernel(unsigned long long* out, unsigned long long spin_ns) {
  const unsigned long long t0 = global_timer_ns();
  const long long c0 = clock64();
  unsigned long long t1 = t0;
  while (t1 - t0 < spin_ns) {
    t1 = global_timer_ns();
  }
  const long long c1 = clock64();
  out[0] = static_cast<unsigned long long>(c1 - c0);
  out[1] = t1 - t0;
}

}  // namespace

cudaError_t launch_gate(const volatile int* flag,
                        volatile int* timed_out,
                        unsigned long long timeout_ns,
                        cudaStream_t stream) {
  gate_kernel<<<1, 1, 0, stream>>>(flag, timed_out, timeout_ns);
  return cudaGetLastError();
}

cudaError_t launch_clock_probe(unsigned long long* out,
                               unsigned long long spin_ns,
                               cudaStream_t stream) {
  clock_probe_kernel<<<1, 1, 0, stream>>>(out, spin_ns);
  return cudaGetLastError();
}

cudaError_t preload_kernels() {
  cudaFuncAttributes attr{};
  if (const cudaError_t e = cudaFuncGetAttributes(&attr, gate_kernel); e != cudaSuccess) {
    return e;
  }
  return cudaFuncGetAttributes(&attr, clock_probe_kernel);
}

}  // namespace gpb
