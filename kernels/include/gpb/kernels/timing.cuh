// SPDX-License-Identifier: Apache-2.0
// What the timing backend launches around a batch: the launch gate (MR-6) and the SM clock probe
// (MR-7). Launchers return cudaError_t (no exceptions, no I/O in kernels/).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace gpb {

/// Spin on a host-mapped flag until it is non-zero or `timeout_ns` pass on the GPU timer;
/// writes 1 to *timed_out on timeout (METHODOLOGY MR-6).
cudaError_t launch_gate(const volatile int* flag,
                        volatile int* timed_out,
                        unsigned long long timeout_ns,
                        cudaStream_t stream);

/// Measures the SM clock: out[0] = clock64 cycles, out[1] = globaltimer ns over a ~spin_ns spin.
cudaError_t launch_clock_probe(unsigned long long* out,
                               unsigned long long spin_ns,
                               cudaStream_t stream);

/// Loads the gate and the clock probe so neither is lazily loaded behind a gate (MR-2).
cudaError_t preload_kernels();

}  // namespace gpb
