// SPDX-License-Identifier: Apache-2.0
// `gpubench report` and `gpubench compare`: strict argument parsing (IN-1), strict loading of
// every input (a result file that does not load stops the command with exit 2 naming the file:
// a report silently missing a machine would mislead), rendering in memory, then an atomic
// write (DI-1), so an error never leaves a partial output file.
#include <gpb/common/args.hpp>
#include <gpb/common/units.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/value/commands.hpp>
#include <gpb/value/compare.hpp>
#include <gpb/value/prices.hpp>
#include <gpb/value/report.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace gpb {
namespace {

namespace fs = std::filesystem;

constexpr const char* kReportHelp =
    "usage: gpubench report RESULT.json... [options]\n"
    "\n"
    "Joins the valid cases of result files with dated, sourced prices per GPU-hour and ranks\n"
    "every priced offer of each measured GPU model by value per dollar.\n"
    "\n"
    "options:\n"
    "  --prices FILE        cloud price table (repeatable; default: the bundled\n"
    "                       data/prices/cloud_offers.csv)\n"
    "  --owned FILE         owned-hardware (TCO) inputs (default: data/prices/owned_costs.csv)\n"
    "  --aliases FILE       GPU alias table (default: data/gpu_aliases.csv)\n"
    "  --specs FILE         GPU spec table, for TDP in TCO mode (default:\n"
    "                       data/specs/gpu_specs.csv)\n"
    "  --pricing BASIS      on-demand (default) | spot | tco (owned hardware)\n"
    "  --format FORMAT      md (default) | csv | json | html; without --format, an --out name\n"
    "                       ending in .md, .csv, .json or .html picks the format\n"
    "  --out FILE           write the report to FILE (atomically) instead of stdout\n"
    "  --overwrite          replace an existing --out file\n"
    "  --include-noisy      let noisy cases into the report, marked (noisy)\n"
    "  -h, --help           this text\n"
    "\n"
    "Only valid cases are priced; every other case is listed under Exclusions with its reason.\n"
    "Cases run between two GPUs (names ending in /gpus=A>B) are also shown, whatever their\n"
    "status, as one matrix per case: rows = source GPU, columns = destination GPU.\n"
    "A missing price is n/a, never 0. A result or price file that fails to load stops the\n"
    "command (exit 2) with the file, line and field, and no output file is written.\n"
    "Bundled data: $GPUBENCH_DATA_DIR, else the source tree's data/.\n";

constexpr const char* kCompareHelp =
    "usage: gpubench compare A.json B.json [more.json...] [options]\n"
    "\n"
    "Puts the same cases of several result files side by side (matched by case name without\n"
    "its gpu=N segment), with each file's headline over the first file's, and flags rows\n"
    "where GPU model, driver, max clocks, methodology_version, status or unit differ, and\n"
    "files whose gpubench version, commit, schema, GPUs or driver differ.\n"
    "\n"
    "options:\n"
    "  --format FORMAT      md (default) | csv | json; without --format, an --out name\n"
    "                       ending in .md, .csv or .json picks the format\n"
    "  --out FILE           write to FILE (atomically) instead of stdout\n"
    "  --overwrite          replace an existing --out file\n"
    "  -h, --help           this text\n"
    "\n"
    "A result file that fails to load stops the command (exit 2) naming the file.\n";

constexpr const char* kValidateHelp =
    "usage: gpubench validate RESULT.json [more.json...]\n"
    "\n"
    "Checks result files as gpubench reads them (strict JSON, schema version, every field and\n"
    "status) and against their integrity sidecar (RESULT.json.sha256) when there is one. One\n"
    "line per file, then a count.\n"
    "\n"
    "exit codes: 0 every file valid and unmodified, 2 a file invalid, unreadable, modified\n"
    "after generation, or with a malformed sidecar\n";

template <class Map>
std::string pick_format(const std::string& command,
                        const std::optional<std::string>& format,
                        const std::optional<std::string>& out,
                        const Map& renderers) {
  const auto names = [&] {
    std::string s;
    for (const auto& kv : renderers) {
      s += (s.empty() ? "" : "|") + kv.first;
    }
    return s;
  };
  if (format) {
    if (renderers.count(*format) == 0) {
      throw UsageError(command + ": --format must be " + names() + ", not '" + *format + "'");
    }
    return *format;
  }
  if (out) {
    std::string ext = fs::path(*out).extension().string();
    if (!ext.empty()) {
      ext.erase(0, 1);
      if (renderers.count(ext) != 0) {
        return ext;
      }
    }
  }
  return "md";
}

void emit(const std::string& text, const std::optional<std::string>& out, bool overwrite) {
  if (out) {
    write_file_atomic(*out, text, overwrite);
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }
}

}  // namespace

std::string report_help_text() {
  return kReportHelp;
}

std::string compare_help_text() {
  return kCompareHelp;
}

std::string validate_help_text() {
  return kValidateHelp;
}

