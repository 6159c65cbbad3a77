// SPDX-License-Identifier: Apache-2.0
// Price data (METHODOLOGY §2.6, DI-8, IN-3): cloud offers, owned-hardware (TCO) inputs and the
// GPU alias table that maps CUDA device names and catalog names to canonical models. Every row
// keeps its source and as-of date; every loader names file:line:field on bad input.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpb {

/// A canonical GPU model: what two names must share to be priced together.
/// `key` is e.g. "H100-SXM-80GB"; family "H100", memory 80 (GB as marketed), form "SXM".
struct GpuModel {
  std::string key;
  std::string family;
  double memory_gb = 0;
  std::string form_factor;  ///< SXM (SXM/OAM module) | PCIe (add-in card) | NVL | superchip
  std::string spec_model;   ///< gpu_model in data/specs/gpu_specs.csv; "" when not listed there
  std::string source;
};

/// One name -> one canonical model key (exact match after normalisation: case, spaces,
/// '-' and '_' are ignored). Unmapped names are reported, never guessed.
/// A rule may be scoped to a provider, and further to instance types (a glob where '*' matches
/// any run of characters, e.g. "*x-H100_NVL-*"); the most specific matching scope wins. An
/// empty model_key marks the name as ambiguous in that scope (reported as unmapped, with
/// `source` as the reason). Several rules for one name in one scope are disambiguated by the
/// offer's per-GPU memory (resolve_offer_model).
struct GpuAlias {
  std::string name;
  std::string model_key;      ///< "" = ambiguous in this scope
  std::string provider;       ///< "" = any provider
  std::string instance_type;  ///< glob; "" = any instance type (needs a provider)
  std::string source;         ///< where the mapping comes from (catalog, CUDA device name)
  std::string origin;         ///< "file:line"
};

struct AliasTable {
  std::vector<GpuModel> models;
  std::vector<GpuAlias> aliases;
  /// The model with this key (exact), or nullptr.
  const GpuModel* find(std::string_view key) const;
};

/// The normal form names are compared in: ASCII lower-case, without spaces, '-' and '_'
/// ("NVIDIA A100-SXM4-80GB" -> "nvidiaa100sxm480gb").
std::string normalise_gpu_name(std::string_view name);

/// One priced cloud offer (a whole instance), in our price-table format (data/README.md).
struct PriceQuote {
  std::string provider;
  std::string instance_type;
  std::string gpu_name;                  ///< as the source lists it ("H100", "A100-80GB", ...)
  std::string model_key;                 ///< resolved through the alias table; "" when unmapped
  double gpu_count = 0;                  ///< GPUs per instance; may be fractional (0.25)
  std::optional<double> gpu_memory_gib;  ///< per GPU as the source lists it; nullopt = unknown
  std::optional<double> on_demand_usd_per_hour;  ///< whole instance; nullopt = not offered
  std::optional<double> spot_usd_per_hour;
  std::string currency = "USD";
  std::string region;
  std::string as_of;
  std::string source;
  std::string notes;   ///< how the row was derived (zone aggregation, spot read as none, ...)
  std::string origin;  ///< "file:line" of the row it came from
};

/// Pricing basis of a report (METHODOLOGY §2.6).
enum class PricingBasis { on_demand, spot, owned };

/// Owned hardware (TCO) inputs for one system (METHODOLOGY §2.6).
struct OwnedCost {
  std::string name;       ///< e.g. "8x H100 SXM server (vendor quote)"
  std::string model_key;  ///< GPU model of the system
  double gpus = 8;
  double price_usd = 0;  ///< system (or GPU) price incl. network share and install
  double life_years = 4;
  double cost_of_capital = 0;      ///< r per year; 0 -> straight-line (CRF = 1/N)
  double availability = 1.0;       ///< fraction of hours the system is up
  double utilization = 1.0;        ///< fraction of up hours doing useful work
  std::optional<double> power_kw;  ///< average system draw; nullopt -> the report uses TDP
  double pue = 1.3;
  double usd_per_kwh = 0.08;
  double opex_usd_per_hour = 0;
  std::string price_kind;  ///< "list", "street (vendor quote)", "estimate (analyst)", ...
  bool verified = true;    ///< false: the figure was not checked against its source (flag it)
  std::string as_of;
  std::string source;
  std::string notes;
  std::string origin;
};

