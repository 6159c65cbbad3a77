// SPDX-License-Identifier: Apache-2.0
// Peer links read from the machine (METHODOLOGY §3, §4, FH-6): NVLink from the stub NVML, PCIe
// from NVML or a sysfs fixture, and each missing reading named in the warnings.
#include <gpb/machine/peer_link.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.hpp"

namespace gpb {
namespace {

const std::string kGpu0 = "0000:00:06.0";  // the stub's two devices
const std::string kGpu1 = "0000:00:07.0";

void put(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text << "\n";
}

/// A sysfs tree with both GPUs' links: gpu0 Gen5 x16, gpu1 Gen4 x16.
void sysfs_links(const test::TempDir& dir) {
  for (const auto& [bus, speed] :
       {std::make_pair(kGpu0, "32.0 GT/s PCIe"), std::make_pair(kGpu1, "16.0 GT/s PCIe")}) {
    const auto dev = dir.path() / "sys/bus/pci/devices" / bus;
    put(dev / "current_link_speed", speed);
    put(dev / "current_link_width", "16");
    put(dev / "max_link_speed", speed);
    put(dev / "max_link_width", "16");
  }
}

std::string warnings_text(const PairLink& p) {
  std::string all;
  for (const auto& w : p.warnings) {
    all += w + "\n";
  }
  return all;
}

TEST(PeerLink, DirectNvLinkFromTheStub) {
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
  unsetenv("GPB_STUB_NVML_NVSWITCH");
  const PairLink p = read_pair_link(kGpu0, kGpu1, "/nonexistent", GPB_STUB_NVML_PATH);
  EXPECT_EQ(p.kind, PairLinkKind::nvlink);
  EXPECT_EQ(p.links, 16);  // links 16 and 17 of gpu0 are inactive
  EXPECT_EQ(p.generation, 4);
  EXPECT_DOUBLE_EQ(p.peak_gbps.value_or(0), 400.0);
  EXPECT_EQ(p.text, "NVLink4 x16");
  ASSERT_EQ(p.warnings.size(), 1u) << warnings_text(p);
  EXPECT_EQ(p.warnings[0], "2 of 18 NVLink links inactive on gpu 0000:00:06.0");
  // The other way round: a link counts only when both of its ends are up, so the same 16.
  const PairLink back = read_pair_link(kGpu1, kGpu0, "/nonexistent", GPB_STUB_NVML_PATH);
  EXPECT_EQ(back.links, 16);
  EXPECT_DOUBLE_EQ(back.peak_gbps.value_or(0), 400.0);
}

TEST(PeerLink, NvSwitchFromTheStub) {
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
  setenv("GPB_STUB_NVML_NVSWITCH", "1", 1);
  const PairLink p = read_pair_link(kGpu0, kGpu1, "/nonexistent", GPB_STUB_NVML_PATH);
  unsetenv("GPB_STUB_NVML_NVSWITCH");
  EXPECT_TRUE(p.via_switch);
  EXPECT_EQ(p.links, 16);
  EXPECT_EQ(p.text, "NVLink4 x16 (NVSwitch)");
}

TEST(PeerLink, NoNvLinkFallsToSysfsPcie) {
  // NVML answers NOT_SUPPORTED everywhere: no NVLink, and no PCIe reading from NVML either.
  setenv("GPB_STUB_NVML_NOT_SUPPORTED", "1", 1);
  test::TempDir dir("peerlink");
  sysfs_links(dir);
  const PairLink p = read_pair_link(kGpu0, kGpu1, dir.path().string(), GPB_STUB_NVML_PATH);
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
  EXPECT_EQ(p.kind, PairLinkKind::pcie);
  EXPECT_EQ(p.text, "PCIe Gen4 x16");
  EXPECT_NEAR(p.peak_gbps.value_or(0), 31.51, 0.01);
  EXPECT_TRUE(p.warnings.empty()) << warnings_text(p);
}

TEST(PeerLink, WithoutNvmlClassifiesFromSysfs) {
  test::TempDir dir("peerlink");
  sysfs_links(dir);
  const PairLink p = read_pair_link(kGpu0, kGpu1, dir.path().string(), "libgpb-no-such-nvml.so.1");
  EXPECT_EQ(p.kind, PairLinkKind::pcie);
  EXPECT_EQ(p.text, "PCIe Gen4 x16 (NVLink not read)");
  // The pair may be NVLink: a PCIe peak would call a normal copy implausible.
  EXPECT_FALSE(p.peak_gbps.has_value());
  EXPECT_NE(p.peak_source.find("NVLink was not read"), std::string::npos) << p.peak_source;
  ASSERT_EQ(p.warnings.size(), 1u) << warnings_text(p);
  EXPECT_NE(p.warnings[0].find("NVML unavailable (library_not_found"), std::string::npos);
}

TEST(PeerLink, InitOnlyNvmlNamesTheMissingReadings) {
  test::TempDir dir("peerlink");
  sysfs_links(dir);
  const PairLink p =
      read_pair_link(kGpu0, kGpu1, dir.path().string(), GPB_STUB_NVML_INIT_ONLY_PATH);
  EXPECT_EQ(p.kind, PairLinkKind::pcie);
  EXPECT_FALSE(p.peak_gbps.has_value());
  EXPECT_NE(warnings_text(p).find("NVLink ports of gpu 0000:00:06.0 not read (symbol_missing)"),
            std::string::npos)
      << warnings_text(p);
}

TEST(PeerLink, NothingReadableIsUnknown) {
  const PairLink p = read_pair_link(kGpu0, kGpu1, "/nonexistent", "libgpb-no-such-nvml.so.1");
  EXPECT_EQ(p.kind, PairLinkKind::unknown);
  EXPECT_EQ(p.text, "unknown");
  EXPECT_FALSE(p.peak_gbps.has_value());
  EXPECT_NE(p.peak_source.find("no current_link_speed/width in sysfs"), std::string::npos)
      << p.peak_source;
}

}  // namespace
}  // namespace gpb
