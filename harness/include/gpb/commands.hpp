// SPDX-License-Identifier: Apache-2.0
// Host-only subcommands: `prices`, `report` and `compare`. Each parses its own arguments
// strictly (UsageError -> exit 2; InputError for bad files -> exit 2) and returns the exit code.
#pragma once

#include <string>
#include <vector>

namespace gpb {

/// gpubench prices import --format skypilot FILE... --out FILE [--overwrite]
///   [--source TEXT] [--as-of DATE] [--aliases FILE]
int prices_command(const std::vector<std::string>& args);

/// gpubench report RESULT... [--prices FILE...] [--owned FILE] [--pricing on-demand|spot|tco]
///   [--format md|csv|json|html] [--out FILE] [--overwrite] [--include-noisy]
int report_command(const std::vector<std::string>& args);

/// gpubench compare A.json B.json [...] [--format md|csv|json] [--out FILE]
int compare_command(const std::vector<std::string>& args);

}  // namespace gpb
