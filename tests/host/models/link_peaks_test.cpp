// SPDX-License-Identifier: Apache-2.0
// Peer link model (METHODOLOGY §3, MR-13): the per-generation NVLink table, the NVML version
// mapping, bus id canonicalisation, and the classification of direct NVLink, NVSwitch, PCIe
// and unknown pairs with their warnings.
#include <gpb/models/link_peaks.hpp>

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace gpb {
namespace {

const std::string kGpu0 = "0000:1b:00.0";
const std::string kGpu1 = "0000:43:00.0";
const std::string kSwitch = "0000:c1:00.0";

/// `n` ports of generation `gen`, the first `active` of them active, all to `remote`.
std::vector<NvLinkPort> ports(
    int n, int active, int gen, NvLinkRemote remote, const std::string& remote_bus) {
  std::vector<NvLinkPort> out;
  for (int i = 0; i < n; ++i) {
    NvLinkPort p;
    p.link = static_cast<unsigned>(i);
    p.active = i < active;
    p.generation = gen;
    p.remote = p.active ? remote : NvLinkRemote::unknown;
    p.remote_bus = p.active ? remote_bus : "";
    out.push_back(p);
  }
  return out;
}

PcieLinkState pcie(double cur_gt, int cur_width, double max_gt, int max_width) {
  return {{PcieLinkSpeed{cur_gt, cur_width}, ""}, {PcieLinkSpeed{max_gt, max_width}, ""}};
}

bool has_warning(const PairLink& p, const std::string& part) {
  for (const auto& w : p.warnings) {
    if (w.find(part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string warnings_text(const PairLink& p) {
  std::string all;
  for (const auto& w : p.warnings) {
    all += w + "\n";
  }
  return all;
}

TEST(LinkPeaks, PerGenerationTable) {
  EXPECT_EQ(nvlink_gbps_per_link(1), 20.0);  // P100: 4 links = 160 GB/s both directions
  EXPECT_EQ(nvlink_gbps_per_link(2), 25.0);  // V100: 6 links = 300
  EXPECT_EQ(nvlink_gbps_per_link(3), 25.0);  // A100: 12 links = 600
  EXPECT_EQ(nvlink_gbps_per_link(4), 25.0);  // H100/H200: 18 links = 900
  EXPECT_EQ(nvlink_gbps_per_link(5), 50.0);  // B200: 18 links = 1.8 TB/s
  for (int g : {0, -1, 6, 7}) {
    EXPECT_FALSE(nvlink_gbps_per_link(g).has_value()) << g;
    EXPECT_TRUE(nvlink_table_source(g).empty()) << g;
  }
  // Totals over both directions as the datasheets print them.
  EXPECT_DOUBLE_EQ(4 * 2 * *nvlink_gbps_per_link(1), 160.0);
  EXPECT_DOUBLE_EQ(6 * 2 * *nvlink_gbps_per_link(2), 300.0);
  EXPECT_DOUBLE_EQ(12 * 2 * *nvlink_gbps_per_link(3), 600.0);
  EXPECT_DOUBLE_EQ(18 * 2 * *nvlink_gbps_per_link(4), 900.0);
  EXPECT_DOUBLE_EQ(18 * 2 * *nvlink_gbps_per_link(5), 1800.0);
  for (int g = 1; g <= 5; ++g) {  // every row names its source
    EXPECT_NE(nvlink_table_source(g).find("https://www.nvidia.com/"), std::string::npos) << g;
  }
}

TEST(LinkPeaks, NvmlVersionMapping) {
  // nvmlNvlinkVersion_t, not the generation: A100 answers 5 (3_1), H100 6 (4_0).
  EXPECT_EQ(nvlink_generation_from_nvml(0), 0);  // INVALID
  EXPECT_EQ(nvlink_generation_from_nvml(1), 1);  // 1_0
  EXPECT_EQ(nvlink_generation_from_nvml(2), 2);  // 2_0
  EXPECT_EQ(nvlink_generation_from_nvml(3), 2);  // 2_2
  EXPECT_EQ(nvlink_generation_from_nvml(4), 3);  // 3_0
  EXPECT_EQ(nvlink_generation_from_nvml(5), 3);  // 3_1
  EXPECT_EQ(nvlink_generation_from_nvml(6), 4);  // 4_0
  EXPECT_EQ(nvlink_generation_from_nvml(7), 5);  // 5_0
  EXPECT_EQ(nvlink_generation_from_nvml(8), 6);  // 6_0
  EXPECT_EQ(nvlink_generation_from_nvml(9), 0);
  EXPECT_EQ(nvlink_generation_from_nvml(0xFFFFFFFFu), 0);
}

TEST(LinkPeaks, BusIdCanonicalForm) {
  EXPECT_EQ(canonical_bus_id("00000000:1B:00.0"), "0000:1b:00.0");  // NVML
  EXPECT_EQ(canonical_bus_id("0000:1b:00.0"), "0000:1b:00.0");      // CUDA, sysfs
  EXPECT_EQ(canonical_bus_id("0000:1B:00.0"), "0000:1b:00.0");
  EXPECT_EQ(canonical_bus_id("1B:00.0"), "0000:1b:00.0");
  EXPECT_EQ(canonical_bus_id("00010000:C1:1F.7"), "00010000:c1:1f.7");  // a domain > 0xffff
  EXPECT_EQ(canonical_bus_id("0001:c1:00.0"), "0001:c1:00.0");
  EXPECT_EQ(canonical_bus_id(""), "");
  EXPECT_EQ(canonical_bus_id("GPU0"), "gpu0");  // not a bus id: lower-cased only
  EXPECT_EQ(canonical_bus_id("zz:1b:00.0"), "zz:1b:00.0");
  EXPECT_EQ(canonical_bus_id("0000:1b00.0"), "0000:1b00.0");
}

TEST(LinkPeaks, DirectNvLinkH100Like) {
  const auto from = ports(18, 18, 4, NvLinkRemote::gpu, "00000000:43:00.0");  // NVML's spelling
  const auto to = ports(18, 18, 4, NvLinkRemote::gpu, "00000000:1B:00.0");
  const PairLink p = classify_pair_link(from, kGpu0, to, kGpu1, std::nullopt, std::nullopt);
  EXPECT_EQ(p.kind, PairLinkKind::nvlink);
  EXPECT_EQ(p.links, 18);
  EXPECT_EQ(p.generation, 4);
  EXPECT_FALSE(p.via_switch);
  ASSERT_TRUE(p.peak_gbps.has_value());
  EXPECT_DOUBLE_EQ(*p.peak_gbps, 450.0);
  EXPECT_EQ(p.text, "NVLink4 x18");
  EXPECT_NE(p.peak_source.find("18 NVLink links x 25.0 GB/s per direction"), std::string::npos)
      << p.peak_source;
  EXPECT_NE(p.peak_source.find("H100 datasheet"), std::string::npos) << p.peak_source;
  EXPECT_TRUE(p.warnings.empty()) << warnings_text(p);
}

TEST(LinkPeaks, DirectLinksOnlyToThePeerCount) {
  // A 4-GPU mesh: 6 links to the peer, 6 to each of two other GPUs; a remote of unknown type
  // whose bus id is the peer's still counts (old drivers lack the remote type).
  auto from = ports(6, 6, 2, NvLinkRemote::gpu, kGpu1);
  auto other = ports(6, 6, 2, NvLinkRemote::gpu, "0000:88:00.0");
  from.insert(from.end(), other.begin(), other.end());
  from[0].remote = NvLinkRemote::unknown;
  const PairLink p = classify_pair_link(from, kGpu0, {}, kGpu1, std::nullopt, std::nullopt);
  EXPECT_EQ(p.kind, PairLinkKind::nvlink);
  EXPECT_EQ(p.links, 6);
  EXPECT_DOUBLE_EQ(*p.peak_gbps, 150.0);
  EXPECT_EQ(p.text, "NVLink2 x6");
}

TEST(LinkPeaks, NvSwitchPairUsesTheSmallerLinkCount) {
  const auto from = ports(18, 18, 4, NvLinkRemote::nvswitch, kSwitch);
  const auto to = ports(18, 16, 4, NvLinkRemote::nvswitch, kSwitch);
  const PairLink p = classify_pair_link(from, kGpu0, to, kGpu1, std::nullopt, std::nullopt);
  EXPECT_EQ(p.kind, PairLinkKind::nvlink);
  EXPECT_TRUE(p.via_switch);
  EXPECT_EQ(p.links, 16);
  EXPECT_EQ(p.generation, 4);
  EXPECT_DOUBLE_EQ(*p.peak_gbps, 400.0);
  EXPECT_EQ(p.text, "NVLink4 x16 (NVSwitch)");
  EXPECT_NE(p.peak_source.find("NVSwitch"), std::string::npos);
  EXPECT_TRUE(has_warning(p, "2 of 18 NVLink links inactive on gpu 0000:43:00.0"))
      << warnings_text(p);
  EXPECT_FALSE(has_warning(p, "on gpu 0000:1b:00.0")) << warnings_text(p);
}

TEST(LinkPeaks, BlackwellSwitchPair) {
  const auto gpu = ports(18, 18, 5, NvLinkRemote::nvswitch, kSwitch);
  const PairLink p = classify_pair_link(gpu, kGpu0, gpu, kGpu1, std::nullopt, std::nullopt);
  EXPECT_DOUBLE_EQ(*p.peak_gbps, 900.0);
  EXPECT_EQ(p.text, "NVLink5 x18 (NVSwitch)");
}

TEST(LinkPeaks, InactiveLinksWarnAndLowerThePeak) {
  const auto from = ports(18, 14, 4, NvLinkRemote::gpu, kGpu1);
  const auto to = ports(18, 14, 4, NvLinkRemote::gpu, kGpu0);
  const PairLink p = classify_pair_link(from, kGpu0, to, kGpu1, std::nullopt, std::nullopt);
  EXPECT_EQ(p.links, 14);
  EXPECT_DOUBLE_EQ(*p.peak_gbps, 350.0);
  EXPECT_EQ(p.text, "NVLink4 x14");
  EXPECT_TRUE(has_warning(p, "4 of 18 NVLink links inactive on gpu 0000:1b:00.0"))
      << warnings_text(p);
  EXPECT_TRUE(has_warning(p, "4 of 18 NVLink links inactive on gpu 0000:43:00.0"))
      << warnings_text(p);
}

TEST(LinkPeaks, MixedGenerationsUseTheLowest) {
  auto from = ports(12, 12, 4, NvLinkRemote::gpu, kGpu1);
  from[3].generation = 3;
  const PairLink p = classify_pair_link(from, kGpu0, {}, kGpu1, std::nullopt, std::nullopt);
  EXPECT_EQ(p.generation, 3);
  EXPECT_DOUBLE_EQ(*p.peak_gbps, 12 * 25.0);
  EXPECT_EQ(p.text, "NVLink3 x12");
  EXPECT_TRUE(has_warning(p, "mixed NVLink generations")) << warnings_text(p);

  // Unknown generation on some links: the known one is used, with a warning.
  auto partly = ports(4, 4, 5, NvLinkRemote::gpu, kGpu1);
  partly[1].generation = 0;
  const PairLink q = classify_pair_link(partly, kGpu0, {}, kGpu1, std::nullopt, std::nullopt);
  EXPECT_EQ(q.generation, 5);
  EXPECT_DOUBLE_EQ(*q.peak_gbps, 200.0);
  EXPECT_TRUE(has_warning(q, "generation unknown on 1 of 4 links")) << warnings_text(q);
}

TEST(LinkPeaks, UnknownOrUntabledGenerationGivesNoPeak) {
  const PairLink p = classify_pair_link(
      ports(4, 4, 0, NvLinkRemote::gpu, kGpu1), kGpu0, {}, kGpu1, std::nullopt, std::nullopt);
  EXPECT_EQ(p.kind, PairLinkKind::nvlink);
  EXPECT_FALSE(p.peak_gbps.has_value());
  EXPECT_EQ(p.text, "NVLink x4");
  EXPECT_NE(p.peak_source.find("no NVLink generation"), std::string::npos);
  const PairLink q = classify_pair_link(
      ports(18, 18, 6, NvLinkRemote::gpu, kGpu1), kGpu0, {}, kGpu1, std::nullopt, std::nullopt);
  EXPECT_FALSE(q.peak_gbps.has_value());
  EXPECT_EQ(q.text, "NVLink6 x18");
  EXPECT_NE(q.peak_source.find("no per-link rate is tabled for NVLink6"), std::string::npos);
}

TEST(LinkPeaks, PcieFallbackWarnsWhenTheGpusHaveNvLink) {
  // Both GPUs have active NVLink, but to a third GPU only.
  const auto from = ports(4, 4, 3, NvLinkRemote::gpu, "0000:88:00.0");
  const auto to = ports(4, 0, 3, NvLinkRemote::gpu, "");
  const PairLink p =
      classify_pair_link(from, kGpu0, to, kGpu1, pcie(16, 16, 16, 16), pcie(16, 16, 16, 16));
  EXPECT_EQ(p.kind, PairLinkKind::pcie);
  EXPECT_EQ(p.generation, 4);
  EXPECT_EQ(p.text, "PCIe Gen4 x16");
  ASSERT_TRUE(p.peak_gbps.has_value());
  EXPECT_NEAR(*p.peak_gbps, 31.51, 0.01);
  EXPECT_TRUE(has_warning(p, "falls back to PCIe")) << warnings_text(p);
  EXPECT_TRUE(has_warning(p,
                          "gpu 0000:1b:00.0 has 4 active NVLink links, none to gpu "
                          "0000:43:00.0"))
      << warnings_text(p);
  EXPECT_TRUE(has_warning(p, "none of the 4 NVLink links of gpu 0000:43:00.0 is active"))
      << warnings_text(p);
}

TEST(LinkPeaks, PlainPcieHasNoWarnings) {
  const PairLink p =
      classify_pair_link({}, kGpu0, {}, kGpu1, pcie(32, 16, 32, 16), pcie(32, 16, 32, 16));
  EXPECT_EQ(p.kind, PairLinkKind::pcie);
  EXPECT_EQ(p.text, "PCIe Gen5 x16");
  EXPECT_NEAR(*p.peak_gbps, 63.02, 0.01);
  EXPECT_NE(p.peak_source.find("GT/s x lanes x encoding / 8"), std::string::npos);
  EXPECT_TRUE(p.warnings.empty()) << warnings_text(p);
}

TEST(LinkPeaks, PcieTakesTheSmallerOfTheTwoLinks) {
  // gpu0 Gen5 x16 (63.0 GB/s); gpu1 Gen4 x16 (31.5): the pair is bounded by gpu1.
  const PairLink gen =
      classify_pair_link({}, kGpu0, {}, kGpu1, pcie(32, 16, 32, 16), pcie(16, 16, 16, 16));
  EXPECT_EQ(gen.text, "PCIe Gen4 x16");
  EXPECT_EQ(gen.generation, 4);
  EXPECT_NEAR(*gen.peak_gbps, 31.51, 0.01);
  EXPECT_NE(gen.peak_source.find("PCIe Gen5 x16"), std::string::npos);
  EXPECT_NE(gen.peak_source.find("PCIe Gen4 x16"), std::string::npos);
  // gpu0 negotiated x8 of x16: it bounds the pair, with a warning.
  const PairLink width =
      classify_pair_link({}, kGpu0, {}, kGpu1, pcie(32, 8, 32, 16), pcie(32, 16, 32, 16));
  EXPECT_EQ(width.text, "PCIe Gen5 x8");
  EXPECT_NEAR(*width.peak_gbps, 31.51, 0.01);
  EXPECT_TRUE(has_warning(width, "PCIe link of gpu 0000:1b:00.0 runs x8 of x16"))
      << warnings_text(width);
}

TEST(LinkPeaks, PcieIdleDownshiftUsesTheMaximumGeneration) {
  // Read at rest: Gen1 of Gen5. The peak is Gen5's, without a warning (the host<->device copy
  // cases do the same).
  const PairLink p =
      classify_pair_link({}, kGpu0, {}, kGpu1, pcie(2.5, 16, 32, 16), pcie(32, 16, 32, 16));
  EXPECT_EQ(p.text, "PCIe Gen5 x16");
  EXPECT_NEAR(*p.peak_gbps, 63.02, 0.01);
  EXPECT_TRUE(p.warnings.empty()) << warnings_text(p);
}

TEST(LinkPeaks, PcieWithOneLinkUnknown) {
  PcieLinkState unknown{{std::nullopt, "no current_link_speed/width in sysfs"},
                        {std::nullopt, "no max_link_speed/width in sysfs"}};
  const PairLink p = classify_pair_link({}, kGpu0, {}, kGpu1, pcie(16, 16, 16, 16), unknown);
  EXPECT_EQ(p.kind, PairLinkKind::pcie);
  EXPECT_NEAR(*p.peak_gbps, 31.51, 0.01);
  EXPECT_TRUE(has_warning(p, "PCIe link of gpu 0000:43:00.0 unknown")) << warnings_text(p);
  EXPECT_TRUE(has_warning(p, "uses gpu 0000:1b:00.0's link alone")) << warnings_text(p);
}

TEST(LinkPeaks, PcieGen6IsNotModelled) {
  const PairLink p =
      classify_pair_link({}, kGpu0, {}, kGpu1, pcie(64, 16, 64, 16), pcie(64, 16, 64, 16));
  EXPECT_EQ(p.kind, PairLinkKind::pcie);
  EXPECT_EQ(p.generation, 6);
  EXPECT_FALSE(p.peak_gbps.has_value());
  EXPECT_NE(p.peak_source.find("not modelled"), std::string::npos);
}

TEST(LinkPeaks, AllUnknownGivesUnknownWithoutPeak) {
  const PairLink p = classify_pair_link({}, kGpu0, {}, kGpu1, std::nullopt, std::nullopt);
  EXPECT_EQ(p.kind, PairLinkKind::unknown);
  EXPECT_EQ(p.text, "unknown");
  EXPECT_FALSE(p.peak_gbps.has_value());
  EXPECT_EQ(p.links, 0);
  EXPECT_EQ(p.generation, 0);
  EXPECT_FALSE(p.peak_source.empty());
  EXPECT_TRUE(p.warnings.empty()) << warnings_text(p);
}

TEST(LinkPeaks, BusIdsMatchAcrossSpellings) {
  // CUDA's upper-case 4-digit form on one side, NVML's 8-digit form on the ports.
  const auto from = ports(2, 2, 3, NvLinkRemote::gpu, "00000000:43:00.0");
  const PairLink p =
      classify_pair_link(from, "0000:1B:00.0", {}, "0000:43:00.0", std::nullopt, std::nullopt);
  EXPECT_EQ(p.kind, PairLinkKind::nvlink);
  EXPECT_EQ(p.links, 2);
  // Another domain is another GPU.
  const PairLink q = classify_pair_link(ports(2, 2, 3, NvLinkRemote::gpu, "00000001:43:00.0"),
                                        kGpu0,
                                        {},
                                        kGpu1,
                                        std::nullopt,
                                        std::nullopt);
  EXPECT_NE(q.kind, PairLinkKind::nvlink);
}

TEST(LinkPeaks, ADirectLinkCountsWhenBothEndsAreUp) {
  const auto from = ports(18, 18, 4, NvLinkRemote::gpu, kGpu1);
  const auto to = ports(18, 16, 4, NvLinkRemote::gpu, kGpu0);  // two ends down on gpu1
  for (const auto& [a, a_bus, b, b_bus] :
       {std::make_tuple(from, kGpu0, to, kGpu1), std::make_tuple(to, kGpu1, from, kGpu0)}) {
    const PairLink p = classify_pair_link(a, a_bus, b, b_bus, std::nullopt, std::nullopt);
    EXPECT_EQ(p.links, 16) << a_bus;  // the same both ways
    EXPECT_DOUBLE_EQ(p.peak_gbps.value_or(0), 400.0);
    EXPECT_TRUE(has_warning(p, "2 of 18 NVLink links inactive on gpu 0000:43:00.0"))
        << warnings_text(p);
  }
}

TEST(LinkPeaks, UnidentifiedFarEndIsNvLinkWithoutAPeak) {
  // An old driver: active links, no remote device type, the far end a switch's bus id. Neither
  // direct nor a known switch; a PCIe peak would call a normal 390 GB/s copy implausible.
  const auto from = ports(18, 18, 4, NvLinkRemote::unknown, kSwitch);
  const auto to = ports(18, 18, 4, NvLinkRemote::unknown, kSwitch);
  const PairLink p =
      classify_pair_link(from, kGpu0, to, kGpu1, pcie(32, 16, 32, 16), pcie(32, 16, 32, 16));
  EXPECT_EQ(p.kind, PairLinkKind::nvlink);
  EXPECT_FALSE(p.peak_gbps.has_value());
  EXPECT_EQ(p.text, "NVLink (path not identified)");
  EXPECT_NE(p.peak_source.find("no peak"), std::string::npos) << p.peak_source;
  EXPECT_TRUE(has_warning(p, "is not identified")) << warnings_text(p);
}

TEST(LinkPeaks, SwitchOnOneSideOnlyIsNoPath) {
  const PairLink p = classify_pair_link(ports(18, 18, 4, NvLinkRemote::nvswitch, kSwitch),
                                        kGpu0,
                                        {},
                                        kGpu1,
                                        pcie(32, 16, 32, 16),
                                        pcie(32, 16, 32, 16));
  EXPECT_EQ(p.kind, PairLinkKind::pcie);
  EXPECT_TRUE(has_warning(p, "falls back to PCIe")) << warnings_text(p);
}

}  // namespace
}  // namespace gpb
