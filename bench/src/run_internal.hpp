// SPDX-License-Identifier: Apache-2.0
// What the run, supervisor and preflight commands share inside bench/src (not an API).
#pragma once

#include <gpb/cli.hpp>
#include <gpb/nvml.hpp>
#include <gpb/registry.hpp>
#include <gpb/schema.hpp>
#include <gpb/status.hpp>

#include <memory>
#include <string>
#include <vector>

namespace gpb {

/// The cases of the profile that match --family and FILTER. Unknown families are errors.
std::vector<const CaseSpec*> select_specs(const CliOptions& o);
/// gpubench-<host>-<utc time>.json
std::string default_out_path(const std::string& hostname);
/// Driver string, NVML version and power limits (DI-4); reasons when NVML is unavailable.
std::unique_ptr<Nvml> attach_nvml(RunRecord& record);
/// --benchmark_list_tests: list what would run, measure nothing.
bool lists_only(const CliOptions& o);
/// The summary table, the file name and the line that explains a non-zero exit code.
void report_run_end(const RunRecord& record, const std::string& out_path, ExitCode code);
/// Saves the finished result and its integrity sidecar (DI-5).
void save_final_result(const RunRecord& record, const std::string& out_path, bool overwrite);

/// The GPUs named by --devices (all when none are named); UsageError for an unknown one.
std::vector<GpuInfo> select_gpus(const std::vector<GpuInfo>& found, const std::vector<int>& wanted);
/// The preflight audit (MR-19) of the host and of each GPU (preflight_command.cpp).
/// `record` gives the build and runtime versions (FH-10) and the NVML reason.
Preflight audit(const RunRecord& record,
                const std::vector<GpuInfo>& gpus,
                const Nvml* nvml,
                bool strict);

/// FH-2: `run` as a supervisor of worker processes (supervisor.cpp).
int supervise_run(const CliOptions& o, const std::vector<std::string>& argv);

}  // namespace gpb
