// SPDX-License-Identifier: Apache-2.0
// Health deltas (METHODOLOGY FH-4): error counters read before and after each GPU case. Any
// increase means the hardware misbehaved while the case ran, so its numbers are not trusted:
// the case becomes `invalid` with reason `hardware_error`. A GPU that NVML reports lost poisons
// the device for the rest of the run.
// Critical Xid events (NVML event sets, nvml.hpp XidWatch) drained around each case do the same.
#pragma once

#include <gpb/machine/nvml.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpb {

struct HealthCounters {
  std::optional<std::uint64_t> ecc_volatile_uncorrected;
  std::optional<unsigned> pcie_replays;
  std::optional<unsigned> remapped_rows_uncorrected;
  std::optional<bool> remap_failure;
  bool gpu_lost = false;  ///< some read answered GPU_IS_LOST or RESET_REQUIRED
};

HealthCounters read_health(const Nvml& nvml, const std::string& pci_bus_id);

/// What got worse between two readings, e.g. "ecc_volatile_uncorrected +2"; empty when nothing
/// did, or when a counter could not be read both times (no reading is no evidence).
std::vector<std::string> health_regressions(const HealthCounters& before,
                                            const HealthCounters& after);

/// "xid 79, xid 13" for the reasons text.
std::string xid_text(const std::vector<std::uint64_t>& xids);
/// Xid 79 (the GPU has fallen off the bus) poisons the device for the rest of the run (FH-4).
bool xid_poisons_device(const std::vector<std::uint64_t>& xids) noexcept;

}  // namespace gpb
