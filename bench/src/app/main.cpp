// SPDX-License-Identifier: Apache-2.0
// gpubench: GPU microbenchmarks with verified, provenance-rich JSON results.
#include <gpb/build_info.hpp>
#include <gpb/commands.hpp>
#include <gpb/runner.hpp>
#include <gpb/schema_json.hpp>
#include <gpb/units.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv, argv + argc);
  try {
    // Host-only commands parse their own arguments (harness/include/gpb/commands.hpp).
    if (args.size() > 1 && (args[1] == "prices" || args[1] == "report" || args[1] == "compare" ||
                            args[1] == "validate")) {
      const std::vector<std::string> rest(args.begin() + 2, args.end());
      if (args[1] == "prices") {
        return gpb::prices_command(rest);
      }
      if (args[1] == "validate") {
        return gpb::validate_command(rest);
      }
      return args[1] == "report" ? gpb::report_command(rest) : gpb::compare_command(rest);
    }
    const gpb::CliOptions o = gpb::parse_cli({args.begin() + 1, args.end()});
    switch (o.command) {
      case gpb::Command::help: {
        gpb::Command topic = gpb::Command::help;
        if (o.help_topic == "run") {
          topic = gpb::Command::run;
        } else if (o.help_topic == "list") {
          topic = gpb::Command::list;
        } else if (o.help_topic == "devices") {
          topic = gpb::Command::devices;
        } else if (o.help_topic == "preflight") {
          topic = gpb::Command::preflight;
        }
        std::fputs(gpb::help_text(topic).c_str(), stdout);
        return 0;
      }
      case gpb::Command::version: {
        const gpb::ToolInfo t = gpb::build_tool_info();
        std::printf("gpubench %s (git %s%s, CUDA %s)\n",
                    t.version.c_str(),
                    t.git_sha.c_str(),
                    t.git_dirty ? "-dirty" : "",
                    t.cuda_enabled ? "on" : "off");
        return 0;
      }
      case gpb::Command::devices:
        return gpb::devices_command(o);
      case gpb::Command::list:
        return gpb::list_command(o);
      case gpb::Command::run:
        return gpb::run_command(o, args, environ);
      case gpb::Command::preflight:
        return gpb::preflight_command(o);
    }
  } catch (const gpb::UsageError& e) {
    std::fprintf(stderr, "gpubench: %s\n", e.what());
    return 2;
  } catch (const gpb::InputError& e) {
    std::fprintf(stderr, "gpubench: %s\n", e.what());
    return 2;
  } catch (const gpb::FileExistsError& e) {
    std::fprintf(stderr, "gpubench: %s (use --overwrite)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    // Last resort: results, if any, were already written by run_command.
    std::fprintf(stderr, "gpubench: fatal: %s\n", e.what());
    return 1;
  }
  return 2;
}
