// SPDX-License-Identifier: Apache-2.0
// GPU check of the host<->device copy family (TE-4.3, MR-16): every default case valid and
// verified, within 10-105 % of the PCIe peak where the link is known, and pinned faster than
// pageable in each direction.
#include <gpb/result/schema_json.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "gpu_test_util.hpp"

namespace gpb {
namespace {

TEST(GpuCopy, PinnedBeatsPageableWithinPeak) {
  GPB_REQUIRE_GPU();
  const auto out = std::filesystem::temp_directory_path() / "gpb_gpu_copy.json";
  std::filesystem::remove(out);
  const std::string cmd = gpb::test::gpubench_path() +
                          " run --family copy/h2d,copy/d2h --devices 0 --quiet --overwrite --out " +
                          out.string() + " > /dev/null";
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc)) << cmd;
  EXPECT_EQ(WEXITSTATUS(rc), 0);
  const RunRecord rec = load_run(out);
  std::map<std::string, double> gbps;  // "h2d pinned" -> GB/s
  for (const auto& r : rec.results) {
    SCOPED_TRACE(r.name + ": " + r.message);
    const bool pinned = r.name.find("pinned") != std::string::npos;
    // A pageable copy goes through the driver's staging buffers and the host's page cache: a
    // noisy verdict is an honest outcome there, not a failure.
    EXPECT_TRUE(r.status == Status::valid || (!pinned && r.status == Status::noisy));
    EXPECT_TRUE(r.verified);
    ASSERT_TRUE(r.headline.has_value());
    if (r.peak.fraction) {
      EXPECT_LE(*r.peak.fraction, 1.05);
      if (pinned) {
        EXPECT_GE(*r.peak.fraction, 0.10);
      }
    }
    const std::string dir = r.family == "copy/h2d" ? "h2d" : "d2h";
    const std::string mem = pinned ? "pinned" : "pageable";
    gbps[dir + " " + mem] = r.headline->value;
  }
  ASSERT_EQ(gbps.size(), 4u);
  EXPECT_GT(gbps["h2d pinned"], gbps["h2d pageable"]);
  EXPECT_GT(gbps["d2h pinned"], gbps["d2h pageable"]);
}

}  // namespace
}  // namespace gpb
