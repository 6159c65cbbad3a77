// SPDX-License-Identifier: Apache-2.0
// `gpubench compare`: cases matched by name without /gpu=N across files, headline values with
// ratios vs the first file, and flags where the hardware, driver, clocks, methodology or tool
// differ, so a ratio is never read without its caveats.
#include <gpb/common/csv.hpp>
#include <gpb/common/text.hpp>
#include <gpb/machine/preflight.hpp>
#include <gpb/measure/stats.hpp>
#include <gpb/render/report_text.hpp>
#include <gpb/value/compare.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string_view>

namespace gpb {
namespace {

using OJson = nlohmann::ordered_json;

bool usable(double v) {
  return std::isfinite(v) && v > 0;
}

const GpuInfo* gpu_of(const RunRecord& r, const CaseResult& c) {
  if (c.devices.empty()) {
    return nullptr;
  }
  for (const auto& g : r.gpus) {
    if (g.ordinal == c.devices.front()) {
      return &g;
    }
  }
  return nullptr;
}

std::string clock_text(const std::optional<double>& mhz) {
  return mhz ? format_human(*mhz) : std::string("unknown");
}

/// Flags a property when the present cells disagree on it.
template <class Get>
void flag_if_differs(CompareRow& row, const char* what, Get get) {
  std::set<std::string> seen;
  for (const auto& c : row.cells) {
    if (c.present) {
      seen.insert(get(c));
    }
  }
  if (seen.size() > 1) {
    row.flags.push_back(std::string(what) + " differs");
  }
}

}  // namespace

std::string strip_gpu_segment(const std::string& case_name) {
  std::vector<std::string> kept;
  std::size_t start = 0;
  while (start <= case_name.size()) {
    std::size_t slash = case_name.find('/', start);
    if (slash == std::string::npos) {
      slash = case_name.size();
    }
    std::string seg = case_name.substr(start, slash - start);
    if (seg.rfind("gpu=", 0) != 0 && seg.rfind("gpus=", 0) != 0) {
      kept.push_back(std::move(seg));
    }
    start = slash + 1;
  }
  return join(kept, "/");
}

namespace {

/// File-level facts shown in the header table and compared across files.
CompareFile compare_file(const ResultFile& rf) {
  const RunRecord& r = rf.record;
  CompareFile cf;
  cf.file = rf.path;
  cf.tool_version = r.tool.version;
  cf.git_sha = r.tool.git_sha;
  cf.schema_version = std::to_string(r.schema.major) + "." + std::to_string(r.schema.minor);
  std::vector<std::string> names;
  for (const auto& g : r.gpus) {
    if (std::find(names.begin(), names.end(), g.name) == names.end()) {
      names.push_back(g.name);
    }
  }
  cf.gpu_names = names.empty() ? "none" : join(names, ", ");
  cf.driver = r.runtime.driver_version;
  cf.profile = r.run.profile;
  if (r.schema.minor < 1) {
    cf.preflight = "not recorded (schema 1.0)";
  } else {
    cf.preflight = preflight_summary(r.preflight.checks);
    cf.preflight_warned = std::any_of(
        r.preflight.checks.begin(), r.preflight.checks.end(), [](const PreflightCheck& k) {
          return k.status == CheckStatus::warn || k.status == CheckStatus::fail;
        });
  }
  return cf;
}

/// Repeats in one file: the best status group (valid, else noisy, else whatever there is), so
/// one noisy repeat does not move the number.
std::vector<std::size_t> best_status_group(const RunRecord& r,
                                           const std::vector<std::size_t>& cases) {
  std::vector<std::size_t> group;
  for (const Status want : {Status::valid, Status::noisy}) {
    for (const auto i : cases) {
      if (r.results[i].status == want) {
        group.push_back(i);
      }
    }
    if (!group.empty()) {
      break;
    }
  }
  if (group.empty()) {
    group = cases;
  }
  return group;
}

/// One file's cell for one case key: `cases` are the indices of its runs in r.results.
CompareCell compare_cell(const RunRecord& r, const std::vector<std::size_t>& cases) {
  CompareCell cell;
  cell.present = true;
  cell.repeats = static_cast<int>(cases.size());
  const std::vector<std::size_t> group = best_status_group(r, cases);
  const CaseResult& first = r.results[group.front()];
  cell.case_name = first.name;
  cell.status = first.status;
  cell.methodology_version = first.methodology_version;
  cell.work_model = first.work.model;
  std::vector<double> values;
  for (const auto i : group) {
    const auto& hl = r.results[i].headline;
    if (hl && usable(hl->value) && (values.empty() || hl->unit == cell.unit)) {
      cell.unit = hl->unit;
      values.push_back(hl->value);
    }
  }
  if (!values.empty()) {
    cell.value = median_of(values);  // the median of the group's headlines
  }
  cell.driver = r.runtime.driver_version;
  if (const GpuInfo* g = gpu_of(r, first)) {
    cell.gpu_name = g->name;
    cell.sm_clock_max_mhz = g->sm_clock_max_mhz;
    cell.mem_clock_max_mhz = g->mem_clock_max_mhz;
  }
  return cell;
}

/// Each cell's ratio over file #1's, or why there is none.
void set_ratios(CompareRow& row) {
  const CompareCell& base = row.cells.front();
  for (std::size_t f = 0; f < row.cells.size(); ++f) {
    CompareCell& c = row.cells[f];
    if (f == 0) {
      c.ratio_reason = "reference";
    } else if (!c.present) {
      c.ratio_reason = "case not in this file";
    } else if (!base.present) {
      c.ratio_reason = "case not in the first file";
    } else if (!c.value || !base.value) {
      c.ratio_reason = "no headline value";
    } else if (c.unit != base.unit) {
      c.ratio_reason = "units differ";
    } else {
      c.ratio = *c.value / *base.value;
    }
  }
}

/// Flags a row whose case some file lacks, or whose files differ in what a ratio depends on.
void flag_row(CompareRow& row) {
  std::vector<std::string> missing;
  for (std::size_t f = 0; f < row.cells.size(); ++f) {
    if (!row.cells[f].present) {
      missing.push_back("#" + std::to_string(f + 1));
    }
  }
  if (!missing.empty()) {
    row.flags.push_back("missing in " + join(missing, ", "));
  }
  flag_if_differs(row, "GPU model", [](const CompareCell& c) { return c.gpu_name; });
  flag_if_differs(row, "driver", [](const CompareCell& c) { return c.driver; });
  flag_if_differs(
      row, "max SM clock", [](const CompareCell& c) { return clock_text(c.sm_clock_max_mhz); });
  flag_if_differs(row, "max memory clock", [](const CompareCell& c) {
    return clock_text(c.mem_clock_max_mhz);
  });
  flag_if_differs(row, "methodology_version", [](const CompareCell& c) {
    return std::to_string(c.methodology_version);
  });
  flag_if_differs(
      row, "status", [](const CompareCell& c) { return std::string(to_string(c.status)); });
  flag_if_differs(row, "unit", [](const CompareCell& c) { return c.unit; });
  flag_if_differs(row, "work model", [](const CompareCell& c) { return c.work_model; });
}

/// Flags the comparison when its files disagree on a property, listing each file's value.
template <class Get>
void flag_file_property(Comparison& cmp, const char* what, Get get) {
  std::set<std::string> seen;
  for (const auto& f : cmp.files) {
    seen.insert(get(f));
  }
  if (seen.size() > 1) {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < cmp.files.size(); ++i) {
      parts.push_back("#" + std::to_string(i + 1) + " " + get(cmp.files[i]));
    }
    cmp.file_flags.push_back(std::string(what) + " differs: " + join(parts, "; "));
  }
}

/// Flags about the files themselves: versions and hardware that differ, files changed after
/// they were written, machines whose preflight audit warned.
void flag_files(Comparison& cmp, const std::vector<ResultFile>& runs) {
  flag_file_property(cmp, "gpubench version", [](const CompareFile& f) { return f.tool_version; });
  flag_file_property(cmp, "git commit", [](const CompareFile& f) { return f.git_sha; });
  flag_file_property(cmp, "schema version", [](const CompareFile& f) { return f.schema_version; });
  flag_file_property(cmp, "GPU model", [](const CompareFile& f) { return f.gpu_names; });
  flag_file_property(cmp, "driver", [](const CompareFile& f) { return f.driver; });
  flag_file_property(cmp, "profile", [](const CompareFile& f) { return f.profile; });
  // A file changed after it was written (DI-5).
  for (const auto& rf : runs) {
    if (rf.integrity.status == Integrity::modified ||
        rf.integrity.status == Integrity::bad_sidecar) {
      cmp.file_flags.push_back(rf.integrity.detail);
    }
  }
  // A machine whose audit warned measured under conditions worth knowing about (MR-19).
  for (std::size_t i = 0; i < cmp.files.size(); ++i) {
    if (cmp.files[i].preflight_warned) {
      cmp.file_flags.push_back("#" + std::to_string(i + 1) +
                               " preflight: " + cmp.files[i].preflight);
    }
  }
}

}  // namespace

