// SPDX-License-Identifier: Apache-2.0
// Host-only subcommands: `prices`, `report`, `compare` and `validate`. Each parses its own
// arguments strictly (UsageError -> exit 2; InputError for bad files -> exit 2) and returns the
// exit code.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace gpb {

/// gpubench prices import --format skypilot FILE... --out FILE [--overwrite]
///   [--source TEXT] [--as-of DATE] [--aliases FILE] [--provider NAME]
/// Returns 0 (also when some GPU names are unmapped: they are listed on stderr). Throws
/// UsageError (bad arguments), InputError (a bad catalog or alias file: nothing is written),
/// FileExistsError (--out exists without --overwrite). Progress and summary go to stderr.
int prices_command(const std::vector<std::string>& args);
/// prices_command writing help to `out` and the summary to `err` (tests).
int prices_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// The text of `gpubench prices --help`.
std::string prices_help_text();

/// gpubench report RESULT... [--prices FILE]... [--pricing on-demand|spot|tco] [--owned FILE]
///   [--specs FILE] [--aliases FILE] [--format md|csv|json|html] [--out FILE] [--overwrite]
///   [--include-noisy]
/// Defaults are the bundled tables (bundled_data_dir()); --owned and --specs need --pricing tco.
/// A result file that does not load stops the command (InputError, exit 2, no output file): a
/// report that silently dropped a machine would mislead. Unpriced machines still give exit 0;
/// the report says "n/a" and why.
int report_command(const std::vector<std::string>& args);
std::string report_help_text();

/// gpubench compare A.json B.json [...] [--format md|csv|json] [--out FILE] [--overwrite]
int compare_command(const std::vector<std::string>& args);
std::string compare_help_text();

/// gpubench validate RESULT... : strict load plus the integrity sidecar (DI-5), one line per
/// file. 0 when every file is valid and unmodified, else 2. Throws UsageError without files.
int validate_command(const std::vector<std::string>& args);
int validate_command(const std::vector<std::string>& args, std::ostream& out);
std::string validate_help_text();

}  // namespace gpb
