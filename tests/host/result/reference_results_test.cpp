// SPDX-License-Identifier: Apache-2.0
// Every committed result from a real GPU (results/reference) still loads with this reader
// (DI-3) and keeps the invariants reports rely on: valid cases are verified, have samples,
// statistics over exactly those samples, and a headline inside the plausibility bound (MR-13).
#include <gpb/result/schema_json.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace gpb {
namespace {

std::vector<std::filesystem::path> reference_results() {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path dir = std::filesystem::path(GPB_SOURCE_DIR) / "results" / "reference";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".json" && name.find("torch") == std::string::npos) {
      files.push_back(e.path());
    }
  }
  return files;
}

TEST(ReferenceResults, EveryCommittedResultLoadsAndIsConsistent) {
  const auto files = reference_results();
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    const RunRecord rec = load_run(f);
    EXPECT_EQ(rec.schema.major, kResultSchema.major);
    ASSERT_FALSE(rec.gpus.empty());
    EXPECT_FALSE(rec.runtime.driver_version.empty());
    EXPECT_FALSE(rec.tool.git_sha.empty());
    ASSERT_FALSE(rec.results.empty());
    for (const auto& r : rec.results) {
      SCOPED_TRACE(r.name);
      if (r.status != Status::valid) {
        EXPECT_FALSE(r.reasons.empty()) << "a non-valid case always says why";
        continue;
      }
      EXPECT_TRUE(r.verified);
      ASSERT_FALSE(r.sample_s.empty());
      ASSERT_TRUE(r.stats.has_value());
      EXPECT_EQ(r.stats->n, static_cast<std::int64_t>(r.sample_s.size()));
      ASSERT_TRUE(r.headline.has_value());
      EXPECT_GT(r.headline->value, 0);
      if (r.peak.fraction) {
        EXPECT_LE(*r.peak.fraction, 1.05);
        EXPECT_GE(*r.peak.fraction, 0.10);
      }
    }
  }
}

}  // namespace
}  // namespace gpb
