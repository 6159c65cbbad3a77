// SPDX-License-Identifier: Apache-2.0
// The one command-line argument parser every subcommand uses (IN-1): `--flag value`,
// `--flag=value`, switches, positional arguments, `--` to end options, -h/--help, and an
// optional pass-through prefix (run's --benchmark_*). Unknown flags, missing or empty values and
// values given to switches are UsageErrors that name the command and the flag.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpb {

/// What a command accepts.
struct ArgRules {
  std::vector<std::string_view> value_flags;   ///< flags that take a value
  std::vector<std::string_view> switch_flags;  ///< flags that take none
  std::string_view passthrough_prefix;         ///< kept verbatim, e.g. "--benchmark_" ("" none)
};

/// One option as given, in command-line order.
struct ParsedOption {
  std::string flag;
  std::optional<std::string> value;  ///< set for value flags
};

struct ParsedArgs {
  std::string command;
  std::vector<std::string> positional;
  std::vector<ParsedOption> options;
  std::vector<std::string> passthrough;
  bool help = false;

  /// The value of a flag given at most once; UsageError when given twice.
  std::optional<std::string> single(std::string_view flag) const;
  /// Every value of a repeatable flag, in order.
  std::vector<std::string> all(std::string_view flag) const;
  /// Whether a switch was given.
  bool has(std::string_view flag) const;
};

/// Parses `args` (without the command's own name) of `command` under `rules`.
ParsedArgs parse_args(const std::string& command,
                      const std::vector<std::string>& args,
                      const ArgRules& rules);

}  // namespace gpb
