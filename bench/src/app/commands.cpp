// SPDX-License-Identifier: Apache-2.0
// The commands that look without measuring: devices and list.
#include <gpb/build_info.hpp>
#include <gpb/common/units.hpp>
#include <gpb/device_runtime.hpp>
#include <gpb/machine/sysinfo.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/runner.hpp>

#include <cstdio>
#include <iostream>

#include "../run/run_internal.hpp"

namespace gpb {

int devices_command(const CliOptions& o) {
  RunRecord record;
  record.tool = build_tool_info();
  const DeviceProbe probe = make_device_runtime()->probe(record.runtime);
  record.gpus = probe.gpus;
  if (!record.gpus.empty()) {
    const auto nvml = attach_nvml(record);
    if (!o.json) {
      std::printf(
          "driver %s  CUDA driver API %d  runtime %d%s%s\n",
          record.runtime.driver_version.empty() ? "?" : record.runtime.driver_version.c_str(),
          record.runtime.cuda_driver_version.value_or(0),
          record.runtime.cuda_runtime_version.value_or(0),
          record.runtime.nvml_reason.empty() ? "" : "  nvml: ",
          record.runtime.nvml_reason.c_str());
    }
  }
  if (o.json) {
    record.run.started_utc = record.run.finished_utc = utc_now_iso8601();
    record.host = collect_host_info();
    std::cout << to_json_text(record) << "\n";
  } else {
    for (const auto& g : probe.gpus) {
      std::printf(
          "GPU %d: %s\n  uuid %s  pci %s  cc %d.%d  SMs %d\n  memory %s  L2 %s  bus %d bit\n",
          g.ordinal,
          g.name.c_str(),
          g.uuid.c_str(),
          g.pci_bus_id.c_str(),
          g.cc_major,
          g.cc_minor,
          g.sm_count,
          format_bytes(g.memory_bytes).c_str(),
          format_bytes(g.l2_bytes).c_str(),
          g.memory_bus_width_bits);
      std::printf(
          "  max SM clock %s MHz  max memory clock %s MHz  theoretical memory bandwidth %s GB/s\n",
          g.sm_clock_max_mhz ? format_value(*g.sm_clock_max_mhz).c_str() : "?",
          g.mem_clock_max_mhz ? format_value(*g.mem_clock_max_mhz).c_str() : "?",
          g.memory_bandwidth_peak_gbps ? format_value(*g.memory_bandwidth_peak_gbps).c_str() : "?");
    }
  }
  if (probe.gpus.empty()) {
    std::fprintf(stderr, "gpubench: no usable CUDA device: %s\n", probe.error.c_str());
    return static_cast<int>(ExitCode::no_device);
  }
  return static_cast<int>(ExitCode::ok);
}

int list_command(const CliOptions& o) {
  const auto specs = select_specs(o);
  for (const CaseSpec* s : specs) {
    if (!s->requires_.gpu) {
      std::printf("%-70s host\n", s->name.c_str());
      continue;
    }
    // What one instance runs on: the run multiplies the line by the machine's GPUs or pairs.
    const char* set = "";
    switch (s->requires_.devices) {
      case DeviceSet::each:
        set = "one per GPU";
        break;
      case DeviceSet::ordered_pairs:
        set = "one per ordered GPU pair";
        break;
      case DeviceSet::all_local:
        set = "all GPUs at once";
        break;
      case DeviceSet::world:
        set = "every rank of the job";
        break;
    }
    std::printf("%-70s gpu   %s\n", s->name.c_str(), set);
  }
  std::fprintf(stderr, "%zu cases in profile '%s'\n", specs.size(), to_string(o.profile));
  return 0;
}

}  // namespace gpb