Comparison build_comparison(const std::vector<ResultFile>& runs) {
  Comparison cmp;
  std::vector<std::string> keys;  // case keys in order of first appearance
  std::map<std::string, std::size_t> key_index;
  // Per file: key -> case indices.
  std::vector<std::map<std::string, std::vector<std::size_t>>> by_file(runs.size());
  for (std::size_t f = 0; f < runs.size(); ++f) {
    const RunRecord& r = runs[f].record;
    cmp.files.push_back(compare_file(runs[f]));
    for (std::size_t i = 0; i < r.results.size(); ++i) {
      const std::string key = strip_gpu_segment(r.results[i].name);
      if (key_index.emplace(key, keys.size()).second) {
        keys.push_back(key);
      }
      by_file[f][key].push_back(i);
    }
  }
  for (const auto& key : keys) {
    CompareRow row;
    row.key = key;
    for (std::size_t f = 0; f < runs.size(); ++f) {
      const auto it = by_file[f].find(key);
      row.cells.push_back(it == by_file[f].end() ? CompareCell{}
                                                 : compare_cell(runs[f].record, it->second));
    }
    set_ratios(row);
    flag_row(row);
    cmp.rows.push_back(std::move(row));
  }
  flag_files(cmp, runs);
  return cmp;
}

namespace {

std::string cell_text(const CompareCell& c) {
  if (!c.present) {
    return "-";
  }
  std::string s = c.value ? format_human(*c.value) : std::string("n/a");
  if (c.status != Status::valid) {
    s += std::string(" (") + std::string(to_string(c.status)) + ")";
  }
  if (c.repeats > 1) {
    s += " (median of " + std::to_string(c.repeats) + ")";
  }
  return s;
}

std::string ratio_text(const CompareCell& c) {
  return c.ratio ? format_fixed(*c.ratio, 3) : std::string("n/a");
}

std::string unit_of(const CompareRow& row) {
  for (const auto& c : row.cells) {
    if (!c.unit.empty()) {
      return c.unit;
    }
  }
  return "";
}

}  // namespace

