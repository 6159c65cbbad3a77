// SPDX-License-Identifier: Apache-2.0
// The peer matrix view: ordered-pair instances ("/gpus=A>B") grouped into source x destination
// matrices on 2, 3 and 8 GPUs with every kind of cell (valid, noisy, not supported, failed,
// skipped, a hole), malformed names ignored, the run summary's text line by line, and the value
// report's section in md, csv, json and html from result files written to a temp folder.
#include <gpb/common/csv.hpp>
#include <gpb/render/peer_matrix.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/run/device_set.hpp>
#include <gpb/value/report.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "fake_topology.hpp"
#include "temp_dir.hpp"

namespace gpb {
namespace {

const std::string kUni = "peer/ce_uni/size=256MiB";

/// One instance of an ordered-pair case as the runner records it.
CaseResult pair_case(const std::string& key,
                     int src,
                     int dst,
                     Status status = Status::valid,
                     std::optional<double> value = std::nullopt,
                     std::optional<double> fraction = std::nullopt,
                     const std::string& link = "",
                     const std::string& unit = "GB/s") {
  CaseResult c;
  c.name = key + pair_suffix(src, dst);
  c.family = key.substr(0, key.find('/', key.find('/') + 1));
  c.methodology_version = 1;
  c.devices = {src, dst};
  c.device_uuids = {test::fake_gpu(src).uuid, test::fake_gpu(dst).uuid};
  c.status = status;
  c.verified = status == Status::valid || status == Status::noisy;
  c.verification = "fixture";
  if (value) {
    c.headline = Metric{unit == "ns" ? "latency" : "bandwidth", *value, unit, "fixture"};
  }
  c.peak.fraction = fraction;
  if (!fraction) {
    c.peak.value_reason = "fixture";
  }
  if (!link.empty()) {
    c.notes["link"] = link;
  }
  return c;
}

CaseResult failed(CaseResult c, const std::string& reason, const std::string& message) {
  c.reasons = {reason};
  c.message = message;
  return c;
}

const std::string kNoPeerMessage =
    "GPU 0 cannot access GPU 2 directly; 'nvidia-smi topo -p2p r' shows which pairs can";

/// Three GPUs: two NVLink pairs valid, one noisy, 0>2 not supported over PCIe, 2>0 failed
/// without a link label, 1>2 absent (a hole).
std::vector<CaseResult> three_gpu_results() {
  return {
      pair_case(kUni, 0, 1, Status::valid, 392.14, 0.87, "NVLink4 x18"),
      failed(pair_case(kUni, 0, 2, Status::not_supported, {}, {}, "PCIe Gen5 x16"),
             "no_peer_access",
             kNoPeerMessage),
      pair_case(kUni, 1, 0, Status::valid, 390.8, 0.868, "NVLink4 x18"),
      failed(pair_case(kUni, 2, 0, Status::error),
             "cuda_error",
             "cudaMemcpyPeerAsync: an illegal memory access was encountered"),
      pair_case(kUni, 2, 1, Status::noisy, 380.2, 0.84, "NVLink4 x18"),
  };
}

std::string text_of(const PeerMatrix& m) {
  std::ostringstream s;
  print_peer_matrix(m, s);
  return s.str();
}

// ---------------------------------------------------------------------------------------------
// The pair segment: one strict parser next to the one writer

TEST(PairSegment, ParsesOnlyWhatPairSuffixWrites) {
  EXPECT_EQ(pair_suffix(0, 1), "/gpus=0>1");
  EXPECT_EQ(parse_pair_segment("0>1"), std::make_pair(0, 1));
  EXPECT_EQ(parse_pair_segment("12>3"), std::make_pair(12, 3));
  for (const char* bad : {"",
                          "0",
                          ">",
                          "0>",
                          ">1",
                          "1>1",
                          "01>2",
                          "0>01",
                          "0>1>2",
                          "-1>2",
                          "+1>2",
                          " 1>2",
                          "1>2 ",
                          "a>b",
                          "all8",
                          "0<1",
                          "99999999999>1"}) {
    EXPECT_FALSE(parse_pair_segment(bad).has_value()) << bad;
  }
  const auto p = split_pair_name("peer/latency/gpus=3>0");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->key, "peer/latency");
  EXPECT_EQ(p->from, 3);
  EXPECT_EQ(p->to, 0);
}

TEST(PairSegment, EveryBoundPairSplitsBackToItsOrdinals) {
  DeviceTopology t = test::fake_topology(3);
  t.gpus[1].ordinal = 5;  // --devices 0,5,2
  for (const auto& b : bind_devices({DeviceSet::ordered_pairs, true}, t)) {
    const auto p = split_pair_name("peer/x" + b.suffix);
    ASSERT_TRUE(p.has_value()) << b.suffix;
    EXPECT_EQ(p->from, t.gpus[b.devices[0]].ordinal);
    EXPECT_EQ(p->to, t.gpus[b.devices[1]].ordinal);
    EXPECT_EQ(p->key, "peer/x");
  }
  // The one-GPU instance of a pair case has no segment, and the other sets are not pairs.
  for (const int n : {1, 2}) {
    for (const DeviceSet s : {DeviceSet::ordered_pairs, DeviceSet::each, DeviceSet::all_local}) {
      if (n == 2 && s == DeviceSet::ordered_pairs) {
        continue;
      }
      for (const auto& b : bind_devices({s, false}, test::fake_topology(n))) {
        EXPECT_FALSE(split_pair_name("peer/x" + b.suffix).has_value()) << b.suffix;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Grouping

TEST(PeerMatrix, TwoGpus) {
  const auto ms = peer_matrices({pair_case(kUni, 0, 1, Status::valid, 40.5, 0.81, "NVLink"),
                                 pair_case(kUni, 1, 0, Status::valid, 41.0, 0.82, "NVLink")});
  ASSERT_EQ(ms.size(), 1u);
  const PeerMatrix& m = ms[0];
  EXPECT_EQ(m.key, kUni);
  EXPECT_EQ(m.unit, "GB/s");
  EXPECT_EQ(m.devices, (std::vector<int>{0, 1}));
  ASSERT_EQ(m.cells.size(), 2u);
  EXPECT_FALSE(m.cells[0][0].present);
  EXPECT_FALSE(m.cells[1][1].present);
  const PeerCell& c = m.cells[0][1];
  EXPECT_TRUE(c.present);
  EXPECT_EQ(c.status, Status::valid);
  EXPECT_EQ(c.value, 40.5);
  EXPECT_EQ(c.fraction, 0.81);
  EXPECT_EQ(c.link, "NVLink");
  EXPECT_EQ(c.case_name, kUni + "/gpus=0>1");
  EXPECT_EQ(c.runs, 1);
  EXPECT_TRUE(c.reason.empty());
  EXPECT_EQ(m.cells[1][0].value, 41.0);
  EXPECT_EQ(peer_cell_text(m, 0, 1), "40.50 (81%)");
  EXPECT_EQ(peer_cell_report_text(m, 1, 0), "41.00 GB/s (82%)");
  EXPECT_EQ(peer_link_lines(m), std::vector<std::string>{"NVLink (all pairs)"});
}

TEST(PeerMatrix, EightGpusTwoCasesAmongOtherCases) {
  std::vector<CaseResult> rs;
  CaseResult hbm;
  hbm.name = "stream/hbm/kernel=triad/dtype=f32/gpu=0";
  rs.push_back(hbm);
  for (int s = 0; s < 8; ++s) {
    for (int d = 0; d < 8; ++d) {
      if (s != d) {
        rs.push_back(pair_case(kUni, s, d, Status::valid, 100.0 + s * 8 + d, 0.5, "NVLink4 x18"));
        rs.push_back(pair_case("peer/sm_read/size=256MiB", s, d, Status::valid, 300.0, 0.7, "x"));
      }
    }
  }
  CaseResult all;
  all.name = "nccl/all_reduce/bytes=1/gpus=all8";
  rs.push_back(all);
  const auto ms = peer_matrices(rs);
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(ms[0].key, kUni);  // order of first appearance
  EXPECT_EQ(ms[1].key, "peer/sm_read/size=256MiB");
  for (const auto& m : ms) {
    EXPECT_EQ(m.devices, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
    std::size_t present = 0;
    for (std::size_t r = 0; r < 8; ++r) {
      EXPECT_FALSE(m.cells[r][r].present);
      for (std::size_t c = 0; c < 8; ++c) {
        present += m.cells[r][c].present ? 1 : 0;
      }
    }
    EXPECT_EQ(present, 56u);
  }
  EXPECT_EQ(ms[0].cells[3][5].value, 100.0 + 3 * 8 + 5);  // [source][destination]
  EXPECT_EQ(ms[0].cells[5][3].value, 100.0 + 5 * 8 + 3);
  const std::string text = text_of(ms[0]);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 1 + 8 + 1);
  EXPECT_NE(text.find("  links: NVLink4 x18 (all pairs)\n"), std::string::npos) << text;
}

TEST(PeerMatrix, MixedStatusesAndAHole) {
  std::vector<CaseResult> rs = three_gpu_results();
  rs.push_back(failed(pair_case(kUni, 1, 2, Status::skipped), "preflight_refused", ""));
  rs.erase(rs.begin() + 2);  // 1>0 missing now
  const auto ms = peer_matrices(rs);
  ASSERT_EQ(ms.size(), 1u);
  const PeerMatrix& m = ms[0];
  EXPECT_EQ(m.devices, (std::vector<int>{0, 1, 2}));
  EXPECT_FALSE(m.cells[1][0].present);
  EXPECT_EQ(peer_cell_text(m, 1, 0), "missing");
  EXPECT_EQ(peer_cell_report_text(m, 1, 0), "missing");

  const PeerCell& ns = m.cells[0][2];
  EXPECT_EQ(ns.status, Status::not_supported);
  EXPECT_FALSE(ns.value.has_value());
  EXPECT_EQ(ns.reason, "no_peer_access");
  EXPECT_EQ(ns.message, kNoPeerMessage);
  EXPECT_EQ(peer_cell_text(m, 0, 2), "n/s");
  EXPECT_EQ(peer_cell_report_text(m, 0, 2), "not_supported");

  EXPECT_EQ(m.cells[2][0].status, Status::error);
  EXPECT_EQ(peer_cell_text(m, 2, 0), "fail");
  EXPECT_EQ(m.cells[1][2].status, Status::skipped);
  EXPECT_EQ(peer_cell_text(m, 1, 2), "skip");

  const PeerCell& noisy = m.cells[2][1];
  EXPECT_EQ(noisy.status, Status::noisy);
  EXPECT_EQ(noisy.value, 380.2);
  EXPECT_TRUE(noisy.reason.empty());
  EXPECT_EQ(peer_cell_text(m, 2, 1), "380.2 (84%)*");
  EXPECT_EQ(peer_cell_report_text(m, 2, 1), "380.2 GB/s (84%, noisy)");
  EXPECT_EQ(peer_cell_text(m, 1, 1), "-");

  EXPECT_EQ(peer_reason_lines(m),
            (std::vector<std::string>{
                "0>2 not_supported (no_peer_access): " + kNoPeerMessage,
                "1>2 skipped (preflight_refused)",
                "2>0 error (cuda_error): cudaMemcpyPeerAsync: an illegal memory access was "
                "encountered"}));
}

TEST(PeerMatrix, RepeatsOfOnePairAreOneCellWithTheMedianOfItsBestStatus) {
  const auto ms = peer_matrices({
      pair_case(kUni, 0, 1, Status::error),
      pair_case(kUni, 0, 1, Status::valid, 100.0, 0.4),
      pair_case(kUni, 0, 1, Status::noisy, 1000.0, 0.9),
      pair_case(kUni, 0, 1, Status::valid, 300.0, 0.6),
      pair_case(kUni, 1, 0, Status::timeout),
      pair_case(kUni, 1, 0, Status::not_supported),
  });
  ASSERT_EQ(ms.size(), 1u);
  const PeerCell& c = ms[0].cells[0][1];
  EXPECT_EQ(c.runs, 4);
  EXPECT_EQ(c.status, Status::valid);
  EXPECT_DOUBLE_EQ(*c.value, 200.0);
  EXPECT_DOUBLE_EQ(*c.fraction, 0.5);
  EXPECT_EQ(ms[0].cells[1][0].status, Status::timeout);  // no valid run: the first run's
  EXPECT_EQ(ms[0].cells[1][0].runs, 2);
}

TEST(PeerMatrix, LatencyIsInNanosecondsLowerIsBetter) {
  const std::string key = "peer/latency";
  const auto ms = peer_matrices({pair_case(key, 0, 1, Status::valid, 2.31, {}, "NV18", "ns"),
                                 pair_case(key, 1, 0, Status::valid, 2.29, {}, "NV18", "ns")});
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].unit, "ns");
  EXPECT_TRUE(lower_is_better(ms[0].unit));
  EXPECT_FALSE(lower_is_better("GB/s"));
  EXPECT_EQ(peer_cell_text(ms[0], 0, 1), "2.310");  // no peak: no percentage
  EXPECT_EQ(peer_cell_report_text(ms[0], 0, 1), "2.310 ns");
  EXPECT_EQ(text_of(ms[0]).substr(0, text_of(ms[0]).find('\n')),
            "peer/latency: ns (lower is better), rows = source GPU, columns = destination GPU");
}

TEST(PeerMatrix, MalformedNamesAreIgnored) {
  std::vector<CaseResult> rs;
  for (const char* name : {"",
                           "/",
                           "gpus=0>1",
                           "/gpus=0>1",
                           "peer/x/gpus=0>0",
                           "peer/x/gpus=01>2",
                           "peer/x/gpus=0>1>2",
                           "peer/x/gpus=a>b",
                           "peer/x/gpus=>1",
                           "peer/x/gpus=0>",
                           "peer/x/gpus=-1>2",
                           "peer/x/gpus=99999999999>1",
                           "peer/x/gpus=all8",
                           "peer/x/gpus=0>1/size=1",
                           "peer/x/gpu=0",
                           "peer/x/ranks=2",
                           "peer/x/GPUS=0>1",
                           "peer/x/gpus=0>1 "}) {
    CaseResult c;
    c.name = name;
    c.status = Status::valid;
    c.headline = Metric{"bandwidth", 1.0, "GB/s", "x"};
    rs.push_back(c);
  }
  EXPECT_TRUE(peer_matrices(rs).empty());
  EXPECT_TRUE(peer_matrices({}).empty());
}

TEST(PeerMatrix, ImplausiblyWideGroupsAreLeftOut) {
  std::vector<CaseResult> rs;
  for (int i = 0; i <= static_cast<int>(kMaxPeerMatrixGpus); i += 2) {
    rs.push_back(pair_case("peer/wide", i, i + 1));  // 66 GPUs
  }
  rs.push_back(pair_case(kUni, 0, 1));
  const auto ms = peer_matrices(rs);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].key, kUni);
}

// ---------------------------------------------------------------------------------------------
// The run summary's text

TEST(PeerMatrixText, ThreeGpusWithAHoleLineByLine) {
  std::vector<CaseResult> rs = three_gpu_results();
  rs.erase(rs.begin() + 2);  // 1>0 too: two holes
  const auto ms = peer_matrices(rs);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(text_of(ms[0]),
            "peer/ce_uni/size=256MiB: GB/s, rows = source GPU, columns = destination GPU\n"
            "  src\\dst        0             1        2\n"
            "        0        -   392.1 (87%)      n/s\n"
            "        1  missing             -  missing\n"
            "        2     fail  380.2 (84%)*        -\n"
            "  link NVLink4 x18: 0>1 2>1\n"
            "  link PCIe Gen5 x16: 0>2\n"
            "  link not recorded: 2>0\n"
            "  * noisy: measured and verified, but the noise target was not met\n"
            "  0>2 not_supported (no_peer_access): " +
                kNoPeerMessage +
                "\n"
                "  2>0 error (cuda_error): cudaMemcpyPeerAsync: an illegal memory access was "
                "encountered\n");
}

TEST(PeerMatrixText, LinkWarningsAreListedOnceWithTheirPairs) {
  std::vector<CaseResult> rs = three_gpu_results();
  const std::string inactive = "4 of 18 NVLink links inactive on gpu 0000:18:00.0";
  rs[0].notes["link_warnings"] = inactive;  // 0>1
  rs[2].notes["link_warnings"] = inactive;  // 1>0
  rs[1].notes["link_warnings"] = "the pair falls back to PCIe although gpu 0 has NVLink";
  const auto ms = peer_matrices(rs);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].cells[0][1].link_warnings, std::vector<std::string>{inactive});
  const auto lines = peer_reason_lines(ms[0]);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], "link warning, 0>1 1>0: " + inactive);
  EXPECT_EQ(lines[1], "link warning, 0>2: the pair falls back to PCIe although gpu 0 has NVLink");
  EXPECT_NE(text_of(ms[0]).find("  link warning, 0>1 1>0: " + inactive + "\n"), std::string::npos);
  EXPECT_TRUE(peer_warning_lines(peer_matrices(three_gpu_results())[0]).empty());
}