int report_command(const std::vector<std::string>& args) {
  const std::string cmd = "report";
  const ParsedArgs p =
      parse_args(cmd,
                 args,
                 {{"--prices", "--owned", "--aliases", "--specs", "--pricing", "--format", "--out"},
                  {"--overwrite", "--include-noisy"},
                  ""});
  if (p.help) {
    std::fputs(kReportHelp, stdout);
    return 0;
  }
  if (p.positional.empty()) {
    throw UsageError("report: no result file given (see gpubench report --help)");
  }
  ReportOptions options;
  if (const auto basis = p.single("--pricing")) {
    if (*basis == "on-demand") {
      options.basis = PricingBasis::on_demand;
    } else if (*basis == "spot") {
      options.basis = PricingBasis::spot;
    } else if (*basis == "tco") {
      options.basis = PricingBasis::owned;
    } else {
      throw UsageError("report: --pricing must be on-demand|spot|tco, not '" + *basis + "'");
    }
  }
  options.include_noisy = p.has("--include-noisy");
  const auto out = p.single("--out");
  const std::string format = pick_format(cmd, p.single("--format"), out, report_renderers());
  const bool overwrite = p.has("--overwrite");

  std::vector<std::string> price_paths = p.all("--prices");
  const auto owned_arg = p.single("--owned");
  const auto aliases_arg = p.single("--aliases");
  const auto specs_arg = p.single("--specs");
  if (options.basis == PricingBasis::owned && !price_paths.empty()) {
    throw UsageError("report: --prices is for cloud pricing; --pricing tco reads --owned");
  }
  if (options.basis != PricingBasis::owned && (owned_arg || specs_arg)) {
    throw UsageError("report: --owned and --specs need --pricing tco");
  }

  const std::vector<ResultFile> runs = load_result_files(p.positional);
  const fs::path data = bundled_data_dir();
  const AliasTable aliases =
      load_alias_table(aliases_arg ? fs::path(*aliases_arg) : data / "gpu_aliases.csv");
  std::vector<PriceQuote> quotes;
  std::vector<OwnedCost> owned;
  std::vector<GpuTdp> tdp;
  if (options.basis == PricingBasis::owned) {
    const fs::path owned_path = owned_arg ? fs::path(*owned_arg) : data / "prices/owned_costs.csv";
    owned = load_owned_costs(owned_path);
    tdp = load_gpu_tdp(specs_arg ? fs::path(*specs_arg) : data / "specs/gpu_specs.csv", aliases);
    options.price_files.push_back(owned_path.string());
  } else {
    if (price_paths.empty()) {
      price_paths.push_back((data / "prices/cloud_offers.csv").string());
    }
    for (const auto& path : price_paths) {
      auto q = load_price_table(path);
      quotes.insert(
          quotes.end(), std::make_move_iterator(q.begin()), std::make_move_iterator(q.end()));
      options.price_files.push_back(path);
    }
  }

  const ValueReport report = build_value_report(runs, quotes, aliases, owned, tdp, options);
  std::ostringstream text;
  report_renderers().at(format)(report, text);
  emit(text.str(), out, overwrite);
  return 0;
}

int compare_command(const std::vector<std::string>& args) {
  const std::string cmd = "compare";
  const ParsedArgs p = parse_args(cmd, args, {{"--format", "--out"}, {"--overwrite"}, ""});
  if (p.help) {
    std::fputs(kCompareHelp, stdout);
    return 0;
  }
  if (p.positional.size() < 2) {
    throw UsageError("compare: needs at least two result files (see gpubench compare --help)");
  }
  const auto out = p.single("--out");
  const std::string format = pick_format(cmd, p.single("--format"), out, compare_renderers());
  const std::vector<ResultFile> runs = load_result_files(p.positional);
  const Comparison c = build_comparison(runs);
  std::ostringstream text;
  compare_renderers().at(format)(c, text);
  emit(text.str(), out, p.has("--overwrite"));
  return 0;
}

int validate_command(const std::vector<std::string>& args, std::ostream& out) {
  const ParsedArgs p = parse_args("validate", args, {});
  if (p.help) {
    out << kValidateHelp;
    return 0;
  }
  if (p.positional.empty()) {
    throw UsageError("validate: needs at least one result file (see gpubench validate --help)");
  }
  int bad = 0;
  for (const auto& path : p.positional) {
    try {
      const RunRecord r = load_run(path);
      const IntegrityCheck integrity = check_integrity(path);
      std::map<std::string, int> by_status;
      for (const auto& c : r.results) {
        ++by_status[std::string(to_string(c.status))];
      }
      std::string statuses;
      for (const auto& [name, n] : by_status) {
        statuses += (statuses.empty() ? ": " : ", ") + std::to_string(n) + " " + name;
      }
      const char* sidecar = integrity.status == Integrity::verified     ? "integrity verified"
                            : integrity.status == Integrity::no_sidecar ? "no integrity sidecar"
                                                                        : nullptr;
      if (sidecar == nullptr) {
        ++bad;
        out << path << ": "
            << (integrity.status == Integrity::modified ? "MODIFIED: " : "BAD SIDECAR: ")
            << integrity.detail << "\n";
        continue;
      }
      out << path << ": valid (schema " << r.schema.major << "." << r.schema.minor << ", "
          << r.results.size() << " cases" << statuses << "; " << sidecar << ")\n";
    } catch (const InputError& e) {
      ++bad;
      out << path << ": INVALID: " << e.what() << "\n";
    }
  }
  out << p.positional.size() << " file" << (p.positional.size() == 1 ? "" : "s") << ", " << bad
      << " with problems\n";
  return bad == 0 ? 0 : 2;
}

int validate_command(const std::vector<std::string>& args) {
  return validate_command(args, std::cout);
}

}  // namespace gpb
