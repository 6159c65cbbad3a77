// SPDX-License-Identifier: Apache-2.0
#include <gpb/common/units.hpp>
#include <gpb/models/planner.hpp>

#include <algorithm>

namespace gpb {

std::uint64_t usable_device_bytes(std::uint64_t free_bytes, std::uint64_t total_bytes) noexcept {
  const std::uint64_t reserve = std::max<std::uint64_t>(1ull << 30, total_bytes / 20);
  return free_bytes > reserve ? free_bytes - reserve : 0;
}

std::uint64_t usable_host_bytes(std::uint64_t available_bytes) noexcept {
  const std::uint64_t reserve = std::max<std::uint64_t>(2ull << 30, available_bytes / 10);
  return available_bytes > reserve ? available_bytes - reserve : 0;
}

std::optional<StreamPlan> plan_stream(StreamTarget target,
                                      std::uint64_t l2_bytes,
                                      std::size_t elem_bytes,
                                      int arrays,
                                      std::uint64_t min_array_bytes,
                                      std::size_t vector_elems) {
  const auto n_arrays = static_cast<std::uint64_t>(std::max(1, arrays));
  const std::uint64_t granule = checked_mul(elem_bytes, vector_elems);
  StreamPlan plan;
  if (target == StreamTarget::hbm) {
    const std::uint64_t for_l2 = checked_mul(4, l2_bytes) / n_arrays + granule;
    plan.bytes_per_array = std::max(min_array_bytes, for_l2);
  } else {
    if (l2_bytes == 0) {
      return std::nullopt;
    }
    plan.bytes_per_array = l2_bytes / 2 / n_arrays;
  }
  plan.bytes_per_array = plan.bytes_per_array / granule * granule;
  if (plan.bytes_per_array == 0) {
    return std::nullopt;
  }
  plan.elements = plan.bytes_per_array / elem_bytes;
  plan.working_set_bytes = checked_mul(plan.bytes_per_array, n_arrays);
  if (target == StreamTarget::l2) {
    const std::uint64_t per_launch = 256ull << 20;
    // Ceiling division: at least per_launch bytes in every launch.
    const std::uint64_t passes = (per_launch + plan.working_set_bytes - 1) / plan.working_set_bytes;
    plan.passes = static_cast<int>(std::max<std::uint64_t>(1, passes));
  }
  return plan;
}

}  // namespace gpb
