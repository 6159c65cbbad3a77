// SPDX-License-Identifier: Apache-2.0
// Value report as Markdown: the tables a person reads (terminal, README). Text from inputs is
// escaped for Markdown tables and stripped of control characters (md_escape).
#include <gpb/common/text.hpp>
#include <gpb/render/report_text.hpp>
#include <gpb/value/report.hpp>

#include <ostream>

#include "report_render_internal.hpp"

namespace gpb {
namespace {

std::string e(const std::string& s) {
  return md_escape(s);
}

void md_table(std::ostream& out, const TextTable& t) {
  md_header(out, t.header);
  for (const auto& row : t.rows) {
    std::vector<std::string> cells;
    for (const auto& c : row) {
      cells.push_back(e(c));
    }
    md_row(out, cells);
  }
  out << '\n';
}

/// A section holding one table, or the line `none` when the table has no rows.
void md_table_section(std::ostream& out, const char* title, const TextTable& t, const char* none) {
  out << "## " << title << "\n\n";
  if (t.rows.empty()) {
    out << none << "\n\n";
  } else {
    md_table(out, t);
  }
}

void md_list(std::ostream& out, const std::vector<std::string>& items) {
  for (const auto& x : items) {
    out << "- " << e(x) << '\n';
  }
}

/// The machines table, then what each machine measured.
void md_machines(const ValueReport& r, std::ostream& out) {
  out << "## Machines\n\n";
  md_table(out, machines_table(r));
  for (const auto& m : r.machines) {
    out << "### " << e(m.id) << " measured (" << e(m.gpu_name) << ")\n\n";
    if (m.metrics.empty()) {
      out << "No eligible case gives a headline metric.\n\n";
      continue;
    }
    md_table(out, measured_table(m));
    if (const auto missing = missing_metrics(m); !missing.empty()) {
      out << "Not measured: " << e(join(missing, ", ")) << ".\n\n";
    }
  }
}

/// Per machine: value per dollar over its offers, then the offers ranked.
void md_value_per_dollar(const ValueReport& r, std::ostream& out) {
  out << "## Value per dollar\n\n";
  for (std::size_t mi = 0; mi < r.machines.size(); ++mi) {
    const Machine& m = r.machines[mi];
    const std::size_t n = offer_count(r, mi);
    out << "### " << e(m.id) << ": " << e(m.gpu_name) << " ("
        << (m.model_key.empty() ? "unmapped" : e(m.model_key)) << "), " << n << " offer"
        << (n == 1 ? "" : "s") << "\n\n";
    if (n == 0) {
      out << "Value per dollar: n/a (" << e(m.unpriced_reason) << ").\n\n";
      continue;
    }
    md_table(out, value_table(r, mi));
    out << "Offers, ranked (cheapest USD per GPU-hour first):\n\n";
    md_table(out, offers_table(r, mi));
  }
}

/// Every peer matrix: a table per case and file, its links and why pairs have no number.
void md_peer_matrices(const ValueReport& r, std::ostream& out) {
  out << "## Peer matrices\n\n" << kPeerMatricesIntro << "\n\n";
  for (const auto& s : r.peer_matrices) {
    out << "### " << e(peer_matrix_title(s)) << "\n\n";
    TextTable t = peer_matrix_table(s.matrix);
    for (auto& c : t.header) {
      c = e(c);  // md_table escapes the cells; the header is escaped here
    }
    md_table(out, t);
    if (const auto links = peer_link_lines(s.matrix); !links.empty()) {
      out << "Links: " << e(join(links, "; ")) << ".\n\n";
    }
    if (const auto reasons = peer_reason_lines(s.matrix); !reasons.empty()) {
      md_list(out, reasons);
      out << '\n';
    }
  }
}

}  // namespace

void render_report_markdown(const ValueReport& r, std::ostream& out) {
  out << "# gpubench value report\n\n";
  out << "Pricing: " << basis_words(r.basis) << ", USD per GPU-hour. Noisy cases: "
      << (r.include_noisy ? "included, marked (noisy)" : "excluded") << ".\n\n";

  out << "## Inputs\n\n";
  md_table(out, inputs_table(r));
  out << "Price tables: "
      << (r.price_files.empty() ? std::string("none") : e(join(r.price_files, ", "))) << "\n\n";

  md_machines(r, out);
  md_value_per_dollar(r, out);

  if (r.basis == PricingBasis::owned) {
    out << "## TCO breakdown (USD per GPU-hour)\n\n";
    md_table(out, tco_table(r));
  }
  if (!r.peer_matrices.empty()) {
    md_peer_matrices(r, out);
  }

  md_table_section(out, "Exclusions", exclusions_table(r), "None: every case is eligible.");
  md_table_section(out, "Price sources", price_sources_table(r), "None used.");
  out << "## Assumptions\n\n";
  md_list(out, r.assumptions);
  if (!r.warnings.empty()) {
    out << "\n## Warnings\n\n";
    md_list(out, r.warnings);
  }
}

}  // namespace gpb
