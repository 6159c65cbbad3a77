// SPDX-License-Identifier: Apache-2.0
// `gpubench prices import`: SkyPilot catalogs -> our price table (data/README.md). Strict
// arguments (IN-1); every catalog is read and checked before anything is written, and the
// output is written atomically (DI-1), so a bad input leaves no output file.
#include <gpb/common/args.hpp>
#include <gpb/common/csv.hpp>
#include <gpb/common/units.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/value/commands.hpp>
#include <gpb/value/prices.hpp>

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace gpb {
namespace {

namespace fs = std::filesystem;

struct ImportArgs {
  std::vector<std::string> files;
  std::optional<std::string> format;
  std::optional<std::string> out;
  std::optional<std::string> source;
  std::optional<std::string> as_of;
  std::optional<std::string> aliases;
  std::optional<std::string> provider;
  bool overwrite = false;
  bool help = false;
};

std::string plural(std::size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// YYYY, YYYY-MM or YYYY-MM-DD.
bool valid_date(std::string_view d) {
  if (d.size() != 4 && d.size() != 7 && d.size() != 10) {
    return false;
  }
  for (std::size_t i = 0; i < d.size(); ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? d[i] != '-' : !(d[i] >= '0' && d[i] <= '9')) {
      return false;
    }
  }
  return true;
}

ImportArgs parse_import_args(const std::vector<std::string>& args) {
  const ParsedArgs p =
      parse_args("prices import",
                 std::vector<std::string>(args.begin() + 1, args.end()),
                 {{"--format", "--out", "--source", "--as-of", "--aliases", "--provider"},
                  {"--overwrite"},
                  ""});
  ImportArgs a;
  a.help = p.help;
  a.files = p.positional;
  a.format = p.single("--format");
  a.out = p.single("--out");
  a.source = p.single("--source");
  a.as_of = p.single("--as-of");
  a.aliases = p.single("--aliases");
  a.provider = p.single("--provider");
  a.overwrite = p.has("--overwrite");
  return a;
}

}  // namespace

std::string prices_help_text() {
  return "Usage: gpubench prices import --format skypilot FILE... --out FILE [options]\n"
         "\n"
         "Reads SkyPilot catalog vms.csv files as published (any cloud; columns by header name),\n"
         "folds availability-zone rows into one offer per (instance type, region) at the\n"
         "region's minimum price, maps GPU names to canonical models with the alias table, and\n"
         "writes gpubench's price table (format: data/README.md). Unmapped GPU names are kept\n"
         "with an empty model_key and listed on stderr. A file that fails writes nothing.\n"
         "\n"
         "Options:\n"
         "  --format skypilot   input format (required; skypilot is the only one)\n"
         "  --out FILE          price table to write (atomically)\n"
         "  --overwrite         replace FILE if it exists\n"
         "  --provider NAME     cloud name for every FILE (default: from the path,\n"
         "                      <cloud>/vms.csv or <cloud>_vms.csv)\n"
         "  --source TEXT       source stamped on every row (default: SkyPilot catalog <file>)\n"
         "  --as-of DATE        YYYY[-MM[-DD]] stamped on every row (default: the file's\n"
         "                      modification date, UTC)\n"
         "  --aliases FILE      GPU alias table (default: the bundled data/gpu_aliases.csv;\n"
         "                      $GPUBENCH_DATA_DIR overrides the data folder)\n"
         "\n"
         "Example:\n"
         "  gpubench prices import --format skypilot catalogs/v9/nebius/vms.csv --out my.csv\n";
}

int prices_command(const std::vector<std::string>& args) {
  return prices_command(args, std::cout, std::cerr);
}

namespace {

// Argument rules parse_args cannot express (IN-1).
void check_import_args(const ImportArgs& a) {
  if (!a.format) {
    throw UsageError("prices import: --format is required (skypilot)");
  }
  if (*a.format != "skypilot") {
    throw UsageError("--format: '" + quote_for_message(*a.format) +
                     "' is not a known format (expected skypilot)");
  }
  if (!a.out) {
    throw UsageError("prices import: --out FILE is required");
  }
  if (a.files.empty()) {
    throw UsageError("prices import: no catalog FILE given");
  }
  if (a.as_of && !valid_date(*a.as_of)) {
    throw UsageError("--as-of: '" + quote_for_message(*a.as_of) +
                     "' is not a date (YYYY-MM-DD, YYYY-MM or YYYY)");
  }
  if (a.source) {
    for (char ch : *a.source) {
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F) {
        throw UsageError("--source: contains a control character");
      }
    }
  }
}

// --out is neither an input nor (without --overwrite) an existing file.
void check_output_path(const ImportArgs& a) {
  std::error_code ec;
  for (const std::string& f : a.files) {
    if (fs::exists(*a.out, ec) && fs::equivalent(f, *a.out, ec)) {
      throw UsageError("--out '" + *a.out + "' is one of the input files");
    }
  }
  // Refuse early: do not read large catalogs only to refuse the write (the write re-checks).
  if (!a.overwrite && fs::symlink_status(*a.out, ec).type() != fs::file_type::not_found && !ec) {
    throw FileExistsError(*a.out + ": file exists (not overwritten)");
  }
}

// One catalog's summary line on stderr.
void report_catalog(std::ostream& err, const std::string& file, const SkypilotImport& imp) {
  const SkypilotImportSummary& s = imp.summary;
  const std::string provider = imp.quotes.empty() ? std::string() : imp.quotes.front().provider;
  err << quote_for_message(file, 200) << ": " << plural(s.rows_read, "row")
      << " read: " << plural(s.offers, "offer") << (provider.empty() ? "" : " (" + provider + ")")
      << " in " << plural(s.regions.size(), "region") << "; skipped " << s.cpu_rows << " CPU, "
      << s.gpu_only_rows << " GPU-only (no host VM) and " << s.unpriced_rows << " unpriced rows; "
      << (s.gcp_host_rows_paired > 0
              ? plural(s.gcp_host_rows_paired, "GCP host row") + " priced with their GPUs; "
              : std::string())
      << "merged " << plural(s.zone_rows_merged, "repeated (type, region) row")
      << " (availability zones); spot read as none: " << s.spot_zero_rows << " at 0.00, "
      << s.spot_equal_rows << " equal to on-demand\n";
}

/// The offers of every catalog read so far, with what the final report counts.
struct ImportedOffers {
  std::vector<PriceQuote> all;
  std::map<std::tuple<std::string, std::string, std::string>, std::string> seen;
  std::set<std::string> regions;
  std::size_t rows = 0;
  std::vector<std::string> unmapped;

  // Adds one catalog's offers; an offer already in another catalog is an InputError.
  void add(SkypilotImport& imp) {
    rows += imp.summary.rows_read;
    for (PriceQuote& q : imp.quotes) {
      const auto [it, fresh] =
          seen.emplace(std::make_tuple(q.provider, q.instance_type, q.region), q.origin);
      if (!fresh) {
        throw InputError(q.origin + ": offer (" + quote_for_message(q.provider) + ", " +
                         quote_for_message(q.instance_type) + ", region '" +
                         quote_for_message(q.region) + "') is also in " + it->second);
      }
      regions.insert(q.region);
      all.push_back(std::move(q));
    }
    for (const std::string& u : imp.summary.unmapped) {
      unmapped.push_back(u);
    }
  }
};

// Every catalog, read and checked before anything is written.
ImportedOffers import_catalogs(const ImportArgs& a, const AliasTable& aliases, std::ostream& err) {
  SkypilotImportOptions options;
  options.provider = a.provider.value_or("");
  options.source = a.source.value_or("");
  options.as_of = a.as_of.value_or("");

  ImportedOffers offers;
  for (const std::string& f : a.files) {
    SkypilotImport imp = import_skypilot_catalog(f, aliases, options);
    report_catalog(err, f, imp);
    offers.add(imp);
  }
  return offers;
}

// The closing summary on stderr, and the GPU names no alias rule mapped.
void report_written(std::ostream& err,
                    const ImportArgs& a,
                    const ImportedOffers& offers,
                    const fs::path& alias_path) {
  std::size_t mapped = 0;
  for (const PriceQuote& q : offers.all) {
    mapped += q.model_key.empty() ? 0 : 1;
  }
  err << "wrote " << plural(offers.all.size(), "offer") << " (" << mapped << " with a GPU model, "
      << offers.all.size() - mapped << " unmapped) in " << plural(offers.regions.size(), "region")
      << " from " << plural(offers.rows, "row") << " of " << plural(a.files.size(), "file")
      << " to " << quote_for_message(*a.out, 200) << "\n";
  for (const std::string& u : offers.unmapped) {
    err << "unmapped GPU name: " << u << "\n";
  }
  if (!offers.unmapped.empty()) {
    err << "(add rules to " << quote_for_message(alias_path.string(), 200)
        << " to map them; unmapped offers are never priced against results)\n";
  }
}

}  // namespace

int prices_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << prices_help_text();
    return 0;
  }
  if (args[0] != "import") {
    throw UsageError("unknown prices subcommand '" + quote_for_message(args[0]) +
                     "' (expected import; see gpubench prices --help)");
  }
  const ImportArgs a = parse_import_args(args);
  if (a.help) {
    out << prices_help_text();
    return 0;
  }
  check_import_args(a);
  check_output_path(a);

  const fs::path alias_path =
      a.aliases ? fs::path(*a.aliases) : bundled_data_dir() / "gpu_aliases.csv";
  const AliasTable aliases = load_alias_table(alias_path);
  const ImportedOffers offers = import_catalogs(a, aliases, err);
  save_price_table(offers.all, *a.out, a.overwrite);
  report_written(err, a, offers, alias_path);
  return 0;
}

}  // namespace gpb