/// Capital recovery factor r(1+r)^N / ((1+r)^N - 1); 1/N when r == 0. Throws
/// std::invalid_argument unless years > 0 and rate >= 0 (both finite).
double capital_recovery_factor(double rate, double years);

/// Cost per GPU-hour of owned hardware and its parts, all in USD per GPU-hour.
struct OwnedCostBreakdown {
  double capex = 0, power = 0, opex = 0, total = 0;
  bool power_measured = false;  ///< false: from TDP (said so under the table)
};
/// METHODOLOGY §2.6, all per hour:
///   capex = price * CRF(r, N) / (8760 * availability); power = kW * PUE * USD/kWh;
///   per GPU-hour = (capex + power + opex) / utilization / gpus (each part likewise).
/// `power_kw` (a measured average system draw) overrides inputs.power_kw and sets
/// power_measured; without it inputs.power_kw is used (a datasheet or TDP-based estimate the
/// caller put there) and power_measured is false. Throws std::invalid_argument naming the
/// field on a non-finite input, price, gpus or life <= 0, rate < 0, availability or
/// utilization outside (0, 1], PUE < 1, negative power, USD/kWh or opex, or no power figure.
OwnedCostBreakdown owned_cost_per_gpu_hour(const OwnedCost& inputs,
                                           std::optional<double> power_kw = std::nullopt);

// ---- tables (data/README.md documents the formats; schema_json.hpp's InputError on bad rows) --

/// The header of our price table, in the order save_price_table writes it.
extern const std::vector<std::string> kPriceTableColumns;

/// Our price table (data/prices/cloud_offers.csv format; columns by header name, every
/// column required except gpu_memory_gib and notes; unknown columns rejected). Throws
/// InputError "file:line: column 'x': ..." on a non-numeric, zero, negative or empty-but-
/// required value, a currency that is not [A-Z]{3} or not USD, a row with no price at all, or
/// a duplicate (provider, instance_type, region).
std::vector<PriceQuote> load_price_table(const std::filesystem::path& path);
/// Our price table from text (`origin` names it in messages); same rules as load_price_table.
std::vector<PriceQuote> parse_price_table(std::string_view text, const std::string& origin);
/// The price table as CSV text (LF, csv_cell quoting and formula guard). Throws
/// std::invalid_argument naming the row when a quote breaks the load rules (so nothing
/// written is unreadable).
std::string price_table_text(const std::vector<PriceQuote>& quotes);
/// Writes a price table atomically (CSV cells guarded against formulas, IN-3). Throws
/// FileExistsError when the target exists and !overwrite.
void save_price_table(const std::vector<PriceQuote>& quotes,
                      const std::filesystem::path& path,
                      bool overwrite);
/// The alias table (data/gpu_aliases.csv): `model` rows define canonical models, `alias` rows
/// map names to them. Throws InputError (file:line:column) on an unknown kind or form factor,
/// an alias to an undefined model, a duplicate model key or a duplicate rule.
AliasTable load_alias_table(const std::filesystem::path& path);
/// Canonical model key for a CUDA device name or a catalog name (unscoped rules only, and
/// the model keys themselves); nullopt when unmapped or ambiguous. `memory_gib` (per GPU, e.g.
/// the device's total memory) picks among several candidates and rejects a candidate whose
/// marketed memory is not within 12 % of it.
std::optional<std::string> resolve_model(const AliasTable& table,
                                         std::string_view name,
                                         std::optional<double> memory_gib = std::nullopt);

/// Outcome of resolving an offer's GPU name: a key, or the reason there is none.
struct ModelResolution {
  std::optional<std::string> model_key;
  std::string reason;  ///< why unmapped ("no alias", "ambiguous: ...", "memory ... != ...")
};
/// Resolves a priced offer's GPU name with provider- and instance-type-scoped rules first
/// (most specific scope that has a rule for the name wins, no fall-through), then unscoped.
/// Among several rules in the winning scope, `memory_gib` (per GPU) picks the one whose
/// model's memory is within 12 %; none or several left -> unmapped. A single unscoped or
/// provider-scoped candidate whose memory disagrees is unmapped too (e.g. a 48 GB "RTX4090");
/// instance-scoped rules state the instance's documented GPU and are not second-guessed.
ModelResolution resolve_offer_model(const AliasTable& table,
                                    std::string_view provider,
                                    std::string_view instance_type,
                                    std::string_view gpu_name,
                                    std::optional<double> memory_gib = std::nullopt);

