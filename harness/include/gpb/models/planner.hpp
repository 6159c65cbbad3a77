// SPDX-License-Identifier: Apache-2.0
// Sizing from the device (METHODOLOGY MR-5, MR-14, MR-15): HBM working sets well above L2,
// L2-resident sets well below it, and a memory budget checked before any allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace gpb {

/// Bytes a case may allocate: free minus a reserve of max(1 GiB, 5 % of total) (MR-15).
std::uint64_t usable_device_bytes(std::uint64_t free_bytes, std::uint64_t total_bytes) noexcept;

/// Host bytes a case may pin or allocate: MemAvailable minus a reserve of max(2 GiB, 10 %) (MR-15),
/// so pinning many GiB (every GPU at once, --full's 4 GiB copies) never starves the host.
std::uint64_t usable_host_bytes(std::uint64_t available_bytes) noexcept;

/// Which cache level a stream case targets.
enum class StreamTarget { hbm, l2 };

/// Size of one stream case: `elements` per array (a multiple of `vector_elems`).
struct StreamPlan {
  std::uint64_t elements = 0;
  std::uint64_t bytes_per_array = 0;
  std::uint64_t working_set_bytes = 0;  ///< all arrays together
  int passes = 1;                       ///< passes over the arrays inside one launch (L2 cases)
};

/// HBM: each array at least max(min_array_bytes, 4*L2/arrays) so the working set is >= 4x L2.
/// L2: all arrays together <= L2/2, with enough in-kernel passes to move >= 256 MiB per launch
/// (a single pass over a few MiB is shorter than the launch itself).
/// Returns nullopt when L2 size is unknown (0) for an L2 case.
std::optional<StreamPlan> plan_stream(StreamTarget target,
                                      std::uint64_t l2_bytes,
                                      std::size_t elem_bytes,
                                      int arrays,
                                      std::uint64_t min_array_bytes,
                                      std::size_t vector_elems);

}  // namespace gpb
