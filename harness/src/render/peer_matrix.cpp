// SPDX-License-Identifier: Apache-2.0
// The peer matrix view: instances named ".../gpus=A>B" (split_pair_name, the one parser of that
// segment) regrouped into one source x destination matrix per case, and its text for the run
// summary. The report renderers build their tables from the same cells and lines.
#include <gpb/common/text.hpp>
#include <gpb/measure/stats.hpp>
#include <gpb/render/peer_matrix.hpp>
#include <gpb/render/report_text.hpp>
#include <gpb/run/device_set.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

namespace gpb {
namespace {

using Pair = std::pair<int, int>;

/// The instances of one key, before they become a matrix.
struct Group {
  std::string key;
  std::set<int> ordinals;
  std::map<Pair, std::vector<const CaseResult*>> runs;  ///< per ordered pair, in result order
  std::vector<const CaseResult*> order;                 ///< every instance, in result order
};

std::optional<double> median_if_any(std::vector<double> v) {
  if (v.empty()) {
    return std::nullopt;
  }
  return median_of(std::move(v));
}

/// One cell from every run of its pair (see peer_matrices for the rules).
PeerCell make_cell(const std::vector<const CaseResult*>& runs, const std::string& unit) {
  PeerCell cell;
  cell.present = true;
  cell.runs = static_cast<int>(runs.size());
  cell.case_name = runs.front()->name;
  const auto has = [&](Status s) {
    return std::any_of(
        runs.begin(), runs.end(), [s](const CaseResult* r) { return r->status == s; });
  };
  cell.status = has(Status::valid)   ? Status::valid
                : has(Status::noisy) ? Status::noisy
                                     : runs.front()->status;
  std::vector<const CaseResult*> chosen;
  for (const CaseResult* r : runs) {
    if (r->status == cell.status) {
      chosen.push_back(r);
    }
  }
  if (cell.status != Status::valid && cell.status != Status::noisy) {
    chosen.resize(1);  // a failed pair shows its first run, as the table does
  }
  std::vector<double> values, fractions;
  for (const CaseResult* r : chosen) {
    if (r->headline && r->headline->unit == unit && std::isfinite(r->headline->value)) {
      values.push_back(r->headline->value);
    }
    if (r->peak.fraction && std::isfinite(*r->peak.fraction)) {
      fractions.push_back(*r->peak.fraction);
    }
    if (cell.link.empty()) {
      const auto it = r->notes.find("link");
      if (it != r->notes.end()) {
        cell.link = it->second;
      }
    }
    if (cell.link_warnings.empty()) {
      const auto it = r->notes.find("link_warnings");
      if (it != r->notes.end()) {
        std::istringstream lines(it->second);
        for (std::string w; std::getline(lines, w);) {
          if (!w.empty()) {
            cell.link_warnings.push_back(std::move(w));
          }
        }
      }
    }
  }
  cell.value = median_if_any(std::move(values));
  cell.fraction = median_if_any(std::move(fractions));
  if (cell.status != Status::valid) {
    const CaseResult& first = *chosen.front();
    cell.reason = first.reasons.empty() ? std::string() : first.reasons.front();
    cell.message = first.message;
  }
  return cell;
}

PeerMatrix make_matrix(const Group& g) {
  PeerMatrix m;
  m.key = g.key;
  m.devices.assign(g.ordinals.begin(), g.ordinals.end());  // std::set: sorted
  for (const CaseResult* r : g.order) {
    if (r->headline && std::isfinite(r->headline->value)) {
      m.unit = r->headline->unit;
      break;
    }
  }
  const std::size_t n = m.devices.size();
  m.cells.assign(n, std::vector<PeerCell>(n));
  for (std::size_t row = 0; row < n; ++row) {
    for (std::size_t col = 0; col < n; ++col) {
      const auto it = g.runs.find({m.devices[row], m.devices[col]});
      if (it != g.runs.end()) {
        m.cells[row][col] = make_cell(it->second, m.unit);
      }
    }
  }
  return m;
}

std::string pair_text(const PeerMatrix& m, std::size_t row, std::size_t col) {
  return std::to_string(m.devices[row]) + ">" + std::to_string(m.devices[col]);
}

std::string percent(double fraction) {
  return format_fixed(fraction * 100.0, 0) + "%";
}

/// A cell's number: "392.1", or "" when it has none.
std::string value_text(const PeerCell& c) {
  return c.value ? format_human(*c.value) : std::string();
}

std::string pad_left(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

}  // namespace

std::vector<PeerMatrix> peer_matrices(const std::vector<CaseResult>& results) {
  std::vector<Group> groups;
  std::map<std::string, std::size_t, std::less<>> index;
  for (const auto& r : results) {
    const auto pair = split_pair_name(r.name);
    if (!pair) {
      continue;
    }
    auto it = index.find(pair->key);
    if (it == index.end()) {
      groups.push_back(Group{std::string(pair->key), {}, {}, {}});
      it = index.emplace(std::string(pair->key), groups.size() - 1).first;
    }
    Group& g = groups[it->second];
    g.ordinals.insert(pair->from);
    g.ordinals.insert(pair->to);
    g.runs[{pair->from, pair->to}].push_back(&r);
    g.order.push_back(&r);
  }
  std::vector<PeerMatrix> out;
  std::size_t cells = 0;
  for (const auto& g : groups) {
    const std::size_t n = g.ordinals.size();
    if (n > kMaxPeerMatrixGpus || cells + n * n > kMaxPeerCells) {
      continue;  // not what one process can produce: a hostile or corrupt file
    }
    cells += n * n;
    out.push_back(make_matrix(g));
  }
  return out;
}

bool lower_is_better(const std::string& unit) {
  return unit == "ns" || unit == "us" || unit == "ms" || unit == "s";
}

std::string peer_cell_text(const PeerMatrix& m, std::size_t row, std::size_t col) {
  if (row == col) {
    return "-";
  }
  const PeerCell& c = m.cells[row][col];
  if (!c.present) {
    return "missing";
  }
  switch (c.status) {
    case Status::valid:
    case Status::noisy: {
      std::string s = c.value ? value_text(c) : std::string(to_string(c.status));
      if (c.value && c.fraction) {
        s += " (" + percent(*c.fraction) + ")";
      }
      return c.status == Status::noisy ? s + "*" : s;
    }
    case Status::not_supported:
      return "n/s";
    case Status::not_applicable:
      return "n/a";
    case Status::skipped:
      return "skip";
    case Status::interrupted:
      return "stop";
    case Status::throttled:
      return "throttled";
    default:
      return "fail";
  }
}

std::string peer_cell_report_text(const PeerMatrix& m, std::size_t row, std::size_t col) {
  if (row == col) {
    return "-";
  }
  const PeerCell& c = m.cells[row][col];
  if (!c.present) {
    return "missing";
  }
  const bool measured = c.status == Status::valid || c.status == Status::noisy;
  if (!measured || !c.value) {
    return std::string(to_string(c.status));
  }
  std::string s = value_text(c) + (m.unit.empty() ? "" : " " + m.unit);
  std::vector<std::string> notes;
  if (c.fraction) {
    notes.push_back(percent(*c.fraction));
  }
  if (c.status == Status::noisy) {
    notes.push_back("noisy");
  }
  return notes.empty() ? s : s + " (" + join(notes, ", ") + ")";
}

std::vector<std::string> peer_link_lines(const PeerMatrix& m) {
  std::vector<std::pair<std::string, std::vector<std::string>>> labels;  // label -> pairs
  std::vector<std::string> unlabelled;
  for (std::size_t row = 0; row < m.devices.size(); ++row) {
    for (std::size_t col = 0; col < m.devices.size(); ++col) {
      const PeerCell& c = m.cells[row][col];
      if (row == col || !c.present) {
        continue;
      }
      if (c.link.empty()) {
        unlabelled.push_back(pair_text(m, row, col));
        continue;
      }
      auto it = std::find_if(
          labels.begin(), labels.end(), [&](const auto& l) { return l.first == c.link; });
      if (it == labels.end()) {
        labels.push_back({c.link, {}});
        it = labels.end() - 1;
      }
      it->second.push_back(pair_text(m, row, col));
    }
  }
  if (labels.empty()) {
    return {};
  }
  if (labels.size() == 1 && unlabelled.empty()) {
    return {labels.front().first + " (all pairs)"};
  }
  std::vector<std::string> out;
  for (const auto& [label, pairs] : labels) {
    out.push_back(label + ": " + join(pairs, " "));
  }
  if (!unlabelled.empty()) {
    out.push_back("not recorded: " + join(unlabelled, " "));
  }
  return out;
}

std::vector<std::string> peer_warning_lines(const PeerMatrix& m) {
  std::vector<std::string> texts;  // in order of first appearance
  std::map<std::string, std::vector<std::string>> pairs;
  for (std::size_t row = 0; row < m.devices.size(); ++row) {
    for (std::size_t col = 0; col < m.devices.size(); ++col) {
      const PeerCell& c = m.cells[row][col];
      if (row == col || !c.present) {
        continue;
      }
      for (const std::string& w : c.link_warnings) {
        auto& list = pairs[w];
        if (list.empty()) {
          texts.push_back(w);
        }
        list.push_back(pair_text(m, row, col));
      }
    }
  }
  std::vector<std::string> out;
  for (const auto& t : texts) {
    out.push_back("link warning, " + join(pairs[t], " ") + ": " + t);
  }
  return out;
}

std::vector<std::string> peer_reason_lines(const PeerMatrix& m) {
  std::vector<std::string> out = peer_warning_lines(m);
  for (std::size_t row = 0; row < m.devices.size(); ++row) {
    for (std::size_t col = 0; col < m.devices.size(); ++col) {
      const PeerCell& c = m.cells[row][col];
      if (row == col || !c.present || c.status == Status::valid || c.status == Status::noisy) {
        continue;
      }
      std::string line = pair_text(m, row, col) + " " + std::string(to_string(c.status));
      if (!c.reason.empty()) {
        line += " (" + c.reason + ")";
      }
      if (!c.message.empty()) {
        line += ": " + c.message;
      }
      out.push_back(std::move(line));
    }
  }
  return out;
}

void print_peer_matrix(const PeerMatrix& m, std::ostream& out) {
  out << sanitize_text(m.key) << ":";
  if (!m.unit.empty()) {
    out << " " << sanitize_text(m.unit) << (lower_is_better(m.unit) ? " (lower is better)" : "")
        << ",";
  }
  out << " rows = source GPU, columns = destination GPU\n";
  const std::size_t n = m.devices.size();
  const std::string corner = "src\\dst";
  std::size_t label_w = corner.size();
  std::vector<std::vector<std::string>> text(n, std::vector<std::string>(n));
  std::vector<std::size_t> width(n);
  bool any_noisy = false;
  for (std::size_t col = 0; col < n; ++col) {
    width[col] = std::to_string(m.devices[col]).size();
    label_w = std::max(label_w, width[col]);
    for (std::size_t row = 0; row < n; ++row) {
      text[row][col] = peer_cell_text(m, row, col);
      width[col] = std::max(width[col], text[row][col].size());
      any_noisy = any_noisy || (row != col && m.cells[row][col].present &&
                                m.cells[row][col].status == Status::noisy);
    }
  }
  out << "  " << pad_left(corner, label_w);
  for (std::size_t col = 0; col < n; ++col) {
    out << "  " << pad_left(std::to_string(m.devices[col]), width[col]);
  }
  out << "\n";
  for (std::size_t row = 0; row < n; ++row) {
    out << "  " << pad_left(std::to_string(m.devices[row]), label_w);
    for (std::size_t col = 0; col < n; ++col) {
      out << "  " << pad_left(text[row][col], width[col]);
    }
    out << "\n";
  }
  const std::vector<std::string> links = peer_link_lines(m);
  for (const auto& l : links) {
    out << (links.size() == 1 ? "  links: " : "  link ") << sanitize_text(l) << "\n";
  }
  if (any_noisy) {
    out << "  * noisy: measured and verified, but the noise target was not met\n";
  }
  for (const auto& r : peer_reason_lines(m)) {
    out << "  " << sanitize_text(r) << "\n";
  }
}

}  // namespace gpb
