// SPDX-License-Identifier: Apache-2.0
// The subcommands: devices, list, run and preflight. `run` selects cases, runs each through Google
// Benchmark's runner shell (so --benchmark_* flags work), collects one CaseResult per case,
// writes the RunRecord atomically and prints a summary.
#pragma once

#include <gpb/run/cli.hpp>

#include <string>
#include <vector>

namespace gpb {

int devices_command(const CliOptions& options);
int list_command(const CliOptions& options);
/// `argv` is recorded in the result file; `envp` is filtered through the allowlist.
int run_command(const CliOptions& options,
                const std::vector<std::string>& argv,
                const char* const* envp);
/// Prints the preflight audit (MR-19); exit 5 on a failure (or, with --strict, a warning).
int preflight_command(const CliOptions& options);

}  // namespace gpb
