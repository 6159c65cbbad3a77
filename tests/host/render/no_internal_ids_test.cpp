// SPDX-License-Identifier: Apache-2.0
// What a person reads never shows an internal requirement ID (MR-8, DI-6, "METHODOLOGY §2.6"):
// the help of every subcommand, the value report in every format and basis, and compare in every
// format, all from the committed fixtures. The IDs stay in source comments only.
#include <gpb/models/compute_peaks.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/run/cli.hpp>
#include <gpb/value/commands.hpp>
#include <gpb/value/compare.hpp>
#include <gpb/value/prices.hpp>
#include <gpb/value/report.hpp>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "report_fixtures.hpp"
#include "temp_dir.hpp"

namespace gpb {
namespace {

namespace fs = std::filesystem;

const fs::path& kFixtures = test::kReportFixtures;

/// Fails with the offending line when `text` holds an internal ID; `what` names the text.
void expect_no_internal_id(const std::string& what, const std::string& text) {
  static const std::regex id(R"(\b(MR|DI|FH|IN|TE)-[0-9])");
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    EXPECT_FALSE(std::regex_search(line, id)) << what << " line " << n << ": " << line;
    EXPECT_EQ(line.find("\u00a7"), std::string::npos) << what << " line " << n << ": " << line;
  }
}

/// The checker itself: it must catch what it is there to catch.
TEST(NoInternalIds, CheckerCatchesIds) {
  for (const std::string bad : {"window not steady (MR-8)",
                                "see METHODOLOGY \u00a72.6",
                                "(DI-6)",
                                "FH-2",
                                "x IN-5",
                                "TE-2 y"}) {
    ::testing::TestPartResultArray failures;
    {
      ::testing::ScopedFakeTestPartResultReporter reporter(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
      expect_no_internal_id("probe", bad);
    }
    EXPECT_GT(failures.size(), 0u) << bad;
  }
  expect_no_internal_id("clean", "GPU-1 UTF-8 SHA-256 TF32 H100-SXM-80GB");
}

TEST(NoInternalIds, HelpOfEveryCommand) {
  std::vector<std::pair<std::string, std::string>> texts;
  for (const Command c : {Command::devices, Command::list, Command::run, Command::preflight}) {
    texts.emplace_back("help_text(" + std::to_string(static_cast<int>(c)) + ")", help_text(c));
  }
  texts.emplace_back("prices --help", prices_help_text());
  texts.emplace_back("report_help_text", report_help_text());
  texts.emplace_back("compare_help_text", compare_help_text());
  texts.emplace_back("validate_help_text", validate_help_text());
  {
    std::ostringstream out, err;
    ASSERT_EQ(prices_command({"import", "--help"}, out, err), 0);
    texts.emplace_back("prices import --help", out.str());
  }
  {
    std::ostringstream out;
    ASSERT_EQ(validate_command({"--help"}, out), 0);
    texts.emplace_back("validate --help", out.str());
  }
  // report and compare print their help on stdout.
  ::testing::internal::CaptureStdout();
  const int report_rc = report_command({"--help"});
  texts.emplace_back("report --help", ::testing::internal::GetCapturedStdout());
  ::testing::internal::CaptureStdout();
  const int compare_rc = compare_command({"--help"});
  texts.emplace_back("compare --help", ::testing::internal::GetCapturedStdout());
  EXPECT_EQ(report_rc, 0);
  EXPECT_EQ(compare_rc, 0);

  for (const auto& [what, text] : texts) {
    SCOPED_TRACE(what);
    EXPECT_NE(text.find("gpubench"), std::string::npos) << what << ":\n" << text;
    expect_no_internal_id(what, text);
  }
  EXPECT_NE(texts.back().second.find("gpubench compare"), std::string::npos);
}

class NoInternalIdsInFixtures : public test::InReportFixtures {
 protected:
  static void check_every_format(const std::string& what, const ValueReport& r) {
    for (const auto& [format, render] : report_renderers()) {
      SCOPED_TRACE(what + " " + format);
      std::ostringstream s;
      render(r, s);
      const std::string text = s.str();
      ASSERT_FALSE(text.empty());
      EXPECT_NE(text.find("GPU-hour"), std::string::npos) << what << " " << format;
      expect_no_internal_id(what + " " + format, text);
    }
  }
};

const std::vector<std::string> kMainFixtures{"h200.json", "h100x8.json", "unmapped.json"};

TEST_F(NoInternalIdsInFixtures, ReportInEveryFormatAndBasis) {
  const std::vector<ResultFile> files = runs(kMainFixtures);
  for (const PricingBasis basis :
       {PricingBasis::on_demand, PricingBasis::spot, PricingBasis::owned}) {
    for (const bool noisy : {false, true}) {
      check_every_format(std::string(to_string(basis)) + (noisy ? " noisy" : ""),
                         report_of(files, basis, noisy));
    }
  }
}

// The notes a report adds to a chosen metric: an unsteady sustained window and a repeat spread
// over the limit (a note and a warning).
TEST_F(NoInternalIdsInFixtures, ReportNotesAndWarnings) {
  // h200.json edited as a file and loaded as any result file: every sustained window marked
  // not steady, and the triad f32 case run twice more at half the rate.
  nlohmann::json doc = nlohmann::json::parse(std::ifstream("h200.json"));
  nlohmann::json extra = nlohmann::json::array();
  for (auto& c : doc.at("results")) {
    const std::string name = c.at("name").get<std::string>();
    if (name.rfind("gemm/", 0) == 0 && c.at("notes").contains("sustained_steady")) {
      c["notes"]["sustained_steady"] = "false";
    }
    if (c.at("status") == "valid" && name.find("kernel=triad/dtype=f32") != std::string::npos) {
      nlohmann::json slower = c;
      slower["headline"]["value"] = 0.5 * c.at("headline").at("value").get<double>();
      extra.push_back(slower);
      extra.push_back(slower);
    }
  }
  ASSERT_FALSE(extra.empty()) << "h200.json has no valid triad f32 case";
  for (const auto& c : extra) {
    doc["results"].push_back(c);
  }
  const test::TempDir dir("ids");
  const fs::path edited = dir.path() / "h200_edited.json";
  std::ofstream(edited) << doc.dump(2);
  const std::vector<ResultFile> files{{"h200_edited.json", load_run(edited), {}}};
  const ValueReport r = report_of(files, PricingBasis::on_demand, false);
  std::string notes;
  for (const auto& m : r.machines) {
    for (const auto& x : m.metrics) {
      notes += x.note + "\n";
    }
  }
  EXPECT_NE(notes.find("not steady"), std::string::npos) << notes;
  std::string warnings;
  for (const auto& w : r.warnings) {
    warnings += w + "\n";
  }
  EXPECT_NE(warnings.find("repeatability limit"), std::string::npos) << warnings;
  expect_no_internal_id("notes", notes);
  expect_no_internal_id("warnings", warnings);
  check_every_format("notes and warnings", r);
}

TEST_F(NoInternalIdsInFixtures, CompareInEveryFormat) {
  const Comparison c = build_comparison(runs({"h200.json", "h200_b.json", "h100x8.json"}));
  for (const auto& [format, render] : compare_renderers()) {
    SCOPED_TRACE(format);
    std::ostringstream s;
    render(c, s);
    const std::string text = s.str();
    ASSERT_FALSE(text.empty());
    EXPECT_NE(text.find("h100x8.json"), std::string::npos) << format;
    EXPECT_NE(text.find("NVIDIA H200"), std::string::npos) << format;
    expect_no_internal_id("compare " + format, text);
  }
}

// The peak's source string is written into result files and shown where they are read.
TEST(NoInternalIds, ComputePeakSource) {
  const PeakEstimate p = compute_peak(132, 1980.0, 9, 0, ComputePipe::bf16_tensor);
  ASSERT_TRUE(p.tflops.has_value()) << p.reason;
  EXPECT_NE(p.source.find("FLOP/clk/SM"), std::string::npos) << p.source;
  expect_no_internal_id("compute_peak source", p.source);
}

}  // namespace
}  // namespace gpb
