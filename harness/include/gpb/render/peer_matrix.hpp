// SPDX-License-Identifier: Apache-2.0
// The peer matrix view (DESIGN §5.3): the instances of an ordered_pairs case, one per src>dst
// pair, regrouped from a flat result list into one matrix per case (rows = source GPU, columns =
// destination GPU), with the link label and the % of that link's peak per pair. Pure: the run
// summary prints it as text, the value report renders it in every format.
#pragma once

#include <gpb/result/schema.hpp>
#include <gpb/result/status.hpp>

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace gpb {

/// One ordered pair of a peer matrix.
struct PeerCell {
  bool present = false;  ///< an instance for this pair exists in the results
  Status status = Status::unknown;
  std::optional<double> value;     ///< headline value when the case produced one (finite)
  std::optional<double> fraction;  ///< of the link's peak (peak.fraction, finite)
  std::string link;                ///< notes["link"], e.g. "NVLink4 x18"; "" when not recorded
  /// notes["link_warnings"], one per line: links below their maximum, a fallback to PCIe,
  /// readings that failed.
  std::vector<std::string> link_warnings;
  std::string reason;   ///< reasons[0] when not valid
  std::string message;  ///< the case's message: the reason in words
  std::string case_name;
  int runs = 0;  ///< instances of this pair in the results (repeats); 0 when not present
};

struct PeerMatrix {
  std::string key;           ///< the case name without its "/gpus=A>B" segment
  std::string unit;          ///< headline unit of the cells ("GB/s", "ns"); "" when none has one
  std::vector<int> devices;  ///< CUDA ordinals, sorted; rows and columns in this order
  std::vector<std::vector<PeerCell>> cells;  ///< [row = source][column = destination]
};

/// Most GPUs one matrix may span, and most cells all matrices of one call may hold together:
/// far above what one process sees, low enough that a hostile file cannot ask for gigabytes.
/// A group past either is left out.
inline constexpr std::size_t kMaxPeerMatrixGpus = 64;
inline constexpr std::size_t kMaxPeerCells = std::size_t{1} << 18;

/// Groups every case whose name ends in an ordered-pair segment (split_pair_name) into one
/// matrix per key, in order of first appearance; the diagonal and pairs without an instance are
/// not present (holes). Every status counts. Repeats of one pair make one cell: the runs of its
/// best status (valid, else noisy, else the first run's), value and fraction the median of those
/// runs'. A cell keeps its value only in the matrix's unit (the first headline unit of the
/// group). Other names, malformed pair segments included, are ignored.
std::vector<PeerMatrix> peer_matrices(const std::vector<CaseResult>& results);

/// Time units ("ns", "us", "ms", "s"): lower is better.
bool lower_is_better(const std::string& unit);

/// The short text of one cell for the run summary: "392.1 (87%)" (value and % of the link's
/// peak, "*" appended when noisy), "-" on the diagonal, "missing" for a hole, else a word:
/// "n/s" not supported, "n/a" not applicable, "skip", "stop" interrupted, "throttled", "fail"
/// (every failing status).
std::string peer_cell_text(const PeerMatrix& m, std::size_t row, std::size_t col);

/// The same cell for a report: "392.1 GB/s (87%)", ", noisy" inside the brackets when noisy,
/// "-" on the diagonal, "missing" for a hole, else the status name ("not_supported").
std::string peer_cell_report_text(const PeerMatrix& m, std::size_t row, std::size_t col);

/// The link labels of a matrix in words: {"NVLink4 x18 (all pairs)"} when every present pair
/// has that one label, else one entry per label, "PCIe Gen5 x16: 0>2 2>0", in order of first
/// appearance ("not recorded: ..." for pairs without one); empty when no pair has a label.
std::vector<std::string> peer_link_lines(const PeerMatrix& m);

/// One entry per distinct link warning, with the pairs that carry it:
/// "link warning, 0>1 1>0: 4 of 18 NVLink links inactive on gpu 0000:1b:00.0".
std::vector<std::string> peer_warning_lines(const PeerMatrix& m);

/// The link warnings (peer_warning_lines), then one entry per present pair whose status is
/// neither valid nor noisy, row by row:
/// "0>2 not_supported (no_peer_access): GPU 0 cannot access GPU 2 directly ...".
std::vector<std::string> peer_reason_lines(const PeerMatrix& m);

/// Plain-text matrix for the run summary: a title line (key, unit, which way is better for a
/// time unit, "rows = source GPU, columns = destination GPU"), a header of destination
/// ordinals, one row per source GPU (peer_cell_text, right-aligned), then indented lines: the
/// links (peer_link_lines), what "*" means when a cell is noisy, and the reasons
/// (peer_reason_lines). Text from the results is passed through sanitize_text.
void print_peer_matrix(const PeerMatrix& m, std::ostream& out);

}  // namespace gpb
