// SPDX-License-Identifier: Apache-2.0
// The preflight audit (METHODOLOGY MR-19) as the runner takes it before the first case, and the
// `gpubench preflight` command that prints it.
#include <gpb/build_info.hpp>
#include <gpb/common/units.hpp>
#include <gpb/device_runtime.hpp>
#include <gpb/machine/preflight.hpp>
#include <gpb/result/status.hpp>
#include <gpb/runner.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "run_internal.hpp"

namespace gpb {

/// The GPUs named by --devices (all when none are named).
std::vector<GpuInfo> select_gpus(const std::vector<GpuInfo>& found,
                                 const std::vector<int>& wanted) {
  if (wanted.empty() || found.empty()) {
    return found;
  }
  std::vector<GpuInfo> chosen;
  for (int d : wanted) {
    auto it =
        std::find_if(found.begin(), found.end(), [d](const GpuInfo& g) { return g.ordinal == d; });
    if (it == found.end()) {
      throw UsageError("--devices: no CUDA device " + std::to_string(d) + " (found " +
                       std::to_string(found.size()) + ")");
    }
    chosen.push_back(*it);
  }
  return chosen;
}

/// The preflight audit (MR-19) of the host and of each GPU.
Preflight audit(const RunRecord& record,
                const std::vector<GpuInfo>& gpus,
                const Nvml* nvml,
                bool strict) {
  Preflight p;
  p.strict = strict;
  const std::string& nvml_reason = record.runtime.nvml_reason;
  // GPB_TEST_HOST_ROOT puts a fixture /proc + /sys tree under the host checks (pipeline tests).
  const char* root = std::getenv("GPB_TEST_HOST_ROOT");
  p.checks = evaluate_host_preflight(read_host_preflight(root != nullptr ? root : ""));
  p.checks.push_back(evaluate_library_versions(record.tool, record.runtime));
  const auto scope = [](const GpuInfo& g) {
    return "gpu" + std::to_string(g.ordinal) + " " + g.pci_bus_id;
  };
  if (nvml == nullptr) {
    for (const auto& g : gpus) {
      const auto unknown = unknown_gpu_preflight(scope(g), "nvml: " + nvml_reason);
      p.checks.insert(p.checks.end(), unknown.begin(), unknown.end());
    }
    return p;
  }
  // Every NVML item first, before this process opens a context on any GPU, so that
  // other_processes counts only others; then the PCIe link again under a copy load.
  std::vector<GpuPreflightReadings> readings;
  for (const auto& g : gpus) {
    readings.push_back(read_gpu_preflight(*nvml, g.pci_bus_id, scope(g)));
    readings.back().cuda_uuid = g.uuid;
  }
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    with_pcie_load(gpus[i], [&] {
      auto link = read_pcie_link(*nvml, gpus[i].pci_bus_id);
      if (link.value) {
        readings[i].pcie_link = link;
        readings[i].pcie_under_load = true;
      }
    });
    const auto checks = evaluate_gpu_preflight(readings[i]);
    p.checks.insert(p.checks.end(), checks.begin(), checks.end());
  }
  return p;
}

int preflight_command(const CliOptions& o) {
  RunRecord record;
  record.tool = build_tool_info();
  const DeviceProbe probe = make_device_runtime()->probe(record.runtime);
  const std::vector<GpuInfo> gpus = select_gpus(probe.gpus, o.devices);
  record.gpus = gpus;
  std::unique_ptr<Nvml> nvml;
  if (!gpus.empty()) {
    nvml = attach_nvml(record);
  }
  const Preflight p = audit(record, gpus, nvml.get(), o.strict);
  std::cout << preflight_table(p.checks);
  std::cout << "preflight: " << preflight_summary(p.checks) << "\n";
  if (gpus.empty()) {
    std::fprintf(
        stderr, "gpubench: no usable CUDA device: %s (host checks only)\n", probe.error.c_str());
    return static_cast<int>(ExitCode::no_device);
  }
  const bool failed = std::any_of(p.checks.begin(), p.checks.end(), [](const PreflightCheck& c) {
    return c.status == CheckStatus::fail;
  });
  return failed || preflight_refuses(p.checks, o.strict) ? static_cast<int>(ExitCode::preflight)
                                                         : static_cast<int>(ExitCode::ok);
}

}  // namespace gpb
