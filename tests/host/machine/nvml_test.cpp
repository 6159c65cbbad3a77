// SPDX-License-Identifier: Apache-2.0
// NVML by dlopen (METHODOLOGY §4, FH-6): a missing library, an init-only library and an
// all-NOT_SUPPORTED library each degrade to null + reason; reason bits decode per MR-7; the
// telemetry sampler ORs reasons over a case.
#include <gpb/machine/nvml.hpp>
#include <gpb/machine/telemetry.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>
#include <utility>

namespace gpb {
namespace {

TEST(Nvml, MissingLibraryGivesNullAndReason) {
  std::string why;
  EXPECT_EQ(Nvml::load(why, "libgpb-no-such-nvml.so.1"), nullptr);
  EXPECT_NE(why.find("library_not_found"), std::string::npos) << why;
}

TEST(Nvml, FullStubReadsEveryValue) {
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
  std::string why;
  const auto nvml = Nvml::load(why, GPB_STUB_NVML_PATH);
  ASSERT_NE(nvml, nullptr) << why;
  EXPECT_EQ(nvml->driver_version().value.value_or(""), "580.159.04");
  EXPECT_EQ(nvml->power_limit_w("0000:00:06.0").value.value_or(0), 700.0);
  EXPECT_DOUBLE_EQ(nvml->power_usage_w("0000:00:06.0").value.value_or(0), 691.5);
  EXPECT_EQ(nvml->temperature_c("0000:00:06.0").value.value_or(0), 58.0);
  EXPECT_EQ(nvml->sm_clock_mhz("0000:00:06.0").value.value_or(0), 1410.0);
  const auto reasons = nvml->clock_event_reasons("0000:00:06.0");
  ASSERT_TRUE(reasons.value.has_value());
  EXPECT_TRUE(is_throttling(*reasons.value));
  // Devices are addressed by PCI bus id only (MR-17): an unknown one is NOT_FOUND, not index 0.
  const auto missing = nvml->power_limit_w("0000:99:00.0");
  EXPECT_FALSE(missing.value.has_value());
  EXPECT_EQ(missing.reason, "NOT_FOUND");
}

TEST(Nvml, NotSupportedEverywhereGivesReasons) {
  setenv("GPB_STUB_NVML_NOT_SUPPORTED", "1", 1);
  std::string why;
  const auto nvml = Nvml::load(why, GPB_STUB_NVML_PATH);
  ASSERT_NE(nvml, nullptr) << why;
  for (const auto& r : {nvml->power_limit_w("0000:00:06.0"),
                        nvml->power_usage_w("0000:00:06.0"),
                        nvml->temperature_c("0000:00:06.0"),
                        nvml->sm_clock_mhz("0000:00:06.0")}) {
    EXPECT_FALSE(r.value.has_value());
    EXPECT_EQ(r.reason, "NOT_SUPPORTED");
  }
  EXPECT_EQ(nvml->clock_event_reasons("0000:00:06.0").reason, "NOT_SUPPORTED");
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
}

TEST(Nvml, InitOnlyStubGivesSymbolMissing) {
  std::string why;
  const auto nvml = Nvml::load(why, GPB_STUB_NVML_INIT_ONLY_PATH);
  ASSERT_NE(nvml, nullptr) << why;
  EXPECT_EQ(nvml->driver_version().reason, "symbol_missing");
  EXPECT_EQ(nvml->power_limit_w("0000:00:06.0").reason, "symbol_missing");
  EXPECT_EQ(nvml->clock_event_reasons("0000:00:06.0").reason, "symbol_missing");
  EXPECT_EQ(nvml->temperature_c("0000:00:06.0").reason, "symbol_missing");
  EXPECT_EQ(nvml->nvlink_ports("0000:00:06.0").reason, "symbol_missing");
  EXPECT_EQ(nvml->p2p_read_supported("0000:00:06.0", "0000:00:07.0").reason, "symbol_missing");
}

// Peer links (METHODOLOGY §3): NVLink ports and the P2P read status.
TEST(Nvml, NvLinkPortsFromTheStub) {
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
  unsetenv("GPB_STUB_NVML_NVSWITCH");
  std::string why;
  const auto nvml = Nvml::load(why, GPB_STUB_NVML_PATH);
  ASSERT_NE(nvml, nullptr) << why;
  const auto r = nvml->nvlink_ports("0000:00:06.0");
  ASSERT_TRUE(r.value.has_value()) << r.reason;
  ASSERT_EQ(r.value->size(), 18u);  // links past NVML_NVLINK_MAX_LINKS are never asked for
  int active = 0;
  for (const NvLinkPort& p : *r.value) {
    active += p.active ? 1 : 0;
    EXPECT_EQ(p.generation, 4) << p.link;  // NVML answers 6 (NVML_NVLINK_VERSION_4_0)
    EXPECT_EQ(p.remote, NvLinkRemote::gpu);
    EXPECT_EQ(p.remote_bus, "00000000:00:07.0");
  }
  EXPECT_EQ(active, 16);
  EXPECT_EQ((*r.value)[17].link, 17u);
  EXPECT_FALSE((*r.value)[17].active);
  const auto peer = nvml->nvlink_ports("0000:00:07.0");
  ASSERT_TRUE(peer.value.has_value());
  EXPECT_EQ(peer.value->front().remote_bus, "00000000:00:06.0");
  EXPECT_EQ(nvml->nvlink_ports("0000:99:00.0").reason, "NOT_FOUND");

  setenv("GPB_STUB_NVML_NVSWITCH", "1", 1);
  const auto sw = nvml->nvlink_ports("0000:00:06.0");
  unsetenv("GPB_STUB_NVML_NVSWITCH");
  ASSERT_TRUE(sw.value.has_value());
  EXPECT_EQ(sw.value->front().remote, NvLinkRemote::nvswitch);
  EXPECT_EQ(sw.value->front().remote_bus, "00000000:C1:00.0");
}

TEST(Nvml, NoNvLinkIsAnEmptyValueNotAnError) {
  setenv("GPB_STUB_NVML_NOT_SUPPORTED", "1", 1);
  std::string why;
  const auto nvml = Nvml::load(why, GPB_STUB_NVML_PATH);
  ASSERT_NE(nvml, nullptr) << why;
  const auto r = nvml->nvlink_ports("0000:00:06.0");
  const auto p2p = nvml->p2p_read_supported("0000:00:06.0", "0000:00:07.0");
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
  ASSERT_TRUE(r.value.has_value()) << r.reason;
  EXPECT_TRUE(r.value->empty());
  EXPECT_FALSE(p2p.value.has_value());
  EXPECT_EQ(p2p.reason, "NOT_SUPPORTED");
}

TEST(Nvml, P2pReadStatus) {
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
  std::string why;
  const auto nvml = Nvml::load(why, GPB_STUB_NVML_PATH);
  ASSERT_NE(nvml, nullptr) << why;
  const auto ok = nvml->p2p_read_supported("0000:00:06.0", "0000:00:07.0");
  ASSERT_TRUE(ok.value.has_value()) << ok.reason;
  EXPECT_TRUE(*ok.value);
  const std::pair<const char*, const char*> statuses[] = {{"1", "chipset not supported"},
                                                          {"2", "GPU not supported"},
                                                          {"3", "IOH topology not supported"},
                                                          {"4", "disabled by regkey"},
                                                          {"5", "not supported"},
                                                          {"6", "unknown (P2P status 6)"}};
  for (const auto& [status, words] : statuses) {
    setenv("GPB_STUB_NVML_P2P_STATUS", status, 1);
    const auto r = nvml->p2p_read_supported("0000:00:06.0", "0000:00:07.0");
    ASSERT_TRUE(r.value.has_value()) << status;
    EXPECT_FALSE(*r.value) << status;
    EXPECT_EQ(r.reason, words);
  }
  unsetenv("GPB_STUB_NVML_P2P_STATUS");
  EXPECT_EQ(nvml->p2p_read_supported("0000:00:06.0", "0000:99:00.0").reason, "NOT_FOUND");
}

TEST(Nvml, ReasonBitsDecode) {
  EXPECT_TRUE(clock_event_reason_names(0).empty());
  const auto names = clock_event_reason_names(0x4 | 0x40 | 0x1);
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0], "GpuIdle");
  EXPECT_EQ(names[1], "SwPowerCap");
  EXPECT_EQ(names[2], "HwThermalSlowdown");
  EXPECT_FALSE(is_throttling(0x1 | 0x2 | 0x10 | 0x100));  // benign only
  for (std::uint64_t bit : {0x4ull, 0x8ull, 0x20ull, 0x40ull, 0x80ull}) {
    EXPECT_TRUE(is_throttling(bit)) << bit;
  }
}

}  // namespace
}  // namespace gpb

