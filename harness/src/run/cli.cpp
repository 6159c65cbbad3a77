// SPDX-License-Identifier: Apache-2.0
#include <gpb/common/args.hpp>
#include <gpb/common/units.hpp>
#include <gpb/run/cli.hpp>

#include <cstdio>
#include <optional>
#include <string_view>
#include <utility>

namespace gpb {

const char* to_string(Profile p) noexcept {
  switch (p) {
    case Profile::quick:
      return "quick";
    case Profile::full:
      return "full";
    case Profile::standard:
      break;
  }
  return "default";
}

namespace {

std::vector<std::string> split_commas(std::string_view text, std::string_view flag) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string_view part = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (part.empty()) {
      throw UsageError(std::string(flag) + ": empty item in '" + std::string(text) + "'");
    }
    parts.emplace_back(part);
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return parts;
}

// Flags of each command; anything else is an error (IN-1).
ArgRules rules_for(Command c) {
  switch (c) {
    case Command::run:
      return {{"--family",
               "--profile",
               "--out",
               "--seed",
               "--devices",
               "--min-time",
               "--max-noise",
               "--timeout",
               "--watchdog",
               "--worker-journal-fd",
               "--worker-resume",
               "--worker-prior",
               "--worker-out",
               "--worker-interrupted"},
              {"--quick",
               "--full",
               "--overwrite",
               "--quiet",
               "--no-verify",
               "--strict",
               "--no-isolate",
               "--no-affinity"},
              "--benchmark_"};
    case Command::list:
      return {{"--family", "--profile"}, {"--quick", "--full"}, ""};
    case Command::devices:
      return {{}, {"--json"}, ""};
    case Command::preflight:
      return {{"--devices"}, {"--strict"}, ""};
    default:
      return {};
  }
}

double parse_seconds(const std::string& value, const std::string& flag, double max_s) {
  const double v = parse_double(value, flag);
  if (!(v > 0) || v > max_s) {
    char max_text[32];
    std::snprintf(max_text, sizeof max_text, "%g", max_s);
    throw UsageError(flag + ": '" + value + "' must be in (0, " + max_text + "] seconds");
  }
  return v;
}

/// Applies one value flag of run/list/devices/preflight to the options.
void apply_value(CliOptions& o, const std::string& flag, const std::string& value) {
  if (flag == "--family") {
    for (auto& f : split_commas(value, flag)) {
      o.families.push_back(f);
    }
  } else if (flag == "--out") {
    o.out = value;
  } else if (flag == "--watchdog") {
    o.watchdog_s = parse_seconds(value, flag, 86400);
  } else if (flag == "--worker-journal-fd") {
    const std::uint64_t fd = parse_uint(value, flag);
    if (fd < 3 || fd > 65535) {
      throw UsageError("--worker-journal-fd: '" + value + "' is not a usable descriptor");
    }
    o.worker_journal_fd = static_cast<int>(fd);
  } else if (flag == "--worker-resume") {
    o.worker_resume = parse_uint(value, flag);
  } else if (flag == "--worker-interrupted") {
    const std::uint64_t sig = parse_uint(value, flag);
    if (sig < 1 || sig > 64) {
      throw UsageError("--worker-interrupted: '" + value + "' is not a signal number");
    }
    o.worker_interrupted = static_cast<int>(sig);
  } else if (flag == "--worker-prior") {
    o.worker_prior = value;
  } else if (flag == "--worker-out") {
    o.worker_out = value;
  } else if (flag == "--seed") {
    o.seed = parse_uint(value, flag);
  } else if (flag == "--devices") {
    for (auto& d : split_commas(value, flag)) {
      const std::uint64_t v = parse_uint(d, flag);
      if (v > 1023) {
        throw UsageError("--devices: '" + d + "' is not a plausible CUDA ordinal");
      }
      o.devices.push_back(static_cast<int>(v));
    }
  } else if (flag == "--min-time") {
    o.min_time_s = parse_seconds(value, flag, 3600);
  } else if (flag == "--timeout") {
    o.timeout_s = parse_seconds(value, flag, 3600);
  } else if (flag == "--max-noise") {
    const double v = parse_double(value, flag);
    if (!(v > 0) || v >= 1) {
      throw UsageError("--max-noise: '" + value + "' must be a fraction in (0, 1), e.g. 0.005");
    }
    o.max_noise = v;
  }
}

/// Applies one switch.
void apply_switch(CliOptions& o, const std::string& flag) {
  if (flag == "--overwrite") {
    o.overwrite = true;
  } else if (flag == "--quiet") {
    o.quiet = true;
  } else if (flag == "--no-verify") {
    o.verify = false;
  } else if (flag == "--json") {
    o.json = true;
  } else if (flag == "--strict") {
    o.strict = true;
  } else if (flag == "--no-isolate") {
    o.isolate = false;
  } else if (flag == "--no-affinity") {
    o.numa_affinity = false;
  }
}

/// --quick, --full and --profile P, which must agree with each other.
std::optional<Profile> profile_named(const ParsedOption& opt) {
  if (opt.flag == "--quick") {
    return Profile::quick;
  }
  if (opt.flag == "--full") {
    return Profile::full;
  }
  if (opt.flag != "--profile") {
    return std::nullopt;
  }
  if (*opt.value == "quick") {
    return Profile::quick;
  }
  if (*opt.value == "default") {
    return Profile::standard;
  }
  if (*opt.value == "full") {
    return Profile::full;
  }
  throw UsageError("--profile: '" + *opt.value + "' is not one of quick, default, full");
}

std::optional<Command> command_named(const std::string& name) {
  for (const auto& [c, n] : {std::pair{Command::devices, "devices"},
                             std::pair{Command::list, "list"},
                             std::pair{Command::run, "run"},
                             std::pair{Command::preflight, "preflight"}}) {
    if (name == n) {
      return c;
    }
  }
  return std::nullopt;
}

}  // namespace