/// Whole-instance price of a quote on a basis divided by its GPU count (METHODOLOGY §2.6);
/// nullopt when the quote has no price on that basis (never 0, DI-8). `owned` -> nullopt.
std::optional<double> usd_per_gpu_hour(const PriceQuote& quote, PricingBasis basis);
/// Owned-hardware inputs (data/prices/owned_costs.csv format, or a user's own file; columns
/// by header name; optional columns take the OwnedCost defaults). Throws InputError
/// (file:line:column) on values owned_cost_per_gpu_hour would reject, a currency other than
/// USD, or a duplicate name.
std::vector<OwnedCost> load_owned_costs(const std::filesystem::path& path);
/// Options of a SkyPilot catalog import.
struct SkypilotImportOptions {
  std::string provider;  ///< "" -> inferred from the path (infer_skypilot_provider)
  std::string source;    ///< "" -> "SkyPilot catalog <file name>"
  std::string as_of;     ///< "" -> the file's modification date (UTC, YYYY-MM-DD)
};

/// Counts of what an import read, skipped and merged, for the importer's summary.
struct SkypilotImportSummary {
  std::size_t rows_read = 0;
  std::size_t cpu_rows = 0;              ///< no AcceleratorName or a count of 0: skipped
  std::size_t gpu_only_rows = 0;         ///< no InstanceType and no GCP host to pair with: skipped
  std::size_t gcp_host_rows_paired = 0;  ///< GCP host VM rows priced with their GPU rows
  std::size_t unpriced_rows = 0;         ///< neither an on-demand nor a spot price: skipped
  std::size_t zone_rows_merged = 0;     ///< availability-zone rows folded into a (type, region) row
  std::size_t spot_equal_rows = 0;      ///< spot == on-demand, read as "no spot market"
  std::size_t spot_zero_rows = 0;       ///< spot 0.00, read as "no spot" (vast.ai)
  std::size_t on_demand_zero_rows = 0;  ///< on-demand 0.00, read as "not offered on demand"
  std::size_t offers = 0;
  std::vector<std::string> regions;  ///< distinct, sorted
  /// Unmapped GPU names: "name (reason; N offers, e.g. instance)".
  std::vector<std::string> unmapped;
};

struct SkypilotImport {
  std::vector<PriceQuote> quotes;  ///< sorted by (instance type, region)
  SkypilotImportSummary summary;
};

/// Reads one SkyPilot catalog vms.csv as published (columns by header name, any of the
/// header variants in data/README.md) and aggregates availability-zone rows per (instance
/// type, region): the minimum on-demand and the minimum spot price over the region's zones
/// (each minimum may come from a different zone; notes say how many rows were merged). GCP
/// lists GPU host VMs (a2/a3/a4 families, g2-standard) without their GPUs and the GPUs as rows
/// without an InstanceType: a host's price is its row plus the same zone's GPU row. Quirks
/// (data/README.md): CPU rows and unpaired GPU-only rows skipped; AcceleratorCount "8.0" or
/// fractional; empty prices = not offered; spot 0.00 and spot == on-demand = no spot; float noise
/// rounded to 10 significant digits; GpuInfo read only for the per-GPU memory hint
/// ('TotalGpuMemoryInMiB'; 0 = unknown); GPU names resolved with resolve_offer_model, unmapped
/// ones kept with model_key "" and listed in the summary. Throws InputError (file:line:column)
/// on a missing column, a non-numeric or negative price or count, rows of one (type, region)
/// that disagree on the GPU, or an unparseable file.
SkypilotImport import_skypilot_catalog(const std::filesystem::path& path,
                                       const AliasTable& aliases,
                                       const SkypilotImportOptions& options);

/// import_skypilot_catalog with the provider inferred from the path; quotes only.
std::vector<PriceQuote> import_skypilot(const std::filesystem::path& path,
                                        const AliasTable& aliases,
                                        const std::string& source,
                                        const std::string& as_of);

/// The cloud name of a catalog path: ".../<cloud>/vms.csv" or "<cloud>_vms.csv" /
/// "<cloud>-vms.csv"; lower-case [a-z0-9_-]. Throws InputError when it cannot tell.
std::string infer_skypilot_provider(const std::filesystem::path& path);

/// The bundled data folder: $GPUBENCH_DATA_DIR, else the source tree's data/ (compiled in).
std::filesystem::path bundled_data_dir();

}  // namespace gpb