namespace gpb {
namespace {

// MR-7: a sampling thread ORs the clock-event reasons over the case and keeps ranges.
TEST(Telemetry, SamplerOrsReasonsAndKeepsRanges) {
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
  std::string why;
  const auto nvml = Nvml::load(why, GPB_STUB_NVML_PATH);
  ASSERT_NE(nvml, nullptr) << why;
  TelemetrySampler sampler(*nvml, "0000:00:06.0", std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  const TelemetrySummary t = sampler.stop();
  EXPECT_GE(t.samples, 2);
  ASSERT_TRUE(t.power_w.mean.has_value());
  EXPECT_DOUBLE_EQ(*t.power_w.mean, 691.5);
  EXPECT_DOUBLE_EQ(*t.sm_clock_mhz.max, 1410.0);
  EXPECT_EQ(throttle_text(t), "SwPowerCap");  // GpuIdle is benign and left out
  EXPECT_NE(telemetry_text(t).find("power_w"), std::string::npos);
  // stop() is idempotent (the destructor calls it again).
  EXPECT_EQ(sampler.stop().samples, t.samples);
}

TEST(Telemetry, NotSupportedGivesReasonsNotNumbers) {
  setenv("GPB_STUB_NVML_NOT_SUPPORTED", "1", 1);
  std::string why;
  const auto nvml = Nvml::load(why, GPB_STUB_NVML_PATH);
  ASSERT_NE(nvml, nullptr) << why;
  TelemetrySampler sampler(*nvml, "0000:00:06.0", std::chrono::milliseconds(10));
  const TelemetrySummary t = sampler.stop();
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
  EXPECT_GE(t.samples, 1);
  EXPECT_FALSE(t.power_w.mean.has_value());
  EXPECT_EQ(t.power_w.reason, "NOT_SUPPORTED");
  EXPECT_EQ(throttle_text(t), "not measured (NOT_SUPPORTED)");
}

}  // namespace
}  // namespace gpb
