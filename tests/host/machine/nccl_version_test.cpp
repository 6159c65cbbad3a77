// SPDX-License-Identifier: Apache-2.0
// The NCCL version probe (METHODOLOGY DI-4): version codes in both of NCCL's schemes, the
// library's own answer through a stand-in libnccl, a missing library named, and the warning
// when the loaded library is not the one the headers describe.
#include <gpb/machine/nccl_version.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace gpb {
namespace {

TEST(NcclVersion, CodesInBothSchemes) {
  EXPECT_EQ(nccl_version_text(22809), "2.28.9");
  EXPECT_EQ(nccl_version_text(21905), "2.19.5");
  EXPECT_EQ(nccl_version_text(20900), "2.9.0");
  EXPECT_EQ(nccl_version_text(2708), "2.7.8");  // before 2.9: major*1000 + minor*100 + patch
  EXPECT_EQ(nccl_version_text(0), "");
  EXPECT_EQ(nccl_version_text(-5), "");
  EXPECT_EQ(nccl_version_text(15000), "");  // between the schemes: neither
}

TEST(NcclVersion, TheLibraryAnswers) {
  unsetenv("GPB_STUB_NCCL_CODE");
  const Reading<int> v = loaded_nccl_version(GPB_STUB_NCCL_PATH);
  ASSERT_TRUE(v.value.has_value()) << v.reason;
  EXPECT_EQ(*v.value, 22105);
  setenv("GPB_STUB_NCCL_CODE", "7", 1);  // not a version code: no value, the code named
  const Reading<int> bad = loaded_nccl_version(GPB_STUB_NCCL_PATH);
  unsetenv("GPB_STUB_NCCL_CODE");
  EXPECT_FALSE(bad.value.has_value());
  EXPECT_NE(bad.reason.find("with code 7"), std::string::npos) << bad.reason;
}

TEST(NcclVersion, AMissingLibraryIsNamed) {
  const Reading<int> v = loaded_nccl_version("libgpb-no-such-nccl.so.2");
  EXPECT_FALSE(v.value.has_value());
  EXPECT_NE(v.reason.find("libgpb-no-such-nccl.so.2"), std::string::npos) << v.reason;
  // A library without the symbol (the stub NVML) says so.
  const Reading<int> other = loaded_nccl_version(GPB_STUB_NVML_PATH);
  EXPECT_FALSE(other.value.has_value());
  EXPECT_NE(other.reason.find("no ncclGetVersion"), std::string::npos) << other.reason;
}

TEST(NcclVersion, MismatchWarnsOnMajorOrMinorOnly) {
  EXPECT_EQ(nccl_version_mismatch(22809, 22803), "");  // patch levels differ: fine
  EXPECT_EQ(nccl_version_mismatch(22105, 22809),
            "NCCL 2.21.5 is loaded but gpubench was built against 2.28.9 headers; collectives "
            "run on the loaded library, whose behaviour may differ");
  EXPECT_EQ(nccl_version_mismatch(0, 22809), "");  // unknown: nothing to compare
}

}  // namespace
}  // namespace gpb