TEST(PeerMatrixText, ControlCharactersFromResultsAreNeutralised) {
  auto c = failed(
      pair_case("peer/x\x1b[31m", 0, 1, Status::error, {}, {}, "L\x1b[2J"), "r", "line\nbreak\x07");
  const std::string text = text_of(peer_matrices({c}).at(0));
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
  EXPECT_NE(text.find("line break"), std::string::npos) << text;
}

// ---------------------------------------------------------------------------------------------
// The value report: written as result files, loaded and rendered in every format

class PeerReport : public ::testing::Test {
 protected:
  /// Writes a 3-GPU run holding the mixed matrix, a latency matrix and one HBM case, loads it
  /// like `gpubench report` does and builds the report without prices.
  ValueReport build(std::vector<CaseResult> extra = {}) {
    RunRecord rec;
    rec.run.id = "peer-test";
    rec.runtime.driver_version = "570.00";
    for (int i = 0; i < 3; ++i) {
      rec.gpus.push_back(test::fake_gpu(i));
    }
    CaseResult hbm = pair_case("stream/hbm/kernel=triad/dtype=f32", 0, 0);
    hbm.name = "stream/hbm/kernel=triad/dtype=f32/gpu=0";
    hbm.devices = {0};
    hbm.device_uuids = {rec.gpus[0].uuid};
    hbm.headline = Metric{"bandwidth", 3000, "GB/s", "x", {RoleKind::hbm_triad, ""}};
    rec.results.push_back(hbm);
    for (auto& c : three_gpu_results()) {
      rec.results.push_back(std::move(c));
    }
    rec.results.push_back(pair_case("peer/latency", 0, 1, Status::valid, 2.31, {}, "", "ns"));
    for (auto& c : extra) {
      rec.results.push_back(std::move(c));
    }
    const auto path = dir_ / "peers.json";
    save_run_atomic(rec, path, true);
    const auto runs = load_result_files({path.string()}, 1);
    return build_value_report(runs, {}, AliasTable{}, {}, {}, ReportOptions{});
  }

