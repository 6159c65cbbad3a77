// SPDX-License-Identifier: Apache-2.0
// Metric roles: the text form, the one-time mapping of files written before roles, and proof
// that the role-based report prices every committed reference file exactly as the name-based
// report did (tests/golden/reference_priced_metrics.json, written by that report).
#include <gpb/result/metric_role.hpp>
#include <gpb/result/schema.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/value/report.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace gpb {
namespace {

namespace fs = std::filesystem;

TEST(MetricRole, TextRoundTripsForEveryKind) {
  for (const char* text : {"hbm_triad",
                           "h2d",
                           "d2h",
                           "h2d_d2h_bidirectional",
                           "peer_unidirectional",
                           "peer_bidirectional",
                           "all_gpus_to_host",
                           "host_to_all_gpus",
                           "all_reduce_busbw",
                           "gemm_dense_sustained:bf16",
                           "gemm_dense_sustained_short:fp8_e4m3",
                           "gemm_dense_burst:fp64"}) {
    const auto role = parse_metric_role(text);
    ASSERT_TRUE(role.has_value()) << text;
    EXPECT_NE(role->kind, RoleKind::none);
    EXPECT_EQ(to_string(*role), text);
  }
  EXPECT_EQ(to_string(MetricRole{}), "");
}

TEST(MetricRole, MalformedTextIsRejected) {
  for (const char* text : {"",
                           "triad",
                           "hbm_triad:f32",
                           "gemm_dense_burst",
                           "gemm_dense_burst:",
                           "gemm_dense_burst:BF16",
                           "gemm_dense_burst:bf16:x",
                           "h2d ",
                           "gemm_dense_burst:a-b"}) {
    EXPECT_FALSE(parse_metric_role(text).has_value()) << text;
  }
}

CaseResult legacy_case(const std::string& family, const std::string& name) {
  CaseResult c;
  c.family = family;
  c.name = name;
  return c;
}

TEST(MetricRole, LegacyGemmGetsSustainedAndBurstFromItsNotes) {
  CaseResult c = legacy_case("gemm/square", "gemm/square/dtype=bf16/m=8192/n=8192/k=8192/gpu=0");
  c.params = {{"dtype", "bf16"}};
  c.headline = Metric{"throughput", 800, "TFLOP/s", "flops / median_s"};
  c.metrics = {Metric{"best", 810, "TFLOP/s", "x"},
               Metric{"throughput_sustained", 690, "TFLOP/s", "x"}};
  c.notes = {{"sustained_window_s", "2.01"}, {"sustained_steady", "false"}};
  assign_legacy_roles(c);
  EXPECT_EQ(to_string(c.headline->role), "gemm_dense_burst:bf16");
  EXPECT_EQ(to_string(c.metrics[0].role), "") << "the best sample is no buyer number";
  EXPECT_EQ(to_string(c.metrics[1].role), "gemm_dense_sustained:bf16");
  EXPECT_EQ(c.metrics[1].steady, false);

  c.metrics[1].role = {};
  c.notes["sustained_window_s"] = "0.5";
  assign_legacy_roles(c);
  EXPECT_EQ(to_string(c.metrics[1].role), "gemm_dense_sustained_short:bf16");
}

TEST(MetricRole, LegacyMappingKeepsOnlyTheNumbersTheReportPriced) {
  CaseResult triad = legacy_case("stream/hbm", "stream/hbm/kernel=triad/dtype=f32/gpu=0");
  triad.headline = Metric{"bandwidth", 4300, "GB/s", "x"};
  assign_legacy_roles(triad);  // parameters only in the name, as hand-made files have them
  EXPECT_EQ(to_string(triad.headline->role), "hbm_triad");

  CaseResult f64 = legacy_case("stream/hbm", "stream/hbm/kernel=triad/dtype=f64/gpu=0");
  f64.headline = Metric{"bandwidth", 4300, "GB/s", "x"};
  assign_legacy_roles(f64);
  EXPECT_EQ(f64.headline->role.kind, RoleKind::none);

  CaseResult h2d = legacy_case("copy/h2d", "copy/h2d/memory=pinned/size=256MiB/gpu=0");
  h2d.headline = Metric{"bandwidth", 55, "GB/s", "x"};
  assign_legacy_roles(h2d);
  EXPECT_EQ(h2d.headline->role.kind, RoleKind::h2d);

  CaseResult pageable = legacy_case("copy/d2h", "copy/d2h/memory=pageable/size=256MiB/gpu=0");
  pageable.headline = Metric{"bandwidth", 12, "GB/s", "x"};
  assign_legacy_roles(pageable);
  EXPECT_EQ(pageable.headline->role.kind, RoleKind::none);

  CaseResult nccl = legacy_case("nccl", "nccl/all_reduce/dtype=f32/size=8GiB");
  nccl.headline = Metric{"algbw", 300, "GB/s", "x"};
  nccl.metrics = {Metric{"busbw", 525, "GB/s", "x"}};
  assign_legacy_roles(nccl);
  EXPECT_EQ(nccl.headline->role.kind, RoleKind::none);
  EXPECT_EQ(nccl.metrics[0].role.kind, RoleKind::all_reduce_busbw);

  CaseResult host = legacy_case("host/memcpy", "host/memcpy/size=256MiB/threads=1");
  host.headline = Metric{"bandwidth", 8, "GB/s", "x"};
  assign_legacy_roles(host);
  EXPECT_EQ(host.headline->role.kind, RoleKind::none);
}

TEST(MetricRole, RolesAlreadySetAreKept) {
  CaseResult c = legacy_case("copy/h2d", "copy/h2d/memory=pinned/gpu=0");
  c.headline = Metric{"bandwidth", 55, "GB/s", "x", {RoleKind::h2d_d2h_bidirectional, ""}};
  assign_legacy_roles(c);
  EXPECT_EQ(c.headline->role.kind, RoleKind::h2d_d2h_bidirectional);
}

TEST(MetricRole, EveryCommittedReferencePricesTheSameNumbersAsBefore) {
  const fs::path root(GPB_SOURCE_DIR);
  std::ifstream in(root / "tests" / "golden" / "reference_priced_metrics.json");
  ASSERT_TRUE(in.good());
  const auto golden = nlohmann::json::parse(in);
  ASSERT_GE(golden.at("reports").size(), 3u);
  std::size_t compared = 0;
  for (const auto& rep : golden.at("reports")) {
    std::vector<ResultFile> runs;
    for (const auto& f : rep.at("inputs")) {
      const std::string rel = f.get<std::string>();
      runs.push_back({rel, load_run(root / rel), {}});
    }
    ReportOptions o;
    o.include_noisy = rep.at("include_noisy").get<bool>();
    const ValueReport r = build_value_report(runs, {}, AliasTable{}, {}, {}, o);
    std::vector<MeasuredMetric> got;
    for (const auto& m : r.machines) {
      got.insert(got.end(), m.metrics.begin(), m.metrics.end());
    }
    const auto& want = rep.at("metrics");
    ASSERT_EQ(got.size(), want.size()) << rep.at("inputs").dump();
    for (std::size_t i = 0; i < got.size(); ++i) {
      SCOPED_TRACE(rep.at("inputs").dump() + " #" + std::to_string(i));
      EXPECT_EQ(info(got[i].metric).id, want[i].at("metric").get<std::string>());
      EXPECT_EQ(got[i].value, want[i].at("value").get<double>());
      EXPECT_EQ(info(got[i].metric).unit, want[i].at("unit").get<std::string>());
      EXPECT_EQ(got[i].kind, want[i].at("kind").get<std::string>());
      EXPECT_EQ(got[i].case_name, want[i].at("case").get<std::string>());
      EXPECT_EQ(got[i].file, want[i].at("file").get<std::string>());
      EXPECT_EQ(got[i].field, want[i].at("field").get<std::string>());
      EXPECT_EQ(got[i].gpus, want[i].at("gpus").get<int>());
      EXPECT_EQ(got[i].note, want[i].at("note").get<std::string>());
      ++compared;
    }
  }
  EXPECT_GT(compared, 50u);
}

}  // namespace
}  // namespace gpb
