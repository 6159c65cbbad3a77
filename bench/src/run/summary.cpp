// SPDX-License-Identifier: Apache-2.0
// What a run prints: progress while it goes, the summary table (then the repeatability of
// repeated cases and every peer matrix) and the exit explanation.
#include <gpb/measure/repeats.hpp>
#include <gpb/render/peer_matrix.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>

#include "run_internal.hpp"
#include <unistd.h>

namespace gpb {
namespace {

std::string format_duration(double s) {
  const long total = std::lround(s);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld", total / 60, total % 60);
  return buf;
}

}  // namespace

Progress::Progress(std::size_t total, bool quiet)
    : total_(total),
      quiet_(quiet),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  if (!quiet_ && tty_ && done_ > 0) {
    std::fputs("\r\033[K", stderr);
  }
}

void Progress::skip_one() {
  ++done_;
  ++skipped_;
}

void Progress::begin(const std::string& name) {
  ++done_;
  if (quiet_) {
    return;
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string left = "?";
  if (done_ > skipped_ + 1) {
    const double per_case = elapsed / static_cast<double>(done_ - skipped_ - 1);
    const double rest = per_case * static_cast<double>(total_ >= done_ ? total_ - done_ + 1 : 1);
    left = format_duration(rest);
  }
  std::fprintf(stderr,
               "%s[%zu/%zu] %s  (elapsed %s, ~%s left)%s",
               tty_ ? "\r\033[K" : "",
               done_,
               std::max(total_, done_),
               name.c_str(),
               format_duration(elapsed).c_str(),
               left.c_str(),
               tty_ ? "" : "\n");
  std::fflush(stderr);
}

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v >= 100 ? "%.1f" : "%.3g", v);
  return buf;
}

void print_summary(const std::vector<CaseResult>& results, std::ostream& out) {
  std::size_t width = 4;
  for (const auto& r : results) {
    width = std::max(width, r.name.size());
  }
  char line[512];
  std::snprintf(line,
                sizeof line,
                "%-*s  %-19s %12s %-8s %7s %6s %7s  %s\n",
                static_cast<int>(width),
                "case",
                "status",
                "value",
                "unit",
                "%peak",
                "n",
                "noise",
                "stop");
  out << line;
  for (const auto& r : results) {
    const std::string value = r.headline ? format_value(r.headline->value) : "-";
    const std::string unit = r.headline ? r.headline->unit : "";
    std::string pct = "-";
    if (r.peak.fraction) {
      pct = format_value(*r.peak.fraction * 100.0) + "%";
    }
    std::string noise = "-";
    if (r.stats && r.stats->rel_stdev) {
      char b[16];
      std::snprintf(b, sizeof b, "%.2f%%", *r.stats->rel_stdev * 100);
      noise = b;
    }
    std::string stop = r.stop.reason;
    if (r.status != Status::valid && !r.reasons.empty()) {
      stop = r.reasons.front();
    }
    std::snprintf(line,
                  sizeof line,
                  "%-*s  %-19s %12s %-8s %7s %6lld %7s  %s\n",
                  static_cast<int>(width),
                  r.name.c_str(),
                  std::string(to_string(r.status)).c_str(),
                  value.c_str(),
                  unit.c_str(),
                  pct.c_str(),
                  static_cast<long long>(r.stats ? r.stats->n : 0),
                  noise.c_str(),
                  stop.c_str());
    out << line;
  }
  // MR-20: repeated cases (--benchmark_repetitions) and the spread of their headline.
  const std::vector<RepeatSpread> spreads = repeat_spreads(results);
  if (!spreads.empty()) {
    out << "repeatability:\n";
    for (const auto& sp : spreads) {
      out << "  " << repeat_spread_text(sp) << "\n";
    }
  }
  // Ordered-pair cases once more, as source x destination matrices (DESIGN §5.3).
  for (const PeerMatrix& m : peer_matrices(results)) {
    out << "\n";
    print_peer_matrix(m, out);
  }
}

void report_run_end(const RunRecord& record, const std::string& out_path, ExitCode code) {
  print_summary(record.results, std::cout);
  std::cout << "results: " << out_path << "\n";
  if (code == ExitCode::no_device) {
    std::fprintf(stderr,
                 "gpubench: exit 3: GPU cases were requested but no usable CUDA device was found; "
                 "host cases ran and the result file was written\n");
  } else if (code == ExitCode::case_failed) {
    std::fprintf(stderr, "gpubench: exit 1: at least one case failed (see status column)\n");
  } else if (code == ExitCode::preflight) {
    std::fprintf(stderr,
                 "gpubench: exit 5: --strict and the preflight audit warned; nothing was "
                 "measured and the result file records why\n");
  }
}

}  // namespace gpb