  static std::string render(const ValueReport& r, const std::string& format) {
    std::ostringstream s;
    report_renderers().at(format)(r, s);
    return s.str();
  }

  test::TempDir dir_{"peer"};
};

TEST_F(PeerReport, EveryPairCaseWhateverItsStatusIsAMatrix) {
  const ValueReport r = build();
  ASSERT_EQ(r.peer_matrices.size(), 2u);
  const PeerMatrixSection& s = r.peer_matrices[0];
  EXPECT_EQ(s.matrix.key, kUni);
  EXPECT_EQ(s.machine, "M1");
  EXPECT_EQ(s.gpu_name, "NVIDIA H100 80GB HBM3");
  EXPECT_NE(s.file.find("peers.json"), std::string::npos);
  EXPECT_EQ(s.matrix.cells[0][2].status, Status::not_supported);
  EXPECT_EQ(s.matrix.cells[2][0].status, Status::error);
  EXPECT_FALSE(s.matrix.cells[1][2].present);
  EXPECT_EQ(r.peer_matrices[1].matrix.key, "peer/latency");
  EXPECT_EQ(r.peer_matrices[1].matrix.unit, "ns");
  EXPECT_EQ(r.peer_matrices[1].matrix.devices, (std::vector<int>{0, 1}));
}

