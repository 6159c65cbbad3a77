// SPDX-License-Identifier: Apache-2.0
// Health deltas (METHODOLOGY FH-4): counters that grow during a case, read through the stub
// NVML (rising ECC count, a lost GPU) and judged by health_regressions.
#include <gpb/machine/health.hpp>

#include <gtest/gtest.h>

#include <cstdlib>

namespace gpb {
namespace {

HealthCounters healthy() {
  HealthCounters h;
  h.ecc_volatile_uncorrected = 0;
  h.pcie_replays = 12;
  h.remapped_rows_uncorrected = 1;
  h.remap_failure = false;
  return h;
}

TEST(Health, NoChangeIsHealthy) {
  EXPECT_TRUE(health_regressions(healthy(), healthy()).empty());
}

TEST(Health, EveryCounterThatGrowsIsNamed) {
  HealthCounters after = healthy();
  after.ecc_volatile_uncorrected = 2;
  after.pcie_replays = 17;
  after.remapped_rows_uncorrected = 2;
  after.remap_failure = true;
  after.gpu_lost = true;
  const std::vector<std::string> want{"ecc_volatile_uncorrected +2",
                                      "pcie_replays +5",
                                      "remapped_rows_uncorrected +1",
                                      "remap_failure",
                                      "gpu_lost"};
  EXPECT_EQ(health_regressions(healthy(), after), want);
}

TEST(Health, UnreadableCountersAreNoEvidence) {
  HealthCounters before;  // nothing readable
  HealthCounters after = healthy();
  after.ecc_volatile_uncorrected = 9;
  EXPECT_TRUE(health_regressions(before, after).empty());
  EXPECT_TRUE(health_regressions(after, before).empty());
  // A counter that went down (a driver reload) is not an error either.
  HealthCounters lower = healthy();
  lower.pcie_replays = 0;
  EXPECT_TRUE(health_regressions(healthy(), lower).empty());
}

constexpr const char* kBus = "0000:00:06.0";

TEST(Health, RisingEccThroughNvml) {
  setenv("GPB_STUB_NVML_ECC_RISING", "1", 1);
  std::string why;
  const auto nvml = Nvml::load(why, GPB_STUB_NVML_PATH);
  ASSERT_NE(nvml, nullptr) << why;
  const HealthCounters before = read_health(*nvml, kBus);
  const HealthCounters after = read_health(*nvml, kBus);
  ASSERT_TRUE(before.pcie_replays.has_value());
  ASSERT_TRUE(after.remapped_rows_uncorrected.has_value());
  EXPECT_FALSE(after.gpu_lost);
  EXPECT_EQ(health_regressions(before, after),
            std::vector<std::string>{"ecc_volatile_uncorrected +1"});
  unsetenv("GPB_STUB_NVML_ECC_RISING");
}

TEST(Health, LostGpuThroughNvml) {
  std::string why;
  const auto nvml = Nvml::load(why, GPB_STUB_NVML_PATH);
  ASSERT_NE(nvml, nullptr) << why;
  const HealthCounters before = read_health(*nvml, kBus);
  setenv("GPB_STUB_NVML_LOST", "1", 1);
  const HealthCounters after = read_health(*nvml, kBus);
  unsetenv("GPB_STUB_NVML_LOST");
  EXPECT_TRUE(after.gpu_lost);
  EXPECT_FALSE(after.ecc_volatile_uncorrected.has_value());
  EXPECT_EQ(health_regressions(before, after), std::vector<std::string>{"gpu_lost"});
}

TEST(Health, XidEventsAreDrainedOnce) {
  setenv("GPB_STUB_NVML_XID", "79", 1);
  std::string why;
  const auto nvml = Nvml::load(why, GPB_STUB_NVML_PATH);
  ASSERT_NE(nvml, nullptr) << why;
  const auto watch = nvml->watch_xids(kBus, why);
  ASSERT_NE(watch, nullptr) << why;
  const auto xids = watch->drain();
  EXPECT_EQ(xids, std::vector<std::uint64_t>{79});
  EXPECT_TRUE(watch->drain().empty());
  unsetenv("GPB_STUB_NVML_XID");
  EXPECT_EQ(xid_text(xids), "xid 79");
  EXPECT_EQ(xid_text({13, 31}), "xid 13, xid 31");
  EXPECT_TRUE(xid_poisons_device(xids));
  EXPECT_FALSE(xid_poisons_device({13, 31}));
}

TEST(Health, XidWatchUnavailableSaysWhy) {
  std::string why;
  const auto init_only = Nvml::load(why, GPB_STUB_NVML_INIT_ONLY_PATH);
  ASSERT_NE(init_only, nullptr) << why;
  EXPECT_EQ(init_only->watch_xids(kBus, why), nullptr);
  EXPECT_EQ(why, "symbol_missing");
  const auto nvml = Nvml::load(why, GPB_STUB_NVML_PATH);
  ASSERT_NE(nvml, nullptr) << why;
  EXPECT_EQ(nvml->watch_xids("0000:99:00.0", why), nullptr);
  EXPECT_EQ(why, "NOT_FOUND");
  setenv("GPB_STUB_NVML_NOT_SUPPORTED", "1", 1);
  EXPECT_EQ(nvml->watch_xids(kBus, why), nullptr);
  EXPECT_EQ(why, "NOT_SUPPORTED");
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
}

}  // namespace
}  // namespace gpb
