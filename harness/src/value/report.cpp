// SPDX-License-Identifier: Apache-2.0
// Value report: picks each machine's headline numbers from valid cases (DI-6), prices them per
// GPU-hour against every offer of the machine's canonical model (METHODOLOGY §2.6, DI-8) and
// keeps the origin of every number (case + file, price source + as-of + file:line).
// build_value_report runs the steps in report_machines.cpp and report_offers.cpp in order.
#include <gpb/common/csv.hpp>
#include <gpb/common/parallel.hpp>
#include <gpb/common/text.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/value/report.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <exception>
#include <set>
#include <stdexcept>
#include <utility>

#include "report_internal.hpp"

namespace gpb {
namespace {

using report_detail::PriceTable;
using report_detail::usable;

std::string list_some(const std::set<std::string>& names, std::size_t max_items) {
  std::vector<std::string> v;
  for (const auto& n : names) {
    if (v.size() == max_items) {
      v.push_back("... (" + std::to_string(names.size() - max_items) + " more)");
      break;
    }
    v.push_back(n);
  }
  return join(v, ", ");
}

/// What the numbers assume, in words, for the pricing basis and the options used.
std::vector<std::string> value_assumptions(PricingBasis basis,
                                           bool include_noisy,
                                           bool tdp_used,
                                           bool any_burst) {
  std::vector<std::string> a;
  a.push_back("Only cases with status valid enter the report" +
              std::string(include_noisy ? "; noisy cases too (--include-noisy), marked (noisy)"
                                        : "; noisy cases are excluded unless --include-noisy") +
              ". Every other case is listed under Exclusions.");
  if (basis == PricingBasis::owned) {
    a.push_back(
        "Owned hardware: capex per hour = price x CRF / (8760 x availability), "
        "CRF = r(1+r)^N / ((1+r)^N - 1) (1/N when r = 0); power per hour = kW x PUE x USD/kWh; "
        "USD per GPU-hour = (capex + power + opex) per hour / utilization / GPUs.");
    a.push_back(
        "No result file carries measured power yet: power is the owned-cost row's own figure "
        "or, where it has none, the spec-sheet TDP x GPUs (data/specs/gpu_specs.csv)." +
        std::string(tdp_used ? " TDP counts the GPU boards only (no CPUs, memory, fans or "
                               "network), so those rows understate power cost."
                             : ""));
  } else {
    a.push_back(std::string("Prices are ") + (basis == PricingBasis::spot ? "spot" : "on-demand") +
                " list prices in USD as of the date shown per offer; no discounts, reservations, "
                "storage, egress or taxes.");
    if (basis == PricingBasis::spot) {
      a.push_back("Spot prices change often and spot instances can be pre-empted.");
    }
    a.push_back(
        "USD per GPU-hour = instance USD per hour / GPUs per instance; the "
        "GPU count may be fractional.");
  }
  a.push_back(
      "Value per dollar = measured rate x 3600 s / USD per GPU-hour: TFLOP/$ from TFLOP/s, TB/$ "
      "from GB/s (1 TB = 1000 GB); GiB per $/h = GPU memory in GiB / USD per GPU-hour. Per-GPU "
      "metrics divide by the price of one GPU-hour.");
  a.push_back(
      "GEMM: per dtype, the best eligible case (any shape) by its sustained rate (metric "
      "throughput_sustained); where no case of a dtype has one, the burst headline, marked burst.");
  a.push_back(
      "HBM: the best eligible stream/hbm triad f32 case (headline, from the median time). "
      "H2D/D2H: the best eligible pinned host-to-device / device-to-host copy. all_reduce: busbw "
      "of the best eligible "
      "case, priced only against offers with the GPU count it ran on.");
  a.push_back(
      "One measured GPU prices every offer of its canonical model (alias table), assuming other "
      "hosts of that model perform alike; host CPU, PCIe, clocks and cooling can differ.");
  a.push_back(
      "For one machine every value per dollar ranks the offers the same way: cheapest USD per "
      "GPU-hour first. A missing price is n/a, never 0.");
  if (any_burst) {
    a.push_back("Burst GEMM rates are short-window peaks and overstate what a long job sustains.");
  }
  return a;
}

/// Warnings about the price rows left out of `prices`.
void warn_prices_left_out(const PriceTable& prices,
                          PricingBasis basis,
                          std::vector<std::string>& warnings) {
  if (!prices.unmapped_gpu_names.empty()) {
    warnings.push_back(std::to_string(prices.unmapped_gpu_names.size()) +
                       " GPU name(s) in the price tables are not in the alias table; their "
                       "offers are left out: " +
                       list_some(prices.unmapped_gpu_names, 20));
  }
  if (!prices.non_usd.empty()) {
    warnings.push_back(
        std::to_string(prices.non_usd.size()) +
        " price row(s) not in USD left out (no currency conversion): " +
        list_some(std::set<std::string>(prices.non_usd.begin(), prices.non_usd.end()), 5));
  }
  if (!prices.bad_price.empty()) {
    warnings.push_back(
        std::to_string(prices.bad_price.size()) +
        " price row(s) with a price or GPU count that is not finite and > 0 "
        "left out: " +
        list_some(std::set<std::string>(prices.bad_price.begin(), prices.bad_price.end()), 5));
  }
  if (prices.without_basis > 0) {
    warnings.push_back(std::to_string(prices.without_basis) + " price row(s) have no " +
                       to_string(basis) + " price and are left out");
  }
}

/// The machine a matrix of `rf` belongs to: the one holding this file and the GPU of the
/// matrix's first ordinal (machines are per GPU name), else the first holding this file.
void attach_machine(const ResultFile& rf, const ValueReport& rep, PeerMatrixSection& s) {
  for (const auto& g : rf.record.gpus) {
    if (!s.matrix.devices.empty() && g.ordinal == s.matrix.devices.front()) {
      s.gpu_name = g.name;
    }
  }
  const Machine* first = nullptr;  // the first machine holding this file
  const Machine* same = nullptr;   // ... whose GPU is the matrix's first
  for (const auto& m : rep.machines) {
    if (std::find(m.files.begin(), m.files.end(), rf.path) == m.files.end()) {
      continue;
    }
    first = first != nullptr ? first : &m;
    if (same == nullptr && !s.gpu_name.empty() && m.gpu_name == s.gpu_name) {
      same = &m;
    }
  }
  const Machine* chosen = same != nullptr ? same : first;
  if (chosen != nullptr) {
    s.machine = chosen->id;
    if (s.gpu_name.empty()) {
      s.gpu_name = chosen->gpu_name;
    }
  }
}

/// Every ordered-pair case of every file, whatever its status, as matrices (after machines).
void add_peer_matrices(const std::vector<ResultFile>& runs, ValueReport& rep) {
  for (const auto& rf : runs) {
    for (auto& m : peer_matrices(rf.record.results)) {
      PeerMatrixSection s;
      s.file = rf.path;
      s.matrix = std::move(m);
      attach_machine(rf, rep, s);
      rep.peer_matrices.push_back(std::move(s));
    }
  }
}

}  // namespace

const char* to_string(PricingBasis basis) noexcept {
  switch (basis) {
    case PricingBasis::spot:
      return "spot";
    case PricingBasis::owned:
      return "owned";
    case PricingBasis::on_demand:
      break;
  }
  return "on_demand";
}

const std::vector<ValueMetricInfo>& value_metrics() {
  static const std::vector<ValueMetricInfo> kMetrics{
      {ValueMetric::gemm_bf16, "gemm_bf16", "BF16 dense GEMM", "TFLOP/s", "TFLOP/$", 3600},
      {ValueMetric::gemm_fp8, "gemm_fp8", "FP8 dense GEMM", "TFLOP/s", "TFLOP/$", 3600},
      {ValueMetric::gemm_tf32, "gemm_tf32", "TF32 dense GEMM", "TFLOP/s", "TFLOP/$", 3600},
      {ValueMetric::gemm_fp32, "gemm_fp32", "FP32 dense GEMM", "TFLOP/s", "TFLOP/$", 3600},
      {ValueMetric::gemm_fp64, "gemm_fp64", "FP64 dense GEMM", "TFLOP/s", "TFLOP/$", 3600},
      {ValueMetric::hbm_triad, "hbm_triad", "HBM triad (f32)", "GB/s", "TB/$", 3.6},
      {ValueMetric::h2d, "h2d", "Host to device copy", "GB/s", "TB/$", 3.6},
      {ValueMetric::d2h, "d2h", "Device to host copy", "GB/s", "TB/$", 3.6},
      {ValueMetric::all_reduce_busbw, "all_reduce_busbw", "all_reduce busbw", "GB/s", "TB/$", 3.6},
      {ValueMetric::memory, "memory", "GPU memory", "GiB", "GiB per $/h", 1},
  };
  return kMetrics;
}

const ValueMetricInfo& info(ValueMetric m) {
  for (const auto& i : value_metrics()) {
    if (i.metric == m) {
      return i;
    }
  }
  throw std::logic_error("unknown value metric");
}

std::vector<ResultFile> load_result_files(const std::vector<std::string>& paths, unsigned workers) {
  std::vector<ResultFile> runs(paths.size());
  std::vector<std::exception_ptr> errors(paths.size());
  // Parsing dominates a large report (1,000 files ~ 110 MB of JSON): one slice per core.
  parallel_for(paths.size(), workers, [&](std::uint64_t begin, std::uint64_t end, unsigned) {
    for (std::uint64_t i = begin; i < end; ++i) {
      try {
        runs[i] = {paths[i], load_run(paths[i]), check_integrity(paths[i])};
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  });
  for (const auto& e : errors) {
    if (e) {
      std::rethrow_exception(e);
    }
  }
  return runs;
}

std::vector<GpuTdp> load_gpu_tdp(const std::filesystem::path& path, const AliasTable& aliases) {
  const CsvTable t = read_csv_file(path.string());
  const auto need = [&](const char* name) {
    const auto col = t.column(name);
    if (!col) {
      throw InputError(t.origin + ": missing column '" + name + "'");
    }
    return *col;
  };
  const std::size_t c_model = need("gpu_model");
  const std::size_t c_tdp = need("tdp_watts");
  const std::size_t c_source = need("source");
  const std::size_t c_as_of = need("as_of");
  std::vector<GpuTdp> out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    const std::string& text = row[c_tdp];
    double w = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), w);
    if (res.ec != std::errc() || res.ptr != text.data() + text.size() || !usable(w)) {
      continue;  // a range or a note: no single figure to price power with
    }
    // The alias table names each model's spec row (GpuModel::spec_model); a spec row may
    // serve several models (PCIe and SXM of one name are separate rows, so rarely).
    std::vector<std::string> keys;
    for (const auto& m : aliases.models) {
      if (!m.spec_model.empty() && m.spec_model == row[c_model]) {
        keys.push_back(m.key);
      }
    }
    for (const auto& key : keys) {
      GpuTdp g;
      g.model_key = key;
      g.spec_name = row[c_model];
      g.tdp_w = w;
      g.source = row[c_source];
      g.as_of = row[c_as_of];
      g.origin = t.origin + ":" + std::to_string(t.row_lines[r]);
      out.push_back(std::move(g));
    }
  }
  return out;
}

ValueReport build_value_report(const std::vector<ResultFile>& runs,
                               const std::vector<PriceQuote>& quotes,
                               const AliasTable& aliases,
                               const std::vector<OwnedCost>& owned,
                               const std::vector<GpuTdp>& tdp,
                               const ReportOptions& options) {
  ValueReport rep;
  rep.basis = options.basis;
  rep.include_noisy = options.include_noisy;
  rep.price_files = options.price_files;
  // Measurements to machines, the offers of each canonical model, each machine's offers ranked
  // with value per dollar; then what the numbers assume and which price rows were left out.
  const bool any_burst = report_detail::add_measured_machines(runs, aliases, options, rep);
  add_peer_matrices(runs, rep);
  const PriceTable prices = options.basis == PricingBasis::owned
                                ? report_detail::owned_offers(owned, tdp, rep.warnings)
                                : report_detail::cloud_offers(quotes, aliases, options.basis);
  const bool tdp_used = report_detail::rank_offers(prices, options.basis, rep);
  rep.assumptions = value_assumptions(options.basis, options.include_noisy, tdp_used, any_burst);
  warn_prices_left_out(prices, options.basis, rep.warnings);
  return rep;
}

}  // namespace gpb