TEST_F(PeerReport, Markdown) {
  const std::string md = render(build(), "md");
  EXPECT_NE(md.find("## Peer matrices\n"), std::string::npos) << md;
  EXPECT_NE(md.find("### peer/ce\\_uni/size=256MiB (GB/s): M1 NVIDIA H100 80GB HBM3, "),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| src \\\\ dst | GPU 0 | GPU 1 | GPU 2 |\n|---|---|---|---|\n"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| GPU 0 | - | 392.1 GB/s (87%) | not\\_supported |\n"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| GPU 1 | 390.8 GB/s (87%) | - | missing |\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| GPU 2 | error | 380.2 GB/s (84%, noisy) | - |\n"), std::string::npos) << md;
  EXPECT_NE(md.find("Links: NVLink4 x18: 0&gt;1 1&gt;0 2&gt;1; PCIe Gen5 x16: 0&gt;2; not "
                    "recorded: 2&gt;0.\n"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("- 0&gt;2 not\\_supported (no\\_peer\\_access): GPU 0 cannot access GPU 2"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("### peer/latency (ns, lower is better)"), std::string::npos) << md;
  EXPECT_NE(md.find("| GPU 0 | - | 2.310 ns |"), std::string::npos) << md;
  // Between the priced sections and the exclusions.
  EXPECT_LT(md.find("## Value per dollar"), md.find("## Peer matrices"));
  EXPECT_LT(md.find("## Peer matrices"), md.find("## Exclusions"));
}

TEST_F(PeerReport, Csv) {
  const std::string text = render(build(), "csv");
  const CsvTable t = parse_csv(text, "report.csv");
  for (const char* name : {"record", "note", "matrix", "src", "dst", "pct_of_peak", "link"}) {
    EXPECT_TRUE(t.column(name).has_value()) << name;
  }
  const auto col = [&](const char* name) { return *t.column(name); };
  std::vector<std::vector<std::string>> peers;
  for (const auto& row : t.rows) {
    ASSERT_EQ(row.size(), t.header.size());
    if (row[col("record")] == "peer") {
      peers.push_back(row);
    }
  }
  ASSERT_EQ(peers.size(), 6u + 2u);  // 3 x 3 less the diagonal, then 2 x 2 less it
  const auto& first = peers[0];      // 0>1
  EXPECT_EQ(first[col("matrix")], kUni);
  EXPECT_EQ(first[col("src")], "0");
  EXPECT_EQ(first[col("dst")], "1");
  EXPECT_EQ(first[col("status")], "valid");
  EXPECT_EQ(first[col("measured")], "392.14");
  EXPECT_EQ(first[col("unit")], "GB/s");
  EXPECT_EQ(first[col("pct_of_peak")], "87.0");
  EXPECT_EQ(first[col("link")], "NVLink4 x18");
  EXPECT_EQ(first[col("machine")], "M1");
  EXPECT_EQ(peers[1][col("status")], "not_supported");
  EXPECT_EQ(peers[1][col("note")], "no_peer_access: " + kNoPeerMessage);
  EXPECT_EQ(peers[1][col("measured")], "");
  EXPECT_EQ(peers[3][col("src")], "1");  // 1>2: the hole
  EXPECT_EQ(peers[3][col("dst")], "2");
  EXPECT_EQ(peers[3][col("status")], "");
  EXPECT_EQ(peers[3][col("note")], "no result for this pair");
  EXPECT_EQ(peers[6][col("matrix")], "peer/latency");
  EXPECT_EQ(peers[6][col("unit")], "ns");
}

TEST_F(PeerReport, Json) {
  const nlohmann::json j = nlohmann::json::parse(render(build(), "json"));
  ASSERT_TRUE(j.contains("peer_matrices"));
  const auto& pm = j.at("peer_matrices");
  ASSERT_EQ(pm.size(), 2u);
  const auto& m = pm.at(0);
  EXPECT_EQ(m.at("key"), kUni);
  EXPECT_EQ(m.at("unit"), "GB/s");
  EXPECT_EQ(m.at("lower_is_better"), false);
  EXPECT_EQ(m.at("devices"), nlohmann::json::array({0, 1, 2}));
  EXPECT_EQ(m.at("machine"), "M1");
  const auto& cells = m.at("cells");
  ASSERT_EQ(cells.size(), 5u);
  EXPECT_EQ(cells.at(0).at("src"), 0);
  EXPECT_EQ(cells.at(0).at("dst"), 1);
  EXPECT_EQ(cells.at(0).at("status"), "valid");
  EXPECT_DOUBLE_EQ(cells.at(0).at("value").get<double>(), 392.14);
  EXPECT_DOUBLE_EQ(cells.at(0).at("fraction").get<double>(), 0.87);
  EXPECT_EQ(cells.at(0).at("link"), "NVLink4 x18");
  const auto& ns = cells.at(1);
  EXPECT_EQ(ns.at("status"), "not_supported");
  EXPECT_TRUE(ns.at("value").is_null());
  EXPECT_EQ(ns.at("value_reason"), "status not_supported");
  EXPECT_EQ(ns.at("reason"), "no_peer_access");
  EXPECT_EQ(ns.at("message"), kNoPeerMessage);
  EXPECT_EQ(cells.at(4).at("status"), "noisy");
  EXPECT_EQ(m.at("missing"), nlohmann::json::parse(R"([{"src":1,"dst":2}])"));
  EXPECT_EQ(pm.at(1).at("unit"), "ns");
  EXPECT_EQ(pm.at(1).at("lower_is_better"), true);
  EXPECT_TRUE(pm.at(1).at("cells").at(0).at("fraction").is_null());
  EXPECT_EQ(pm.at(1).at("cells").at(0).at("fraction_reason"), "no peak for this link");
}

TEST_F(PeerReport, LinkWarningsInEveryFormatOncePerWarning) {
  // Two warnings on one pair (one per line in the note), one of them shared with another pair.
  const std::string inactive = "2 of 18 NVLink links inactive on gpu 0000:18:00.0";
  const std::string fallback = "no NVLink path, the pair falls back to PCIe: a; b";
  CaseResult a = pair_case("peer/ce_bidir/size=256MiB", 0, 1, Status::valid, 700, 0.78, "x");
  a.notes["link_warnings"] = inactive + "\n" + fallback;
  CaseResult b = pair_case("peer/ce_bidir/size=256MiB", 1, 0, Status::valid, 700, 0.78, "x");
  b.notes["link_warnings"] = inactive;
  const ValueReport r = build({a, b});
  const std::string md = render(r, "md");
  EXPECT_NE(md.find("link warning, 0&gt;1 1&gt;0: 2 of 18 NVLink links inactive"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("link warning, 0&gt;1: no NVLink path"), std::string::npos) << md;
  const std::string html = render(r, "html");
  EXPECT_NE(html.find("link warning, 0&gt;1 1&gt;0&#58; 2 of 18 NVLink links inactive"),
            std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(render(r, "json"));
  const auto& cell = j.at("peer_matrices").at(2).at("cells").at(0);
  EXPECT_EQ(cell.at("link_warnings"), nlohmann::json::array({inactive, fallback}));
  const CsvTable t = parse_csv(render(r, "csv"), "report.csv");
  const std::size_t warn = *t.column("link_warnings");
  bool seen = false;
  for (const auto& row : t.rows) {
    if (row[*t.column("matrix")] == "peer/ce_bidir/size=256MiB" && row[*t.column("src")] == "0") {
      EXPECT_EQ(row[warn], inactive + "; " + fallback);
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

TEST_F(PeerReport, HtmlEscapesEveryTextFromTheResults) {
  const ValueReport r = build({
      failed(pair_case("peer/<b>x</b>", 0, 1, Status::error, {}, {}, "<script>alert(1)</script>"),
             "<img src=x onerror=alert(1)>",
             "<iframe>"),
  });
  const std::string html = render(r, "html");
  EXPECT_NE(html.find("<h2>Peer matrices</h2>"), std::string::npos);
  EXPECT_NE(html.find("<th>src \\ dst</th><th>GPU 0</th><th>GPU 1</th><th>GPU 2</th>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>392.1 GB&#47;s (87%)</td>"), std::string::npos) << html;
  for (const char* raw : {"<script", "<img", "<iframe", "<b>x"}) {
    EXPECT_EQ(html.find(raw), std::string::npos) << raw;
  }
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;&#47;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("peer&#47;&lt;b&gt;x&lt;&#47;b&gt;"), std::string::npos);
  EXPECT_LT(html.find("<h2>Peer matrices</h2>"), html.find("<h2>Exclusions</h2>"));
}

TEST_F(PeerReport, NoInternalIdsInAnyFormat) {
  const ValueReport r = build();
  static const std::regex id(R"(\b(MR|DI|FH|IN|TE)-[0-9])");
  for (const auto& [format, fn] : report_renderers()) {
    std::ostringstream s;
    fn(r, s);
    EXPECT_FALSE(std::regex_search(s.str(), id)) << format;
    EXPECT_EQ(s.str().find("\u00a7"), std::string::npos) << format;
  }
  std::ostringstream s;
  print_peer_matrix(r.peer_matrices.at(0).matrix, s);
  EXPECT_FALSE(std::regex_search(s.str(), id));
}

TEST_F(PeerReport, WithoutPairCasesNothingChanges) {
  ValueReport r = build();
  std::vector<std::string> with;
  for (const char* f : {"md", "csv", "json", "html"}) {
    with.push_back(render(r, f));
  }
  r.peer_matrices.clear();
  EXPECT_EQ(render(r, "md").find("Peer matrices"), std::string::npos);
  EXPECT_EQ(render(r, "html").find("Peer matrices"), std::string::npos);
  EXPECT_EQ(render(r, "json").find("peer_matrices"), std::string::npos);
  const std::string csv = render(r, "csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')).find("matrix"), std::string::npos);
  EXPECT_TRUE(csv.substr(0, csv.find('\n')).size() > 0);
  EXPECT_EQ(csv.substr(0, csv.find('\n')) + ",matrix,src,dst,pct_of_peak,link,link_warnings",
            with[1].substr(0, with[1].find('\n')));
}

}  // namespace
}  // namespace gpb
