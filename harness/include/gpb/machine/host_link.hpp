// SPDX-License-Identifier: Apache-2.0
// The host side of a GPU, from sysfs: its PCIe link (for the per-direction peak of host<->device
// copies, METHODOLOGY §3) and the NUMA node and CPUs local to it (MR-16). `root` prefixes /sys
// so tests read fixture trees.
#pragma once

#include <gpb/machine/nvml.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpb {

struct PcieLinkSpeed {
  double gt_per_s = 0;
  int width = 0;
};

/// "32.0 GT/s PCIe" or "8 GT/s" -> GT/s; nullopt for anything else ("Unknown", "").
std::optional<double> parse_link_speed(std::string_view text);

/// Per-direction peak in bytes/s: GT/s x lanes x encoding / 8, with 8b/10b up to 5 GT/s and
/// 128b/130b for 8-32 GT/s. nullopt for other rates (Gen6's FLIT overhead is not modelled).
std::optional<double> pcie_peak_bytes_per_s(double gt_per_s, int width) noexcept;

/// Transfer rate of a PCIe generation as NVML reports it: 1 -> 2.5, 2 -> 5, 3 -> 8, 4 -> 16,
/// 5 -> 32, 6 -> 64 GT/s; nullopt otherwise.
std::optional<double> pcie_gen_gt_per_s(int generation) noexcept;

struct PcieLinkState {
  Reading<PcieLinkSpeed> current, max;  ///< current_link_* and max_link_* of the device
};
/// `bdf` as CUDA gives it ("0000:3B:00.0"); sysfs names it in lower case. `max` is the lesser of
/// the device's maximum and its upstream port's (the slot), where the port's is readable.
PcieLinkState read_pcie_link_sysfs(const std::string& root, const std::string& bdf);

/// "0-3,8-11,16" -> {0,1,2,3,8,9,10,11,16}; nullopt for malformed text or an empty list.
std::optional<std::vector<int>> parse_cpulist(std::string_view text);

struct HostAffinity {
  int numa_node = -1;     ///< -1: the platform reports none (single node, or a VM)
  std::vector<int> cpus;  ///< CPUs local to the GPU; empty with `reason` when unknown
  std::string reason;
};
/// numa_node and local_cpulist of the GPU's PCI device.
HostAffinity gpu_host_affinity(const std::string& root, const std::string& bdf);

}  // namespace gpb