void render_compare_markdown(const Comparison& c, std::ostream& out) {
  out << "# gpubench compare\n\n";
  md_header(out, {"#", "result file", "gpubench", "git", "schema", "GPUs", "driver", "preflight"});
  for (std::size_t i = 0; i < c.files.size(); ++i) {
    const auto& f = c.files[i];
    md_row(out,
           {std::to_string(i + 1),
            md_escape(f.file),
            md_escape(f.tool_version),
            md_escape(f.git_sha.substr(0, 12)),
            md_escape(f.schema_version),
            md_escape(f.gpu_names),
            md_escape(f.driver),
            md_escape(f.preflight)});
  }
  out << "\nRatios are each file's headline over file #1's (same unit). Repeated cases in one "
         "file show the median of their best status.\n\n";
  if (!c.file_flags.empty()) {
    for (const auto& f : c.file_flags) {
      out << "- **" << md_escape(f) << "**\n";
    }
    out << '\n';
  }
  std::vector<std::string> head{"case", "unit"};
  for (std::size_t i = 0; i < c.files.size(); ++i) {
    head.push_back("#" + std::to_string(i + 1));
    if (i > 0) {
      head.push_back("#" + std::to_string(i + 1) + "/#1");
    }
  }
  head.push_back("flags");
  md_header(out, head);
  for (const auto& row : c.rows) {
    std::vector<std::string> cells{md_escape(row.key), md_escape(unit_of(row))};
    for (std::size_t i = 0; i < row.cells.size(); ++i) {
      cells.push_back(md_escape(cell_text(row.cells[i])));
      if (i > 0) {
        cells.push_back(ratio_text(row.cells[i]));
      }
    }
    cells.push_back(row.flags.empty() ? "" : md_escape(join(row.flags, "; ")));
    md_row(out, cells);
  }
}

