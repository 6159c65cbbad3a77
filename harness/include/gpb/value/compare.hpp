// SPDX-License-Identifier: Apache-2.0
// `gpubench compare`: the same cases side by side across result files (machines, drivers, tool
// versions), matched by case name without its /gpu=N segment, with ratios vs the first file and
// flags where GPU model, driver, max clocks, methodology or tool version differ.
#pragma once

#include <gpb/result/status.hpp>
#include <gpb/value/report.hpp>

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace gpb {

/// One case key (case name with the /gpu=N part removed) across the compared files.
struct CompareCell {
  bool present = false;
  std::string case_name;  ///< full name in that file
  Status status = Status::unknown;
  std::optional<double> value;  ///< headline (median of repeats in one file)
  std::string unit;
  int repeats = 0;              ///< occurrences in the file
  std::optional<double> ratio;  ///< value / first file's value; nullopt with ratio_reason
  std::string ratio_reason;
  int methodology_version = 0;
  std::string work_model;  ///< the case's work formula (sizes differ between profiles)
  std::string gpu_name, driver;
  std::optional<double> sm_clock_max_mhz, mem_clock_max_mhz;
};

struct CompareRow {
  std::string key;
  std::vector<CompareCell> cells;  ///< one per file, in argument order
  std::vector<std::string> flags;  ///< "GPU model differs", "methodology_version differs", ...
};

struct CompareFile {
  std::string file;
  std::string tool_version, git_sha, schema_version;
  std::string gpu_names, driver;  ///< distinct GPU names joined by ", "
  std::string profile;            ///< quick | default | full
  std::string preflight;          ///< the audit in one line (MR-19), or why there is none
  bool preflight_warned = false;  ///< a check warned or failed
};

struct Comparison {
  std::vector<CompareFile> files;
  std::vector<CompareRow> rows;
  std::vector<std::string> file_flags;  ///< differences at file level (tool version, ...)
};

/// Matches cases across files by name without the "/gpu=N" segment; ratios vs the first file.
Comparison build_comparison(const std::vector<ResultFile>& runs);

using CompareRenderer = void (*)(const Comparison&, std::ostream&);
void render_compare_markdown(const Comparison& c, std::ostream& out);
void render_compare_csv(const Comparison& c, std::ostream& out);
void render_compare_json(const Comparison& c, std::ostream& out);
/// Renderers by --format name: "md", "csv", "json".
const std::map<std::string, CompareRenderer>& compare_renderers();

/// Case name without its "gpu=N" / "gpus=..." segments (the compare key).
std::string strip_gpu_segment(const std::string& case_name);

}  // namespace gpb
