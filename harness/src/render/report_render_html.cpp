// SPDX-License-Identifier: Apache-2.0
// Value report as HTML: one self-contained page (inline CSS and SVG, CSP meta, no script, no
// external resource, no "http" anywhere). Every tag and attribute below is a literal of this
// file; input-derived text lands only in text nodes, through h() (IN-5, IN-8).
#include <gpb/common/text.hpp>
#include <gpb/render/report_text.hpp>
#include <gpb/value/report.hpp>

#include <algorithm>
#include <cmath>
#include <ostream>

#include "report_render_internal.hpp"

namespace gpb {
namespace {

std::string h(const std::string& s) {
  return html_escape(s);
}

/// Cuts text to at most `max_bytes` on a UTF-8 boundary, marking the cut.
std::string cut(const std::string& s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) {
    return s;
  }
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0u) == 0x80u) {
    --n;
  }
  return s.substr(0, n) + "...";
}

void html_table(std::ostream& out, const TextTable& t) {
  out << "<table><thead><tr>";
  for (const auto& c : t.header) {
    out << "<th>" << h(c) << "</th>";
  }
  out << "</tr></thead><tbody>\n";
  for (const auto& row : t.rows) {
    out << "<tr>";
    for (const auto& c : row) {
      out << "<td>" << h(c) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody></table>\n";
}

constexpr const char* kCss =
    "body{font-family:system-ui,sans-serif;margin:24px;color:#1b1f24;background:#fff}"
    "h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccd}"
    "table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}"
    "th,td{border:1px solid #ccd;padding:3px 6px;text-align:left;vertical-align:top}"
    "th{background:#eef1f6}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "p.note{color:#555}svg{display:block;margin:8px 0 20px}"
    ".bar{fill:#3b6fb6}.rng{stroke:#1b1f24;stroke-width:1.5}.med{stroke:#d9822b;stroke-width:3}"
    ".lbl{font-size:12px;fill:#1b1f24}.val{font-size:12px;fill:#1b1f24}"
    ".ttl{font-size:13px;font-weight:600;fill:#1b1f24}"
    ".warn li{color:#8a4b00}";

/// One horizontal bar chart per metric: a bar to the best offer's value per dollar, a line
/// from the worst to the best, a tick at the median. Geometry is computed from finite numbers.
void html_chart(std::ostream& out, const ValueReport& r, ValueMetric metric) {
  std::vector<const ValueSpread*> rows;
  for (const auto& s : r.spreads) {
    if (s.metric == metric) {
      rows.push_back(&s);
    }
  }
  if (rows.empty()) {
    return;
  }
  double top = 0;
  for (const auto* s : rows) {
    top = std::max(top, s->best);
  }
  if (!(top > 0) || !std::isfinite(top)) {
    return;
  }
  const auto& i = info(metric);
  const int label_w = 260, bar_w = 420, row_h = 26, head_h = 24;
  const int width = label_w + bar_w + 110;
  const int height = head_h + row_h * static_cast<int>(rows.size()) + 8;
  const auto x_of = [&](double v) { return format_fixed(label_w + bar_w * (v / top), 1); };
  out << "<svg width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << ' '
      << height << "\" role=\"img\">\n";
  out << "<title>" << h(std::string(i.label) + ": " + i.value_unit + " by machine") << "</title>\n";
  out << "<text class=\"ttl\" x=\"0\" y=\"16\">"
      << h(std::string(i.label) + ", " + i.value_unit +
           " (bar: best offer; line: worst to best; tick: median)")
      << "</text>\n";
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const ValueSpread& s = *rows[k];
    const Machine& m = r.machines[s.machine];
    const int y = head_h + row_h * static_cast<int>(k);
    const std::string yb = std::to_string(y + 4), ym = std::to_string(y + 13),
                      yt = std::to_string(y + 17);
    out << "<text class=\"lbl\" x=\"0\" y=\"" << yt << "\">" << h(cut(m.id + " " + m.gpu_name, 40))
        << "</text>\n";
    out << "<rect class=\"bar\" x=\"" << label_w << "\" y=\"" << yb << "\" width=\""
        << format_fixed(bar_w * (s.best / top), 1) << "\" height=\"18\"></rect>\n";
    out << "<line class=\"rng\" x1=\"" << x_of(s.worst) << "\" y1=\"" << ym << "\" x2=\""
        << x_of(s.best) << "\" y2=\"" << ym << "\"></line>\n";
    out << "<line class=\"med\" x1=\"" << x_of(s.median) << "\" y1=\"" << yb << "\" x2=\""
        << x_of(s.median) << "\" y2=\"" << std::to_string(y + 22) << "\"></line>\n";
    out << "<text class=\"val\" x=\"" << (label_w + bar_w + 6) << "\" y=\"" << yt << "\">"
        << h(format_human(s.best)) << "</text>\n";
  }
  out << "</svg>\n";
}

/// A section holding one table, or the paragraph `none` when the table has no rows.
void html_table_section(std::ostream& out,
                        const char* title,
                        const TextTable& t,
                        const char* none) {
  out << "<h2>" << title << "</h2>\n";
  if (t.rows.empty()) {
    out << "<p>" << none << "</p>\n";
  } else {
    html_table(out, t);
  }
}

/// A list opened by the literal tag `ul` ("<ul>" or "<ul class=...>").
void html_list(std::ostream& out, const char* ul, const std::vector<std::string>& items) {
  out << ul << "\n";
  for (const auto& x : items) {
    out << "<li>" << h(x) << "</li>\n";
  }
  out << "</ul>\n";
}

/// One chart per metric that some machine has a value per dollar for.
void html_value_charts(const ValueReport& r, std::ostream& out) {
  out << "<h2>Value per dollar</h2>\n";
  bool any_chart = false;
  for (const auto& mi : value_metrics()) {
    const bool has = std::any_of(r.spreads.begin(), r.spreads.end(), [&](const ValueSpread& s) {
      return s.metric == mi.metric;
    });
    if (has) {
      html_chart(out, r, mi.metric);
      any_chart = true;
    }
  }
  if (!any_chart) {
    out << "<p>No machine could be priced: value per dollar is n/a (see Warnings).</p>\n";
  }
}

/// The machines table, then what each machine measured.
void html_machines(const ValueReport& r, std::ostream& out) {
  out << "<h2>Machines</h2>\n";
  html_table(out, machines_table(r));
  for (const auto& m : r.machines) {
    out << "<h3>" << h(m.id + " measured (" + m.gpu_name + ")") << "</h3>\n";
    if (m.metrics.empty()) {
      out << "<p>No eligible case gives a headline metric.</p>\n";
      continue;
    }
    html_table(out, measured_table(m));
    if (const auto missing = missing_metrics(m); !missing.empty()) {
      out << "<p class=\"note\">Not measured: " << h(join(missing, ", ")) << ".</p>\n";
    }
  }
}

/// Per machine: value per dollar over its offers, then the offers ranked.
void html_offers(const ValueReport& r, std::ostream& out) {
  out << "<h2>Offers</h2>\n";
  for (std::size_t mi = 0; mi < r.machines.size(); ++mi) {
    const Machine& m = r.machines[mi];
    const std::size_t n = offer_count(r, mi);
    out << "<h3>"
        << h(m.id + ": " + m.gpu_name + " (" + (m.model_key.empty() ? "unmapped" : m.model_key) +
             "), " + std::to_string(n) + (n == 1 ? " offer" : " offers"))
        << "</h3>\n";
    if (n == 0) {
      out << "<p>Value per dollar: n/a (" << h(m.unpriced_reason) << ").</p>\n";
      continue;
    }
    html_table(out, value_table(r, mi));
    html_table(out, offers_table(r, mi));
  }
}

/// Every peer matrix: a table per case and file, its links and why pairs have no number.
void html_peer_matrices(const ValueReport& r, std::ostream& out) {
  out << "<h2>Peer matrices</h2>\n<p>" << h(kPeerMatricesIntro) << "</p>\n";
  for (const auto& s : r.peer_matrices) {
    out << "<h3>" << h(peer_matrix_title(s)) << "</h3>\n";
    html_table(out, peer_matrix_table(s.matrix));
    if (const auto links = peer_link_lines(s.matrix); !links.empty()) {
      out << "<p class=\"note\">Links: " << h(join(links, "; ")) << ".</p>\n";
    }
    if (const auto reasons = peer_reason_lines(s.matrix); !reasons.empty()) {
      html_list(out, "<ul>", reasons);
    }
  }
}

}  // namespace

void render_report_html(const ValueReport& r, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; img-src data:\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>gpubench value report</title>\n<style>"
      << kCss << "</style>\n</head>\n<body>\n";
  out << "<h1>gpubench value report</h1>\n";
  out << "<p>Pricing: " << h(basis_words(r.basis)) << ", USD per GPU-hour. Noisy cases: "
      << (r.include_noisy ? "included, marked (noisy)" : "excluded") << ".</p>\n";

  html_value_charts(r, out);

  out << "<h2>Inputs</h2>\n";
  html_table(out, inputs_table(r));
  out << "<p>Price tables: "
      << (r.price_files.empty() ? std::string("none") : h(join(r.price_files, ", "))) << "</p>\n";

  html_machines(r, out);
  html_offers(r, out);

  if (r.basis == PricingBasis::owned) {
    out << "<h2>TCO breakdown (USD per GPU-hour)</h2>\n";
    html_table(out, tco_table(r));
  }
  if (!r.peer_matrices.empty()) {
    html_peer_matrices(r, out);
  }

  html_table_section(out, "Exclusions", exclusions_table(r), "None: every case is eligible.");
  html_table_section(out, "Price sources", price_sources_table(r), "None used.");
  out << "<h2>Assumptions</h2>\n";
  html_list(out, "<ul>", r.assumptions);
  if (!r.warnings.empty()) {
    out << "<h2>Warnings</h2>\n";
    html_list(out, "<ul class=\"warn\">", r.warnings);
  }
  out << "</body>\n</html>\n";
}

}  // namespace gpb