void render_compare_csv(const Comparison& c, std::ostream& out) {
  const auto row = [&out](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out << (i ? "," : "") << csv_cell(cells[i]);
    }
    out << '\n';
  };
  row({"record",
       "key",
       "file_index",
       "file",
       "case",
       "status",
       "value",
       "unit",
       "repeats",
       "ratio",
       "ratio_reason",
       "methodology_version",
       "gpu_name",
       "driver",
       "sm_clock_max_mhz",
       "mem_clock_max_mhz",
       "tool_version",
       "flags"});
  for (const auto& row_data : c.rows) {
    for (std::size_t i = 0; i < row_data.cells.size(); ++i) {
      const CompareCell& x = row_data.cells[i];
      const CompareFile& f = c.files[i];
      row({"case",
           row_data.key,
           std::to_string(i + 1),
           f.file,
           x.case_name,
           x.present ? std::string(to_string(x.status)) : "",
           x.value ? format_exact(*x.value) : "",
           x.unit,
           std::to_string(x.repeats),
           x.ratio ? format_exact(*x.ratio) : "",
           x.ratio_reason,
           x.present ? std::to_string(x.methodology_version) : "",
           x.gpu_name,
           x.driver,
           x.sm_clock_max_mhz ? format_exact(*x.sm_clock_max_mhz) : "",
           x.mem_clock_max_mhz ? format_exact(*x.mem_clock_max_mhz) : "",
           f.tool_version,
           join(row_data.flags, "; ")});
    }
  }
  for (const auto& flag : c.file_flags) {
    row({"file_flag", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", flag});
  }
}

void render_compare_json(const Comparison& c, std::ostream& out) {
  const auto num = [](double v) {
    if (!std::isfinite(v)) {
      throw std::invalid_argument("compare: non-finite number");
    }
    return v;
  };
  OJson j;
  j["report"] = {{"name", "gpubench.compare"}, {"version", "1.0"}};
  OJson files = OJson::array();
  for (const auto& f : c.files) {
    files.push_back({{"file", f.file},
                     {"tool_version", f.tool_version},
                     {"git_sha", f.git_sha},
                     {"schema_version", f.schema_version},
                     {"gpu_names", f.gpu_names},
                     {"driver", f.driver},
                     {"preflight", f.preflight}});
  }
  j["files"] = files;
  j["file_flags"] = c.file_flags;
  OJson rows = OJson::array();
  for (const auto& r : c.rows) {
    OJson cells = OJson::array();
    for (const auto& x : r.cells) {
      OJson jc;
      jc["present"] = x.present;
      if (x.present) {
        jc["case"] = x.case_name;
        jc["status"] = to_string(x.status);
        jc["repeats"] = x.repeats;
        jc["value"] = x.value ? OJson(num(*x.value)) : OJson(nullptr);
        if (!x.value) {
          jc["value_reason"] = "no headline value";
        }
        jc["unit"] = x.unit;
        jc["methodology_version"] = x.methodology_version;
        jc["gpu_name"] = x.gpu_name;
        jc["driver"] = x.driver;
        jc["sm_clock_max_mhz"] =
            x.sm_clock_max_mhz ? OJson(num(*x.sm_clock_max_mhz)) : OJson(nullptr);
        jc["mem_clock_max_mhz"] =
            x.mem_clock_max_mhz ? OJson(num(*x.mem_clock_max_mhz)) : OJson(nullptr);
      }
      jc["ratio"] = x.ratio ? OJson(num(*x.ratio)) : OJson(nullptr);
      if (!x.ratio) {
        jc["ratio_reason"] = x.ratio_reason;
      }
      cells.push_back(jc);
    }
    rows.push_back({{"key", r.key}, {"cells", cells}, {"flags", r.flags}});
  }
  j["rows"] = rows;
  out << j.dump(2, ' ', false, OJson::error_handler_t::replace) << '\n';
}

const std::map<std::string, CompareRenderer>& compare_renderers() {
  static const std::map<std::string, CompareRenderer> kRenderers{
      {"csv", &render_compare_csv},
      {"json", &render_compare_json},
      {"md", &render_compare_markdown},
  };
  return kRenderers;
}

}  // namespace gpb
