// SPDX-License-Identifier: Apache-2.0
#include <gpb/cli.hpp>
#include <gpb/units.hpp>

#include <string_view>

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
bool takes(Command c, std::string_view flag) {
  static const std::vector<std::string_view> run_flags{"--family",        "--quick",
                                                       "--full",          "--profile",
                                                       "--out",           "--overwrite",
                                                       "--quiet",         "--no-verify",
                                                       "--seed",          "--devices",
                                                       "--min-time",      "--max-noise",
                                                       "--timeout",       "--strict",
                                                       "--no-isolate",    "--no-affinity",
                                                       "--watchdog",      "--worker-journal-fd",
                                                       "--worker-resume", "--worker-prior",
                                                       "--worker-out",    "--worker-interrupted"};
  switch (c) {
    case Command::run:
      for (auto f : run_flags) {
        if (f == flag) {
          return true;
        }
      }
      return false;
    case Command::list:
      return flag == "--family" || flag == "--quick" || flag == "--full" || flag == "--profile";
    case Command::devices:
      return flag == "--json";
    case Command::preflight:
      return flag == "--strict" || flag == "--devices";
    default:
      return false;
  }
}

bool needs_value(std::string_view flag) {
  return flag == "--family" || flag == "--profile" || flag == "--out" || flag == "--seed" ||
         flag == "--devices" || flag == "--min-time" || flag == "--max-noise" ||
         flag == "--timeout" || flag == "--watchdog" || flag.rfind("--worker-", 0) == 0;
}

}  // namespace

CliOptions parse_cli(const std::vector<std::string>& args) {
  CliOptions o;
  if (args.empty()) {
    return o;  // help
  }
  std::size_t i = 0;
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
  if (first == "devices") {
    o.command = Command::devices;
  } else if (first == "list") {
    o.command = Command::list;
  } else if (first == "run") {
    o.command = Command::run;
  } else if (first == "preflight") {
    o.command = Command::preflight;
  } else {
    throw UsageError(
        "unknown command '" + first +
        "' (expected devices, list, run, preflight, report, compare, validate or prices; see "
        "--help)");
  }
  ++i;
  bool profile_set = false;
  const auto set_profile = [&](Profile p, const std::string& flag) {
    if (profile_set && o.profile != p) {
      throw UsageError(flag + " conflicts with an earlier profile option");
    }
    profile_set = true;
    o.profile = p;
  };
  for (; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--help" || arg == "-h") {
      o.help_topic = first;
      o.command = Command::help;
      return o;
    }
    if (o.command == Command::run && arg.rfind("--benchmark_", 0) == 0) {
      o.benchmark_args.push_back(arg);  // Google Benchmark parses and validates these
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      if (o.command == Command::devices || o.command == Command::preflight) {
        throw UsageError(first + " takes no positional argument ('" + arg + "')");
      }
      if (!o.filter.empty()) {
        throw UsageError("more than one FILTER given ('" + o.filter + "' and '" + arg + "')");
      }
      o.filter = arg;
      continue;
    }
    std::string value;
    bool has_value = false;
    if (const auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
      has_value = true;
    }
    if (!takes(o.command, arg)) {
      throw UsageError("unknown option '" + arg + "' for '" + first + "' (see gpubench " + first +
                       " --help)");
    }
    if (needs_value(arg) && !has_value) {
      if (i + 1 >= args.size()) {
        throw UsageError(arg + " needs a value");
      }
      value = args[++i];
      has_value = true;
    } else if (!needs_value(arg) && has_value) {
      throw UsageError(arg + " takes no value");
    }
    if (arg == "--family") {
      for (auto& f : split_commas(value, arg)) {
        o.families.push_back(f);
      }
    } else if (arg == "--quick") {
      set_profile(Profile::quick, arg);
    } else if (arg == "--full") {
      set_profile(Profile::full, arg);
    } else if (arg == "--profile") {
      if (value == "quick") {
        set_profile(Profile::quick, arg);
      } else if (value == "default") {
        set_profile(Profile::standard, arg);
      } else if (value == "full") {
        set_profile(Profile::full, arg);
      } else {
        throw UsageError("--profile: '" + value + "' is not one of quick, default, full");
      }
    } else if (arg == "--out") {
      if (value.empty()) {
        throw UsageError("--out: empty file name");
      }
      o.out = value;
    } else if (arg == "--overwrite") {
      o.overwrite = true;
    } else if (arg == "--quiet") {
      o.quiet = true;
    } else if (arg == "--no-verify") {
      o.verify = false;
    } else if (arg == "--json") {
      o.json = true;
    } else if (arg == "--strict") {
      o.strict = true;
    } else if (arg == "--no-isolate") {
      o.isolate = false;
    } else if (arg == "--no-affinity") {
      o.numa_affinity = false;
    } else if (arg == "--watchdog") {
      const double v = parse_double(value, arg);
      if (!(v > 0) || v > 86400) {
        throw UsageError("--watchdog: '" + value + "' must be in (0, 86400] seconds");
      }
      o.watchdog_s = v;
    } else if (arg == "--worker-journal-fd") {
      const std::uint64_t fd = parse_uint(value, arg);
      if (fd < 3 || fd > 65535) {
        throw UsageError("--worker-journal-fd: '" + value + "' is not a usable descriptor");
      }
      o.worker_journal_fd = static_cast<int>(fd);
    } else if (arg == "--worker-resume") {
      o.worker_resume = parse_uint(value, arg);
    } else if (arg == "--worker-interrupted") {
      const std::uint64_t sig = parse_uint(value, arg);
      if (sig < 1 || sig > 64) {
        throw UsageError("--worker-interrupted: '" + value + "' is not a signal number");
      }
      o.worker_interrupted = static_cast<int>(sig);
    } else if (arg == "--worker-prior" || arg == "--worker-out") {
      if (value.empty()) {
        throw UsageError(arg + ": empty file name");
      }
      (arg == "--worker-prior" ? o.worker_prior : o.worker_out) = value;
    } else if (arg == "--seed") {
      o.seed = parse_uint(value, arg);
    } else if (arg == "--devices") {
      for (auto& d : split_commas(value, arg)) {
        const std::uint64_t v = parse_uint(d, arg);
        if (v > 1023) {
          throw UsageError("--devices: '" + d + "' is not a plausible CUDA ordinal");
        }
        o.devices.push_back(static_cast<int>(v));
      }
    } else if (arg == "--min-time" || arg == "--timeout") {
      const double v = parse_double(value, arg);
      if (!(v > 0) || v > 3600) {
        throw UsageError(arg + ": '" + value + "' must be in (0, 3600] seconds");
      }
      (arg == "--min-time" ? o.min_time_s : o.timeout_s) = v;
    } else if (arg == "--max-noise") {
      const double v = parse_double(value, arg);
      if (!(v > 0) || v >= 1) {
        throw UsageError("--max-noise: '" + value + "' must be a fraction in (0, 1), e.g. 0.005");
      }
      o.max_noise = v;
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
      return "usage: gpubench <command> [options]\n"
             "commands:\n"
             "  devices   list GPUs and their properties\n"
             "  list      list benchmark cases\n"
             "  run       run cases and write a JSON result file\n"
             "  preflight audit the machine state that changes results\n"
             "  report    value-per-dollar report from result files and prices\n"
             "  compare   side-by-side table of matching cases of result files\n"
             "  validate  check result files (strict load, integrity sidecar)\n"
             "  prices    import price catalogs (prices import --format skypilot ...)\n"
             "  --version print the version\n"
             "Run 'gpubench <command> --help' for the options of a command.\n";
  }
}

}  // namespace gpb
