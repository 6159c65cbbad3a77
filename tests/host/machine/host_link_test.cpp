// SPDX-License-Identifier: Apache-2.0
// Host side of a GPU from sysfs (METHODOLOGY MR-16, §3 PCIe peaks): link speed parsing, the
// per-direction peak formula, CPU lists, and fixture trees with a node, without one (-1), with
// multi-range lists and with missing files.
#include <gpb/machine/host_link.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.hpp"

namespace gpb {
namespace {

TEST(HostLink, LinkSpeedText) {
  EXPECT_EQ(parse_link_speed("32.0 GT/s PCIe"), 32.0);
  EXPECT_EQ(parse_link_speed("16.0 GT/s PCIe"), 16.0);
  EXPECT_EQ(parse_link_speed("8 GT/s"), 8.0);
  EXPECT_EQ(parse_link_speed("2.5 GT/s PCIe"), 2.5);
  for (const char* bad : {"", "Unknown", "GT/s", "fast GT/s", "-8 GT/s", "8GT/s", "nan GT/s"}) {
    EXPECT_FALSE(parse_link_speed(bad).has_value()) << bad;
  }
}

TEST(HostLink, PerDirectionPeak) {
  // METHODOLOGY §3: Gen4 x16 = 31.5 GB/s, Gen5 x16 = 63.0 GB/s.
  EXPECT_NEAR(*pcie_peak_bytes_per_s(16, 16) / 1e9, 31.51, 0.01);
  EXPECT_NEAR(*pcie_peak_bytes_per_s(32, 16) / 1e9, 63.02, 0.01);
  EXPECT_NEAR(*pcie_peak_bytes_per_s(8, 16) / 1e9, 15.75, 0.01);
  EXPECT_NEAR(*pcie_peak_bytes_per_s(5, 16) / 1e9, 8.0, 1e-9);  // 8b/10b
  EXPECT_NEAR(*pcie_peak_bytes_per_s(2.5, 8) / 1e9, 2.0, 1e-9);
  EXPECT_FALSE(pcie_peak_bytes_per_s(64, 16).has_value());  // Gen6 FLIT: not modelled
  EXPECT_FALSE(pcie_peak_bytes_per_s(32, 0).has_value());
}

TEST(HostLink, GenerationRates) {
  EXPECT_EQ(pcie_gen_gt_per_s(1), 2.5);
  EXPECT_EQ(pcie_gen_gt_per_s(4), 16.0);
  EXPECT_EQ(pcie_gen_gt_per_s(5), 32.0);
  EXPECT_EQ(pcie_gen_gt_per_s(6), 64.0);
  EXPECT_FALSE(pcie_gen_gt_per_s(0).has_value());
  EXPECT_FALSE(pcie_gen_gt_per_s(7).has_value());
}

TEST(HostLink, CpuLists) {
  EXPECT_EQ(parse_cpulist("0-3,8-11,16"), (std::vector<int>{0, 1, 2, 3, 8, 9, 10, 11, 16}));
  EXPECT_EQ(parse_cpulist("5"), std::vector<int>{5});
  EXPECT_EQ(parse_cpulist("3,1-2,2"), (std::vector<int>{1, 2, 3}));
  for (const char* bad : {"", ",", "1-", "-1", "3-1", "a", "1,,2", "0-99999999"}) {
    EXPECT_FALSE(parse_cpulist(bad).has_value()) << bad;
  }
}

void put(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text << "\n";
}

TEST(HostLink, SysfsFixtures) {
  test::TempDir dir("hostlink");
  const auto dev = dir.path() / "sys/bus/pci/devices/0000:3b:00.0";
  put(dev / "numa_node", "1");
  put(dev / "local_cpulist", "24-47,72-95");
  put(dev / "current_link_speed", "16.0 GT/s PCIe");
  put(dev / "current_link_width", "16");
  put(dev / "max_link_speed", "32.0 GT/s PCIe");
  put(dev / "max_link_width", "16");
  // CUDA spells the bus id in upper case; sysfs in lower case.
  const HostAffinity a = gpu_host_affinity(dir.path().string(), "0000:3B:00.0");
  EXPECT_EQ(a.numa_node, 1);
  ASSERT_EQ(a.cpus.size(), 48u);
  EXPECT_EQ(a.cpus.front(), 24);
  EXPECT_EQ(a.cpus.back(), 95);
  EXPECT_TRUE(a.reason.empty());
  const PcieLinkState link = read_pcie_link_sysfs(dir.path().string(), "0000:3B:00.0");
  ASSERT_TRUE(link.current.value && link.max.value);
  EXPECT_EQ(link.current.value->gt_per_s, 16.0);
  EXPECT_EQ(link.max.value->gt_per_s, 32.0);
  EXPECT_EQ(link.max.value->width, 16);

  // A VM: numa_node -1, an odd cpulist, an unknown link speed.
  const auto vm = dir.path() / "sys/bus/pci/devices/0000:00:06.0";
  put(vm / "numa_node", "-1");
  put(vm / "local_cpulist", "0-15");
  put(vm / "current_link_speed", "Unknown");
  put(vm / "current_link_width", "0");
  const HostAffinity b = gpu_host_affinity(dir.path().string(), "0000:00:06.0");
  EXPECT_EQ(b.numa_node, -1);
  EXPECT_EQ(b.cpus.size(), 16u);
  const PcieLinkState vlink = read_pcie_link_sysfs(dir.path().string(), "0000:00:06.0");
  EXPECT_FALSE(vlink.current.value.has_value());
  EXPECT_NE(vlink.current.reason.find("unreadable current link"), std::string::npos);
  EXPECT_NE(vlink.max.reason.find("no max_link_speed"), std::string::npos);

  // A Gen5 card in a Gen4 x8 slot: the device folder is a link into the PCI tree, and the
  // upstream port's maximum bounds the link's.
  const auto port = dir.path() / "sys/devices/pci0000:00/0000:00:01.0";
  const auto card = port / "0000:5e:00.0";
  put(port / "max_link_speed", "16.0 GT/s PCIe");
  put(port / "max_link_width", "8");
  put(card / "max_link_speed", "32.0 GT/s PCIe");
  put(card / "max_link_width", "16");
  put(card / "current_link_speed", "2.5 GT/s PCIe");
  put(card / "current_link_width", "8");
  std::filesystem::create_symlink(card, dir.path() / "sys/bus/pci/devices/0000:5e:00.0");
  const PcieLinkState slotted = read_pcie_link_sysfs(dir.path().string(), "0000:5E:00.0");
  ASSERT_TRUE(slotted.max.value.has_value());
  EXPECT_EQ(slotted.max.value->gt_per_s, 16.0);
  EXPECT_EQ(slotted.max.value->width, 8);
  EXPECT_EQ(slotted.current.value->gt_per_s, 2.5);  // the current reading is left as it is

  // An emulated root port claiming less than the link runs at now bounds nothing.
  put(port / "max_link_speed", "2.5 GT/s PCIe");
  put(port / "max_link_width", "1");
  const PcieLinkState vm_port = read_pcie_link_sysfs(dir.path().string(), "0000:5e:00.0");
  EXPECT_EQ(vm_port.max.value->gt_per_s, 32.0);
  EXPECT_EQ(vm_port.max.value->width, 16);

  // No such device at all.
  const HostAffinity none = gpu_host_affinity(dir.path().string(), "0000:99:00.0");
  EXPECT_EQ(none.numa_node, -1);
  EXPECT_TRUE(none.cpus.empty());
  EXPECT_NE(none.reason.find("no local_cpulist"), std::string::npos);
  put(vm / "local_cpulist", "garbage");
  EXPECT_NE(gpu_host_affinity(dir.path().string(), "0000:00:06.0").reason.find("unreadable"),
            std::string::npos);
}

}  // namespace
}  // namespace gpb
