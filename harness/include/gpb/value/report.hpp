// SPDX-License-Identifier: Apache-2.0
// Value report (METHODOLOGY §2.6, DI-6, DI-8, IN-5, IN-8): joins valid measurements with dated,
// sourced prices per GPU-hour, ranks every priced offer of each measured GPU model, and renders
// md, csv, json or html through free functions in a std::map. Every number keeps its origin:
// case name and result file for a measurement, source, as-of date and file:line for a price.
#pragma once

#include <gpb/render/peer_matrix.hpp>
#include <gpb/result/schema.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/result/status.hpp>
#include <gpb/value/prices.hpp>

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace gpb {

/// One loaded result file and the name it is shown under (as the user typed it).
struct ResultFile {
  std::string path;
  RunRecord record;
  IntegrityCheck integrity;  ///< against its sidecar, when it has one (DI-5)
};

/// Loads result files with load_run (strict, IN-2), in parallel on `workers` threads (0 = every
/// hardware thread); order is kept. When files fail, the first failing one in argument order
/// throws its InputError (which names the file), so the message does not depend on timing.
std::vector<ResultFile> load_result_files(const std::vector<std::string>& paths,
                                          unsigned workers = 0);

/// Board power of a GPU model for TCO when no measured power exists (data/specs/gpu_specs.csv).
struct GpuTdp {
  std::string model_key;  ///< canonical model (alias table)
  std::string spec_name;  ///< the spec table's own name, e.g. "H200 SXM"
  double tdp_w = 0;
  std::string source, as_of, origin;  ///< origin = "file:line"
};

/// Reads `tdp_watts` per model from a gpu_specs.csv-format file (columns gpu_model, tdp_watts,
/// source, as_of). A row serves every alias-table model whose `spec_model` names it; rows no
/// model names, or whose TDP is not one positive number ("450-1000 (...)"), are left out (TCO
/// power is then n/a for that model, with a warning). Throws InputError on a malformed file or
/// a missing column.
std::vector<GpuTdp> load_gpu_tdp(const std::filesystem::path& path, const AliasTable& aliases);

struct ReportOptions {
  PricingBasis basis = PricingBasis::on_demand;
  bool include_noisy = false;  ///< DI-6: noisy cases join the report, marked
  /// Names of the price tables read, shown under "Inputs" (display only).
  std::vector<std::string> price_files;
};

/// The headline metrics a report prices, in display order.
enum class ValueMetric {
  gemm_bf16,
  gemm_fp8,
  gemm_tf32,
  gemm_fp32,
  gemm_fp64,
  hbm_triad,
  h2d,
  d2h,
  all_reduce_busbw,
  memory,
};

/// Static facts of a metric: ids, labels and units.
struct ValueMetricInfo {
  ValueMetric metric;
  const char* id;          ///< stable key in csv/json, e.g. "gemm_bf16"
  const char* label;       ///< "BF16 dense GEMM"
  const char* unit;        ///< unit of the measurement: "TFLOP/s" | "GB/s" | "GiB"
  const char* value_unit;  ///< unit of value per dollar: "TFLOP/$" | "TB/$" | "GiB per $/h"
  /// value per $ = measured * scale / usd_per_gpu_hour (3600 for TFLOP/s -> TFLOP/$, 3.6 for
  /// GB/s -> TB/$, 1 for GiB -> GiB per $/GPU-h; METHODOLOGY §2.6).
  double scale;
};
/// Every metric in display order.
const std::vector<ValueMetricInfo>& value_metrics();
const ValueMetricInfo& info(ValueMetric m);

/// A reference to one case of one file.
struct CaseRef {
  std::string file;
  std::string case_name;
  Status status = Status::unknown;
};

/// One measured headline number of a machine and where it comes from.
struct MeasuredMetric {
  ValueMetric metric = ValueMetric::gemm_bf16;
  double value = 0;       ///< in info(metric).unit
  std::string kind;       ///< "sustained" | "burst" | "median" | "device property"
  bool noisy = false;     ///< from a noisy case (only with include_noisy)
  std::string case_name;  ///< "" for a device property
  std::string file;       ///< result file
  std::string field;      ///< "metrics.throughput_sustained", "headline", "gpus[0].memory_bytes"
  int gpus = 1;           ///< GPUs the number covers (all_reduce: ranks)
  std::string note;       ///< why this case (e.g. "best of 3 valid shapes")
};

/// A measured GPU model on one host: files sharing the same GPU name and GPU UUID set.
struct Machine {
  std::string id;         ///< "M1", "M2", ... in order of first appearance
  std::string gpu_name;   ///< as the result file reports it (CUDA device name)
  std::string model_key;  ///< canonical model; "" when the alias table does not map the name
  int gpu_count = 0;      ///< GPUs of this name in the run
  std::string driver;     ///< runtime.driver_version of the first file
  std::vector<std::string> files;
  std::vector<MeasuredMetric> metrics;  ///< in value_metrics() order, only those measured
  std::string unpriced_reason;          ///< non-empty when no offer prices this machine
};

/// One way to pay for a GPU-hour: a cloud offer, or owned hardware (TCO).
struct Offer {
  bool owned = false;
  std::string provider;       ///< cloud provider; for owned: "owned"
  std::string instance_type;  ///< cloud instance type; for owned: the system name
  std::string region;         ///< "" for owned
  double gpus_per_instance = 0;
  std::optional<double> usd_per_hour;  ///< whole instance (cloud only)
  double usd_per_gpu_hour = 0;         ///< > 0 and finite (DI-8)
  std::string basis;                   ///< "on_demand" | "spot" | "owned"
  std::string as_of, source, origin;
  // Owned only (METHODOLOGY §2.6):
  std::optional<OwnedCost> owned_inputs;
  std::optional<OwnedCostBreakdown> tco;
  std::optional<double> power_kw;  ///< system draw used for the power cost
  std::string power_basis;         ///< where power_kw comes from, in words
};

/// Value per dollar of one metric at one offer; nullopt (shown "n/a") with a reason.
struct ValueCell {
  ValueMetric metric = ValueMetric::gemm_bf16;
  std::optional<double> value_per_usd;
  std::string reason;
};

/// One priced offer of a measured machine, ranked within that machine.
struct RankedOffer {
  std::size_t machine = 0;  ///< index into ValueReport::machines
  int rank = 0;             ///< 1 = cheapest $/GPU-h = most of every metric per dollar
  Offer offer;
  std::vector<ValueCell> values;  ///< one per metric of the machine, same order
};

/// Spread of one metric's value per dollar across every offer of one machine.
struct ValueSpread {
  std::size_t machine = 0;
  ValueMetric metric = ValueMetric::gemm_bf16;
  std::size_t offers = 0;
  double best = 0, median = 0, worst = 0;  ///< value per dollar
  double usd_per_gpu_hour_min = 0, usd_per_gpu_hour_median = 0, usd_per_gpu_hour_max = 0;
  std::size_t providers = 0, regions = 0;
  std::string best_offer;  ///< "provider instance region"
};

/// A case that does not enter the report (DI-6).
struct Exclusion {
  CaseRef ref;
  std::string reason;
};

/// Distinct price sources used, with how many offers each priced.
struct PriceSource {
  std::string source, as_of;
  std::size_t offers = 0;
};

/// Facts about one input result file.
struct InputFile {
  std::string file;
  std::string schema_version;  ///< "1.0"
  std::string tool_version, git_sha;
  std::size_t cases = 0;
};

/// The peer matrix of one ordered-pair case in one result file (shown, never priced).
struct PeerMatrixSection {
  std::string machine;   ///< machine id ("M1") of the matrix's first GPU; "" when none
  std::string gpu_name;  ///< that GPU's name as the file reports it; "" when unknown
  std::string file;      ///< result file
  PeerMatrix matrix;
};

struct ValueReport {
  PricingBasis basis = PricingBasis::on_demand;
  bool include_noisy = false;
  std::vector<InputFile> inputs;
  std::vector<std::string> price_files;
  std::vector<Machine> machines;
  std::vector<RankedOffer> offers;  ///< grouped by machine, each group by rank
  std::vector<ValueSpread> spreads;
  /// Every ordered-pair case of every file, whatever its status, as matrices (file order, then
  /// order of first appearance in the file).
  std::vector<PeerMatrixSection> peer_matrices;
  std::vector<CaseRef> included;  ///< every case a number may come from (valid, noisy if asked)
  std::vector<Exclusion> exclusions;
  std::vector<PriceSource> price_sources;
  std::vector<std::string> assumptions;
  std::vector<std::string> warnings;
};

/// Builds the report. Joins only valid cases (noisy too with include_noisy, marked) with the
/// offers of each machine's canonical model: cloud quotes of the basis (on_demand / spot) or,
/// for owned, the owned-cost rows with power from the row, else TDP x GPUs (said so). Quotes that
/// are not USD, not finite or not > 0, or of unmapped GPU names are left out with a warning.
/// A machine without offers is listed with its reason; nothing is divided by zero (DI-8).
/// Every ordered-pair case, whatever its status, also goes into a peer matrix (not priced).
/// Deterministic: the same inputs give the same report.
ValueReport build_value_report(const std::vector<ResultFile>& runs,
                               const std::vector<PriceQuote>& quotes,
                               const AliasTable& aliases,
                               const std::vector<OwnedCost>& owned,
                               const std::vector<GpuTdp>& tdp,
                               const ReportOptions& options);

/// "on_demand" | "spot" | "owned".
const char* to_string(PricingBasis basis) noexcept;

/// A renderer writes the whole report to `out`. Throws std::invalid_argument when a number
/// about to be written is not finite (never happens for a report from build_value_report).
using ReportRenderer = void (*)(const ValueReport&, std::ostream&);

/// Markdown: the tables a person reads (terminal, README). Text from inputs is escaped for
/// Markdown tables and stripped of control characters. Renderers show the peer matrices only
/// when the report has some, so a report without pair cases reads exactly as before.
void render_report_markdown(const ValueReport& report, std::ostream& out);
/// CSV: one long table (a `record` column: value | unpriced | exclusion | peer | assumption |
/// warning); every cell through csv_cell (formula guard, IN-3). With peer matrices the header
/// gains the columns matrix, src, dst, pct_of_peak and link, and every off-diagonal pair is one
/// `peer` row (status empty and note "no result for this pair" for a hole).
void render_report_csv(const ValueReport& report, std::ostream& out);
/// JSON: strict (finite numbers only, missing values null with a *_reason sibling).
void render_report_json(const ValueReport& report, std::ostream& out);
/// HTML: one self-contained page (inline CSS and SVG, CSP meta, no script, no external
/// resource, no "http" anywhere); input-derived text only in text nodes, escaped (IN-5, IN-8).
void render_report_html(const ValueReport& report, std::ostream& out);

/// Renderers by --format name: "md", "csv", "json", "html".
const std::map<std::string, ReportRenderer>& report_renderers();

}  // namespace gpb
