// SPDX-License-Identifier: Apache-2.0
// The one command table: every subcommand's name, one-line summary, help and handler. main()
// dispatches through it, and the overview help is generated from it, so a new subcommand is
// one entry here (its parser lives beside its handler, on the shared parse_args of args.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gpb {

/// What a handler gets: the arguments after the command name, and for the record the whole
/// command line and the environment.
struct Invocation {
  std::vector<std::string> args;
  std::vector<std::string> argv;
  const char* const* envp = nullptr;
};

struct CommandEntry {
  std::string_view name;
  std::string_view summary;  ///< one line for the overview
  std::string (*help)();
  int (*handler)(const Invocation&);
};

const std::vector<CommandEntry>& command_table();
/// `gpubench --help`: every command of the table with its summary.
std::string overview_help();
/// Runs the command line (argv[0] is the program). Returns the exit code; usage and input errors
/// are printed and give 2, never an exception.
int dispatch(const std::vector<std::string>& argv, const char* const* envp);

}  // namespace gpb
