// SPDX-License-Identifier: Apache-2.0
// Value report as CSV: one long table whose `record` column says what a row is (value |
// unpriced | exclusion | peer | assumption | warning); every cell through csv_cell (formula
// guard, IN-3). The peer columns come last, and only when the report has peer matrices.
#include <gpb/common/csv.hpp>
#include <gpb/common/text.hpp>
#include <gpb/render/peer_matrix.hpp>
#include <gpb/render/report_text.hpp>
#include <gpb/value/report.hpp>

#include <algorithm>
#include <ostream>
#include <stdexcept>

namespace gpb {
namespace {

using Cells = std::vector<std::string>;

/// Every column. A report without peer matrices writes the first base_columns() only: the
/// header it always had.
const Cells& csv_header() {
  static const Cells kHeader{"record",        "machine",      "gpu_name",
                             "model",         "metric",       "unit",
                             "measured",      "kind",         "status",
                             "case",          "result_file",  "provider",
                             "instance_type", "region",       "gpus_per_instance",
                             "basis",         "usd_per_hour", "usd_per_gpu_hour",
                             "value_per_usd", "value_unit",   "rank",
                             "price_as_of",   "price_source", "price_origin",
                             "note",          "matrix",       "src",
                             "dst",           "pct_of_peak",  "link",
                             "link_warnings"};
  return kHeader;
}

Cells blank() {
  return Cells(csv_header().size());
}

/// The index of a column by its name; a name not in the header is a bug here, never data.
std::size_t col(const char* name) {
  const Cells& h = csv_header();
  const auto it = std::find(h.begin(), h.end(), name);
  if (it == h.end()) {
    throw std::logic_error(std::string("csv report: no column named ") + name);
  }
  return static_cast<std::size_t>(it - h.begin());
}

/// The columns a report without peer matrices writes: "record" to "note", the header it always
/// had.
std::size_t base_columns() {
  return col("note") + 1;
}

/// Where rows go, and how many of their columns are written.
struct CsvOut {
  std::ostream& out;
  std::size_t columns;
};

void csv_row(const CsvOut& out, const Cells& cells) {
  for (std::size_t i = 0; i < out.columns && i < cells.size(); ++i) {
    out.out << (i ? "," : "") << csv_cell(cells[i]);
  }
  out.out << '\n';
}

/// The columns that say which machine measured what, from which case and file.
void measured_cells(Cells& c, const Machine& m, const MeasuredMetric& x) {
  c[col("machine")] = m.id;
  c[col("gpu_name")] = m.gpu_name;
  c[col("model")] = m.model_key;
  c[col("metric")] = info(x.metric).id;
  c[col("unit")] = info(x.metric).unit;
  c[col("measured")] = format_exact(x.value);
  c[col("kind")] = x.kind;
  c[col("status")] = x.noisy ? "noisy" : (x.case_name.empty() ? "" : "valid");
  c[col("case")] = x.case_name;
  c[col("result_file")] = x.file;
  c[col("value_unit")] = info(x.metric).value_unit;
}

/// One row per metric of every ranked offer.
void value_rows(const ValueReport& r, const CsvOut& out) {
  for (const auto& o : r.offers) {
    const Machine& m = r.machines[o.machine];
    for (std::size_t k = 0; k < o.values.size(); ++k) {
      auto c = blank();
      c[col("record")] = "value";
      measured_cells(c, m, m.metrics[k]);
      c[col("provider")] = o.offer.provider;
      c[col("instance_type")] = o.offer.instance_type;
      c[col("region")] = o.offer.region;
      c[col("gpus_per_instance")] = format_exact(o.offer.gpus_per_instance);
      c[col("basis")] = o.offer.basis;
      c[col("usd_per_hour")] = o.offer.usd_per_hour ? format_exact(*o.offer.usd_per_hour) : "";
      c[col("usd_per_gpu_hour")] = format_exact(o.offer.usd_per_gpu_hour);
      c[col("value_per_usd")] =
          o.values[k].value_per_usd ? format_exact(*o.values[k].value_per_usd) : "n/a";
      c[col("rank")] = std::to_string(o.rank);
      c[col("price_as_of")] = o.offer.as_of;
      c[col("price_source")] = o.offer.source;
      c[col("price_origin")] = o.offer.origin;
      c[col("note")] = o.values[k].reason.empty() ? o.offer.power_basis : o.values[k].reason;
      csv_row(out, c);
    }
  }
}

/// One row per metric of every machine no offer prices.
void unpriced_rows(const ValueReport& r, const CsvOut& out) {
  for (const auto& m : r.machines) {
    if (m.unpriced_reason.empty()) {
      continue;
    }
    for (const auto& x : m.metrics) {
      auto c = blank();
      c[col("record")] = "unpriced";
      measured_cells(c, m, x);
      c[col("basis")] = to_string(r.basis);
      c[col("value_per_usd")] = "n/a";
      c[col("note")] = m.unpriced_reason;
      csv_row(out, c);
    }
  }
}

void exclusion_rows(const ValueReport& r, const CsvOut& out) {
  for (const auto& x : r.exclusions) {
    auto c = blank();
    c[col("record")] = "exclusion";
    c[col("status")] = to_string(x.ref.status);
    c[col("case")] = x.ref.case_name;
    c[col("result_file")] = x.ref.file;
    c[col("note")] = x.reason;
    csv_row(out, c);
  }
}

/// One row per line of text, e.g. record "assumption" or "warning".
void note_rows(const char* record, const std::vector<std::string>& notes, const CsvOut& out) {
  for (const auto& n : notes) {
    auto c = blank();
    c[col("record")] = record;
    c[col("note")] = n;
    csv_row(out, c);
  }
}

/// One row per off-diagonal pair of every peer matrix; a hole has no status and says so.
void peer_rows(const ValueReport& r, const CsvOut& out) {
  for (const auto& s : r.peer_matrices) {
    const PeerMatrix& m = s.matrix;
    for (std::size_t row = 0; row < m.devices.size(); ++row) {
      for (std::size_t dst = 0; dst < m.devices.size(); ++dst) {
        if (row == dst) {
          continue;
        }
        const PeerCell& p = m.cells[row][dst];
        auto c = blank();
        c[col("record")] = "peer";
        c[col("machine")] = s.machine;
        c[col("gpu_name")] = s.gpu_name;
        c[col("unit")] = m.unit;
        c[col("result_file")] = s.file;
        c[col("matrix")] = m.key;
        c[col("src")] = std::to_string(m.devices[row]);
        c[col("dst")] = std::to_string(m.devices[dst]);
        if (!p.present) {
          c[col("note")] = "no result for this pair";
          csv_row(out, c);
          continue;
        }
        c[col("status")] = to_string(p.status);
        c[col("case")] = p.case_name;
        c[col("measured")] = p.value ? format_exact(*p.value) : "";
        c[col("pct_of_peak")] = p.fraction ? format_fixed(*p.fraction * 100.0, 1) : "";
        c[col("link")] = p.link;
        c[col("link_warnings")] = join(p.link_warnings, "; ");
        std::string note = p.reason;
        if (!p.message.empty()) {
          note += note.empty() ? p.message : ": " + p.message;
        }
        c[col("note")] = note;
        csv_row(out, c);
      }
    }
  }
}

}  // namespace

void render_report_csv(const ValueReport& r, std::ostream& stream) {
  const CsvOut out{stream, r.peer_matrices.empty() ? base_columns() : csv_header().size()};
  csv_row(out, csv_header());
  value_rows(r, out);
  unpriced_rows(r, out);
  exclusion_rows(r, out);
  peer_rows(r, out);
  note_rows("assumption", r.assumptions, out);
  note_rows("warning", r.warnings, out);
}

}  // namespace gpb
