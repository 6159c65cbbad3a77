// SPDX-License-Identifier: Apache-2.0
// Command-line parsing (IN-1): strict, one clear line per problem, no side effects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpb {

enum class Command { help, version, devices, list, run, preflight };

/// Which cases and how long to measure them. "default" is the middle profile.
enum class Profile { quick, standard, full };
const char* to_string(Profile p) noexcept;

struct CliOptions {
  Command command = Command::help;
  std::string help_topic;             ///< subcommand whose help was asked for
  std::string filter;                 ///< regex over case names (POSIX extended)
  std::vector<std::string> families;  ///< --family a,b
  Profile profile = Profile::standard;
  std::string out;  ///< --out FILE
  bool overwrite = false;
  bool quiet = false;
  bool verify = true;
  bool json = false;    ///< devices --json
  bool strict = false;  ///< run/preflight --strict: a preflight warning refuses (MR-19)
  std::optional<std::uint64_t> seed;
  std::vector<int> devices;  ///< --devices 0,2 (CUDA ordinals); empty = all
  std::optional<double> min_time_s, max_noise, timeout_s;
  std::vector<std::string> benchmark_args;  ///< --benchmark_* passed to Google Benchmark
};

/// Parses argv[1..]. Throws UsageError (units.hpp) naming the flag and the problem.
CliOptions parse_cli(const std::vector<std::string>& args);

/// Help text for a command (Command::help gives the overview).
std::string help_text(Command c);

}  // namespace gpb
