// SPDX-License-Identifier: Apache-2.0
// Preflight audit (METHODOLOGY MR-19): the machine state that silently changes numbers —
// persistence, ECC, row remapping, compute and MIG mode, power limit, application clocks, the
// PCIe link under load, other processes, utilisation, temperature, and on the host the CPU
// governor, NUMA balancing, ASPM and THP. Readings are gathered first (NVML, /proc, /sys, a
// short PCIe load in the bench layer) and judged by pure functions, so every rule is tested
// with a pass and a fail fixture and no GPU.
#pragma once

#include <gpb/machine/nvml.hpp>
#include <gpb/result/schema.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpb {

/// Everything the host rules look at; unreadable values are empty with a reason (DI-2).
struct HostPreflightReadings {
  Reading<std::string> cpu_governor;  ///< scaling_governor of cpu0
  Reading<int> numa_balancing;        ///< /proc/sys/kernel/numa_balancing
  int numa_nodes = 0;
  Reading<std::string> pcie_aspm_policy;  ///< the [selected] word of pcie_aspm's policy
  Reading<std::string> transparent_hugepages;
};

struct PcieLink {
  int generation = 0, max_generation = 0, width = 0, max_width = 0;
};

/// Everything the GPU rules look at, for one GPU (`scope` names it, e.g. "gpu0 0000:00:06.0").
struct GpuPreflightReadings {
  std::string scope;
  std::string cuda_uuid;           ///< cudaDeviceProp::uuid of the GPU at this bus id
  Reading<std::string> nvml_uuid;  ///< what NVML says is at this bus id (MR-17)
  Reading<bool> persistence_mode;
  Reading<bool> ecc_enabled, ecc_pending;  ///< current and pending-after-reset ECC mode
  Reading<std::uint64_t> ecc_volatile_uncorrected;
  Reading<bool> remap_pending, remap_failure;  ///< row remapping (Ampere and later)
  Reading<bool> retired_pages_pending;         ///< page retirement (before Ampere)
  Reading<int> compute_mode;                   ///< 0 default, 1 excl. thread, 2 prohibited, 3 excl.
  Reading<bool> mig_enabled, mig_pending;
  Reading<double> power_limit_w, default_power_limit_w;
  Reading<double> app_sm_clock_mhz, default_app_sm_clock_mhz;
  Reading<std::uint64_t> clock_event_reasons;
  Reading<PcieLink> pcie_link;
  bool pcie_under_load = false;  ///< read while host<->device copies ran (idle links downshift)
  Reading<unsigned> pcie_replays;
  Reading<unsigned> other_processes;  ///< compute processes on the GPU before we start
  Reading<unsigned> utilization_pct;
  Reading<double> temperature_c, slowdown_temperature_c;
};

HostPreflightReadings read_host_preflight(const std::string& root = "");
/// Reads every NVML item of one GPU, except `pcie_link` when `skip_pcie` (the caller reads it
/// later, under load) and before this process opens a context (so `other_processes` is others).
GpuPreflightReadings read_gpu_preflight(const Nvml& nvml,
                                        const std::string& pci_bus_id,
                                        const std::string& scope);

/// The PCIe link alone, for a second reading under load.
Reading<PcieLink> read_pcie_link(const Nvml& nvml, const std::string& pci_bus_id);

/// Rules over the readings, one check per item, in a fixed order.
std::vector<PreflightCheck> evaluate_host_preflight(const HostPreflightReadings& r);
std::vector<PreflightCheck> evaluate_gpu_preflight(const GpuPreflightReadings& r);
/// FH-10: the CUDA runtime and cuBLAS this process loaded against the headers it was built with
/// (a stale library on the path, nccl#241), and the driver's CUDA version against the runtime's.
PreflightCheck evaluate_library_versions(const ToolInfo& tool, const RuntimeInfo& runtime);

/// Checks for a GPU whose NVML data is missing altogether: each `unknown` with `why`.
std::vector<PreflightCheck> unknown_gpu_preflight(const std::string& scope, const std::string& why);

/// Under --strict a warning or failure refuses the run; without it nothing refuses.
bool preflight_refuses(const std::vector<PreflightCheck>& checks, bool strict) noexcept;
/// "18 checks: 1 warn, 1 fail, 0 unknown: warn gpu0 ... persistence_mode (disabled); fail ...".
std::string preflight_summary(const std::vector<PreflightCheck>& checks);
/// A plain-text table: scope, check, status, value, and the reason or the expected value.
std::string preflight_table(const std::vector<PreflightCheck>& checks);

}  // namespace gpb
