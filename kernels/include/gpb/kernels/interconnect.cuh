// SPDX-License-Identifier: Apache-2.0
// Kernels of the interconnect families: SM copies over a link (peer memory, mapped pinned host
// memory, or local), the latency pointer chase, and the seeded-pattern fill and check every
// copy is verified with (common/pattern.hpp). Launchers return cudaError_t (no exceptions, no
// I/O in kernels/).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace gpb {

/// dst = src through the SMs of the current device, 16 bytes per load and store. `bytes` a
/// multiple of 16, both pointers 16-byte aligned. Either pointer may be a peer GPU's memory
/// (with peer access enabled: a read or a write over the link) or pinned host memory mapped
/// into the device (a copy over PCIe or C2C done by the SMs instead of the copy engines).
cudaError_t launch_sm_copy(const void* src, void* dst, std::size_t bytes, cudaStream_t stream);

/// One thread follows `hops` dependent loads through `chain` (models/pointer_chase.hpp) from
/// word 0, each load fetched again from where the chain lives (ld.global.cv: no cached copy is
/// trusted), and stores the word it ends on in *end. One launch, so the per-hop time is the
/// access latency plus the launch cost divided by `hops`.
cudaError_t launch_pointer_chase(const std::uint32_t* chain,
                                 std::int64_t hops,
                                 std::uint32_t* end,
                                 cudaStream_t stream);

/// p[0 .. bytes) = the seeded pattern of common/pattern.hpp (p 4-byte aligned).
cudaError_t launch_fill_pattern(void* p,
                                std::size_t bytes,
                                std::uint64_t seed,
                                cudaStream_t stream);

/// What the device check found: bytes that differ and the lowest differing offset
/// (~0ull when none).
struct PatternCounts {
  unsigned long long mismatched_bytes;
  unsigned long long first_mismatch;
};

/// Compares p[0 .. bytes) with the pattern of `seed` into *counts (device-accessible memory,
/// reset by the launcher on `stream` first).
cudaError_t launch_check_pattern(const void* p,
                                 std::size_t bytes,
                                 std::uint64_t seed,
                                 PatternCounts* counts,
                                 cudaStream_t stream);

}  // namespace gpb
