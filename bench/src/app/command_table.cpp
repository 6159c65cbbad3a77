// SPDX-License-Identifier: Apache-2.0
#include "command_table.hpp"

#include <gpb/build_info.hpp>
#include <gpb/common/units.hpp>
#include <gpb/machine/nccl_version.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/result/status.hpp>
#include <gpb/run/cli.hpp>
#include <gpb/runner.hpp>
#include <gpb/value/commands.hpp>

#include <cstdio>
#include <exception>

namespace gpb {
namespace {

const CommandEntry* find_command(std::string_view name);

/// devices, list, run and preflight share one parser (cli.hpp): their handlers parse the whole
/// line and print the command's help when it asks for it.
template <int (*Run)(const CliOptions&, const Invocation&)>
int device_command(const Invocation& inv) {
  std::vector<std::string> line{std::string(inv.argv.at(1))};
  line.insert(line.end(), inv.args.begin(), inv.args.end());
  const CliOptions o = parse_cli(line);
  if (o.command == Command::help) {
    std::fputs(find_command(o.help_topic)->help().c_str(), stdout);
    return 0;
  }
  return Run(o, inv);
}

int run_devices(const CliOptions& o, const Invocation&) {
  return devices_command(o);
}
int run_list(const CliOptions& o, const Invocation&) {
  return list_command(o);
}
int run_run(const CliOptions& o, const Invocation& inv) {
  return run_command(o, inv.argv, inv.envp);
}
int run_preflight(const CliOptions& o, const Invocation&) {
  return preflight_command(o);
}

template <Command C>
std::string device_help() {
  return help_text(C);
}

std::string prices_help() {
  return prices_help_text();
}

int print_version() {
  const ToolInfo t = build_tool_info();
  std::printf("gpubench %s (git %s%s, CUDA %s)\n",
              t.version.c_str(),
              t.git_sha.c_str(),
              t.git_dirty ? "-dirty" : "",
              t.cuda_enabled ? "on" : "off");
  if (t.nccl_header_version) {
    // The library the collectives would use is the machine's, not necessarily the headers'.
    const Reading<int> loaded = loaded_nccl_version();
    std::printf("NCCL: headers %s, loaded %s\n",
                nccl_version_text(*t.nccl_header_version).c_str(),
                loaded.value ? nccl_version_text(*loaded.value).c_str()
                             : ("none (" + loaded.reason + ")").c_str());
    if (loaded.value) {
      if (const std::string w = nccl_version_mismatch(*loaded.value, *t.nccl_header_version);
          !w.empty()) {
        std::printf("warning: %s\n", w.c_str());
      }
    }
  }
  return 0;
}

const CommandEntry* find_command(std::string_view name) {
  for (const auto& c : command_table()) {
    if (c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

std::string command_names() {
  std::string s;
  const auto& table = command_table();
  for (std::size_t i = 0; i < table.size(); ++i) {
    s += (i == 0 ? "" : (i + 1 == table.size() ? " or " : ", ")) + std::string(table[i].name);
  }
  return s;
}

int dispatch_or_throw(const std::vector<std::string>& argv, const char* const* envp) {
  if (argv.size() < 2) {
    std::fputs(overview_help().c_str(), stderr);
    return static_cast<int>(ExitCode::usage);  // a command is required
  }
  const std::string& first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    const CommandEntry* topic = argv.size() > 2 ? find_command(argv[2]) : nullptr;
    std::fputs(topic != nullptr ? topic->help().c_str() : overview_help().c_str(), stdout);
    return 0;
  }
  if (first == "--version" || first == "version") {
    if (argv.size() > 2) {
      throw UsageError("--version takes no arguments");
    }
    return print_version();
  }
  const CommandEntry* c = find_command(first);
  if (c == nullptr) {
    throw UsageError("unknown command '" + first + "' (expected " + command_names() +
                     "; see --help)");
  }
  return c->handler(Invocation{{argv.begin() + 2, argv.end()}, argv, envp});
}

}  // namespace

const std::vector<CommandEntry>& command_table() {
  static const std::vector<CommandEntry> table{
      {"devices",
       "list GPUs and their properties",
       device_help<Command::devices>,
       device_command<run_devices>},
      {"list", "list benchmark cases", device_help<Command::list>, device_command<run_list>},
      {"run",
       "run cases and write a JSON result file",
       device_help<Command::run>,
       device_command<run_run>},
      {"preflight",
       "audit the machine state that changes results",
       device_help<Command::preflight>,
       device_command<run_preflight>},
      {"report",
       "value-per-dollar report from result files and prices",
       report_help_text,
       [](const Invocation& i) { return report_command(i.args); }},
      {"compare",
       "side-by-side table of matching cases of result files",
       compare_help_text,
       [](const Invocation& i) { return compare_command(i.args); }},
      {"validate",
       "check result files (strict load, integrity sidecar)",
       validate_help_text,
       [](const Invocation& i) { return validate_command(i.args); }},
      {"prices",
       "import price catalogs (prices import --format skypilot ...)",
       prices_help,
       [](const Invocation& i) { return prices_command(i.args); }},
  };
  return table;
}

std::string overview_help() {
  std::string s = "usage: gpubench <command> [options]\ncommands:\n";
  for (const auto& c : command_table()) {
    std::string name(c.name);
    name.resize(10, ' ');
    s += "  " + name + std::string(c.summary) + "\n";
  }
  s += "  --version print the version\n";
  s += "Run 'gpubench <command> --help' for the options of a command.\n";
  return s;
}

int dispatch(const std::vector<std::string>& argv, const char* const* envp) {
  try {
    return dispatch_or_throw(argv, envp);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "gpubench: %s\n", e.what());
  } catch (const InputError& e) {
    std::fprintf(stderr, "gpubench: %s\n", e.what());
  } catch (const FileExistsError& e) {
    std::fprintf(stderr, "gpubench: %s (use --overwrite)\n", e.what());
  } catch (const std::exception& e) {
    // Last resort: results, if any, were already written by run_command.
    std::fprintf(stderr, "gpubench: fatal: %s\n", e.what());
    return static_cast<int>(ExitCode::case_failed);
  }
  return static_cast<int>(ExitCode::usage);
}

}  // namespace gpb