CliOptions parse_cli(const std::vector<std::string>& args) {
  CliOptions o;
  if (args.empty()) {
    return o;  // help
  }
  const std::string& first = args[0];
  if (first == "--help" || first == "-h" || first == "help") {
    o.command = Command::help;
    if (args.size() > 1) {
      o.help_topic = args[1];
    }
    return o;
  }
  if (first == "--version" || first == "version") {
    o.command = Command::version;
    if (args.size() > 1) {
      throw UsageError("--version takes no arguments");
    }
    return o;
  }
  const auto command = command_named(first);
  if (!command) {
    throw UsageError(
        "unknown command '" + first +
        "' (expected devices, list, run, preflight, report, compare, validate or prices; see "
        "--help)");
  }
  o.command = *command;
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  // Help wins over everything else on the line, even a flag it would reject.
  for (const auto& a : rest) {
    if (a == "--help" || a == "-h") {
      o.help_topic = first;
      o.command = Command::help;
      return o;
    }
  }
  const ParsedArgs p = parse_args(first, rest, rules_for(o.command));
  o.benchmark_args = p.passthrough;
  if (!p.positional.empty() && (o.command == Command::devices || o.command == Command::preflight)) {
    throw UsageError(first + " takes no positional argument ('" + p.positional.front() + "')");
  }
  if (p.positional.size() > 1) {
    throw UsageError("more than one FILTER given ('" + p.positional[0] + "' and '" +
                     p.positional[1] + "')");
  }
  if (!p.positional.empty()) {
    o.filter = p.positional.front();
  }
  std::optional<Profile> profile;
  for (const ParsedOption& opt : p.options) {
    if (const auto named = profile_named(opt)) {
      if (profile && *profile != *named) {
        throw UsageError(opt.flag + " conflicts with an earlier profile option");
      }
      profile = named;
      o.profile = *named;
    } else if (opt.value) {
      apply_value(o, opt.flag, *opt.value);
    } else {
      apply_switch(o, opt.flag);
    }
  }
  return o;
}

bool is_worker_flag(const std::string& arg) noexcept {
  return arg.rfind("--worker-", 0) == 0;
}

std::string help_text(Command c) {
  switch (c) {
    case Command::devices:
      return "usage: gpubench devices [--json]\n"
             "  Lists every CUDA device: name, UUID, PCI bus id, compute capability, SMs,\n"
             "  memory, L2, clocks and theoretical memory bandwidth.\n";
    case Command::list:
      return "usage: gpubench list [FILTER] [--family F[,F]] [--quick|--full|--profile P]\n"
             "  Lists the cases of a profile (default: default). FILTER is a regular\n"
             "  expression over case names. Works without a GPU.\n";
    case Command::run:
      return "usage: gpubench run [FILTER] [options] [--benchmark_*=...]\n"
             "  --family F[,F]     only these families (e.g. stream,host)\n"
             "  --quick | --full   profile (default: default); also --profile P\n"
             "  --out FILE         result file (default: gpubench-<host>-<utc time>.json)\n"
             "  --overwrite        replace an existing result file\n"
             "  --quiet            no progress lines\n"
             "  --no-verify        skip verification (results stamped verified=false)\n"
             "  --seed N           input seed (default: random, recorded)\n"
             "  --devices I[,I]    CUDA ordinals to use (default: all)\n"
             "  --min-time S       minimum timed seconds per case\n"
             "  --max-noise X      target relative stdev (e.g. 0.005)\n"
             "  --timeout S        per-case sampling timeout in seconds\n"
             "  --strict           refuse to measure when the preflight audit warns\n"
             "  --watchdog S       kill a case after S s (default max(60 s, 10x its planned\n"
             "                     time)): it is recorded as timeout and the run goes on\n"
             "  --no-isolate       run cases in this process (no watchdog; a crash ends the run)\n"
             "  --no-affinity      host<->device copies: do not bind to the GPU's NUMA node\n"
             "  --benchmark_*      passed to Google Benchmark (e.g. --benchmark_filter=triad)\n"
             "exit codes: 0 all valid, 1 a case failed, 2 usage/input error,\n"
             "            3 no usable GPU (host cases still ran; file written),\n"
             "            5 --strict and the preflight audit warned (file written), 130/143 "
             "signal\n";
    case Command::preflight:
      return "usage: gpubench preflight [--strict] [--devices I[,I]]\n"
             "  Audits what silently changes results: persistence, ECC and row remapping,\n"
             "  compute and MIG mode, power limit, clock settings, the PCIe link under load,\n"
             "  other processes, utilisation and temperature of each GPU; the CPU governor,\n"
             "  NUMA balancing, ASPM and THP of the host. Every run records the same audit.\n"
             "  Each check is ok, warn, fail or unknown (could not be read, with the reason).\n"
             "exit codes: 0 nothing failed (or, with --strict, nothing warned), 5 otherwise\n";
    default:
      // The overview of every command comes from the command table (bench/src/app).
      return "";
  }
}

}  // namespace gpb
