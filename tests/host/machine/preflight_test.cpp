// SPDX-License-Identifier: Apache-2.0
// Preflight audit (METHODOLOGY MR-19): every rule has a pass fixture and a fail fixture; the
// host rules read a fixture /proc + /sys tree, the GPU rules a stub NVML (healthy, unhealthy,
// all NOT_SUPPORTED, init-only); unreadable items are `unknown` with the reason.
#include <gpb/machine/preflight.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>

#include "temp_dir.hpp"

namespace gpb {
namespace {

const PreflightCheck& find(const std::vector<PreflightCheck>& checks, const std::string& id) {
  for (const auto& c : checks) {
    if (c.id == id) {
      return c;
    }
  }
  static const PreflightCheck none{"<missing>", "", CheckStatus::unknown, std::nullopt, "", ""};
  ADD_FAILURE() << "no check " << id;
  return none;
}

std::map<std::string, CheckStatus> statuses(const std::vector<PreflightCheck>& checks) {
  std::map<std::string, CheckStatus> out;
  for (const auto& c : checks) {
    out[c.id] = c.status;
  }
  return out;
}

// ---- host rules on a fixture tree ------------------------------------------------------------

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text << "\n";
}

struct HostTree {
  std::string governor, numa_balancing, aspm, thp;
  int nodes;
};

void make_tree(const test::TempDir& dir, const HostTree& t) {
  const auto root = dir.path();
  write_file(root / "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", t.governor);
  write_file(root / "proc/sys/kernel/numa_balancing", t.numa_balancing);
  write_file(root / "sys/module/pcie_aspm/parameters/policy", t.aspm);
  write_file(root / "sys/kernel/mm/transparent_hugepage/enabled", t.thp);
  for (int n = 0; n < t.nodes; ++n) {
    std::filesystem::create_directories(root /
                                        ("sys/devices/system/node/node" + std::to_string(n)));
  }
  std::filesystem::create_directories(root / "sys/devices/system/node/power");  // not a node
}

TEST(PreflightHost, PassFixture) {
  test::TempDir dir("preflight");
  make_tree(dir,
            {"performance",
             "1",
             "[default] performance powersave powersupersave",
             "always [madvise] never",
             1});
  const auto readings = read_host_preflight(dir.path().string());
  EXPECT_EQ(readings.numa_nodes, 1);
  const auto checks = evaluate_host_preflight(readings);
  ASSERT_EQ(checks.size(), 4u);
  for (const auto& c : checks) {
    EXPECT_EQ(c.status, CheckStatus::ok) << c.id << ": " << c.reason;
    EXPECT_EQ(c.scope, "host");
    EXPECT_TRUE(c.value.has_value()) << c.id;
  }
  // numa_balancing on a single node is harmless and says so in its value.
  EXPECT_EQ(find(checks, "numa_balancing").value.value_or(""), "1 (1 NUMA nodes)");
  EXPECT_EQ(find(checks, "pcie_aspm").value.value_or(""), "default");
  EXPECT_EQ(find(checks, "transparent_hugepages").value.value_or(""), "madvise");
}

TEST(PreflightHost, FailFixture) {
  test::TempDir dir("preflight");
  make_tree(dir,
            {"powersave", "1", "default performance [powersave] powersupersave", "[never]", 2});
  const auto checks = evaluate_host_preflight(read_host_preflight(dir.path().string()));
  EXPECT_EQ(find(checks, "cpu_governor").status, CheckStatus::warn);
  EXPECT_EQ(find(checks, "cpu_governor").value.value_or(""), "powersave");
  EXPECT_EQ(find(checks, "numa_balancing").status, CheckStatus::warn);
  EXPECT_EQ(find(checks, "pcie_aspm").status, CheckStatus::warn);
  EXPECT_FALSE(find(checks, "pcie_aspm").reason.empty());
  EXPECT_EQ(find(checks, "transparent_hugepages").status, CheckStatus::ok);  // recorded only
}

TEST(PreflightHost, MissingFilesAreUnknownWithReason) {
  test::TempDir dir("preflight");
  write_file(dir.path() / "proc/sys/kernel/numa_balancing", "banana");
  write_file(dir.path() / "sys/module/pcie_aspm/parameters/policy", "no brackets here");
  const auto checks = evaluate_host_preflight(read_host_preflight(dir.path().string()));
  ASSERT_EQ(checks.size(), 4u);
  for (const auto& c : checks) {
    EXPECT_EQ(c.status, CheckStatus::unknown) << c.id;
    EXPECT_FALSE(c.value.has_value()) << c.id;
    EXPECT_FALSE(c.reason.empty()) << c.id;
  }
  EXPECT_NE(find(checks, "cpu_governor").reason.find("no_cpufreq"), std::string::npos);
  EXPECT_NE(find(checks, "numa_balancing").reason.find("banana"), std::string::npos);
  EXPECT_NE(find(checks, "pcie_aspm").reason.find("unexpected_format"), std::string::npos);
}

// ---- GPU rules: one pass fixture, and per rule the smallest change that fails it ------------

GpuPreflightReadings healthy_gpu() {
  GpuPreflightReadings r;
  r.scope = "gpu0 0000:00:06.0";
  r.cuda_uuid = "GPU-5ca1ab1e-0000-4000-8000-000000000006";
  r.nvml_uuid.value = r.cuda_uuid;
  r.persistence_mode.value = true;
  r.ecc_enabled.value = true;
  r.ecc_pending.value = true;
  r.ecc_volatile_uncorrected.value = 0;
  r.remap_pending.value = false;
  r.remap_failure.value = false;
  r.retired_pages_pending.value = false;
  r.compute_mode.value = 0;
  r.mig_enabled.value = false;
  r.mig_pending.value = false;
  r.power_limit_w.value = 700;
  r.default_power_limit_w.value = 700;
  r.app_sm_clock_mhz.value = 1980;
  r.default_app_sm_clock_mhz.value = 1980;
  r.clock_event_reasons.value = 0x1;  // GpuIdle
  r.pcie_link.value = PcieLink{5, 5, 16, 16};
  r.pcie_under_load = true;
  r.pcie_replays.value = 0;
  r.other_processes.value = 0;
  r.utilization_pct.value = 0;
  r.temperature_c.value = 40;
  r.slowdown_temperature_c.value = 87;
  return r;
}

TEST(PreflightGpu, PassFixtureIsAllOk) {
  const auto checks = evaluate_gpu_preflight(healthy_gpu());
  EXPECT_EQ(checks.size(), 15u);
  for (const auto& c : checks) {
    EXPECT_EQ(c.status, CheckStatus::ok) << c.id << ": " << c.value.value_or("null");
    EXPECT_EQ(c.scope, "gpu0 0000:00:06.0");
    EXPECT_TRUE(c.reason.empty()) << c.id << ": " << c.reason;
  }
  EXPECT_FALSE(preflight_refuses(checks, true));
}

struct FailFixture {
  const char* id;
  CheckStatus want;
  std::function<void(GpuPreflightReadings&)> change;
};

TEST(PreflightGpu, EveryRuleHasAFailFixture) {
  const std::vector<FailFixture> fixtures = {
      {"device_identity", CheckStatus::fail, [](auto& r) { r.nvml_uuid.value = "GPU-other"; }},
      {"persistence_mode", CheckStatus::warn, [](auto& r) { r.persistence_mode.value = false; }},
      {"ecc_mode", CheckStatus::warn, [](auto& r) { r.ecc_pending.value = false; }},
      {"ecc_volatile_uncorrected",
       CheckStatus::fail,
       [](auto& r) { r.ecc_volatile_uncorrected.value = 1; }},
      {"row_remap", CheckStatus::warn, [](auto& r) { r.remap_pending.value = true; }},
      {"row_remap", CheckStatus::fail, [](auto& r) { r.remap_failure.value = true; }},
      {"retired_pages_pending",
       CheckStatus::warn,
       [](auto& r) { r.retired_pages_pending.value = true; }},
      {"compute_mode", CheckStatus::fail, [](auto& r) { r.compute_mode.value = 2; }},
      {"compute_mode", CheckStatus::warn, [](auto& r) { r.compute_mode.value = 1; }},
      {"mig_mode", CheckStatus::warn, [](auto& r) { r.mig_enabled.value = true; }},
      {"mig_mode", CheckStatus::warn, [](auto& r) { r.mig_pending.value = true; }},
      {"power_limit", CheckStatus::warn, [](auto& r) { r.power_limit_w.value = 500; }},
      {"clocks", CheckStatus::warn, [](auto& r) { r.app_sm_clock_mhz.value = 1410; }},
      {"clocks", CheckStatus::warn, [](auto& r) { r.clock_event_reasons.value = 0x2; }},
      {"pcie_link",
       CheckStatus::warn,
       [](auto& r) {
         r.pcie_link.value = PcieLink{5, 5, 8, 16};
       }},
      {"pcie_link",
       CheckStatus::warn,
       [](auto& r) {
         r.pcie_link.value = PcieLink{3, 5, 16, 16};
       }},
      {"pcie_replays", CheckStatus::warn, [](auto& r) { r.pcie_replays.value = 4; }},
      {"other_processes", CheckStatus::warn, [](auto& r) { r.other_processes.value = 1; }},
      {"utilization", CheckStatus::warn, [](auto& r) { r.utilization_pct.value = 55; }},
      {"temperature", CheckStatus::warn, [](auto& r) { r.temperature_c.value = 80; }},
  };
  for (const auto& f : fixtures) {
    GpuPreflightReadings r = healthy_gpu();
    f.change(r);
    const auto checks = evaluate_gpu_preflight(r);
    for (const auto& c : checks) {
      const CheckStatus want = c.id == f.id ? f.want : CheckStatus::ok;
      EXPECT_EQ(c.status, want) << "fixture " << f.id << ", check " << c.id;
    }
    EXPECT_FALSE(find(checks, f.id).reason.empty()) << f.id;
    EXPECT_TRUE(preflight_refuses(checks, true)) << f.id;
    EXPECT_FALSE(preflight_refuses(checks, false)) << f.id;
  }
}

TEST(PreflightGpu, IdleLinkDownshiftIsNotAFault) {
  GpuPreflightReadings r = healthy_gpu();
  r.pcie_link.value = PcieLink{1, 5, 16, 16};
  r.pcie_under_load = false;
  const auto checks = evaluate_gpu_preflight(r);
  const auto& link = find(checks, "pcie_link");
  EXPECT_EQ(link.status, CheckStatus::ok);
  EXPECT_EQ(link.value.value_or(""), "gen 1/5 x16/x16 idle");
  EXPECT_NE(link.reason.find("power-saving"), std::string::npos);
}

TEST(PreflightGpu, EveryCheckIsReportedWhenOnlyOneClockReads) {
  GpuPreflightReadings r = healthy_gpu();
  r.default_app_sm_clock_mhz.value.reset();
  r.default_app_sm_clock_mhz.reason = "NOT_SUPPORTED";
  r.clock_event_reasons.value.reset();
  r.clock_event_reasons.reason = "NOT_SUPPORTED";
  const auto checks = evaluate_gpu_preflight(r);
  EXPECT_EQ(checks.size(), 15u);
  const auto clocks = std::find_if(
      checks.begin(), checks.end(), [](const PreflightCheck& c) { return c.id == "clocks"; });
  ASSERT_NE(clocks, checks.end());
  EXPECT_EQ(clocks->status, CheckStatus::unknown);
  EXPECT_EQ(clocks->reason, "NOT_SUPPORTED");
}

TEST(PreflightGpu, UnknownGpuGivesOneUnknownPerCheck) {
  const auto checks = unknown_gpu_preflight("gpu1 0000:41:00.0", "nvml: library_not_found");
  EXPECT_EQ(checks.size(), 15u);
  for (const auto& c : checks) {
    EXPECT_EQ(c.status, CheckStatus::unknown) << c.id;
    EXPECT_EQ(c.reason, "nvml: library_not_found") << c.id;
    EXPECT_FALSE(c.value.has_value());
  }
  // Unknown is neither passed as ok nor refused under --strict.
  EXPECT_FALSE(preflight_refuses(checks, true));
}

TEST(Preflight, SummaryNamesWhatWarnsAndFails) {
  GpuPreflightReadings r = healthy_gpu();
  r.persistence_mode.value = false;
  r.ecc_volatile_uncorrected.value = 2;
  r.utilization_pct.reason = "NOT_SUPPORTED";
  r.utilization_pct.value.reset();
  const std::string s = preflight_summary(evaluate_gpu_preflight(r));
  EXPECT_EQ(s,
            "15 checks: 1 warn, 1 fail, 1 unknown: warn gpu0 0000:00:06.0 persistence_mode "
            "(disabled); fail gpu0 0000:00:06.0 ecc_volatile_uncorrected (2)");
}

// ---- FH-10: loaded libraries against the headers ---------------------------------------------

TEST(PreflightVersions, MatchWarnAndUnknown) {
  ToolInfo tool;
  tool.cuda_enabled = true;
  tool.cudart_header_version = 13000;
  tool.cublas_header_version = 130100;
  RuntimeInfo rt;
  rt.cuda_runtime_version = 13000;
  rt.cublas_version = 130102;  // a patch release apart: the same library for our purposes
  rt.cuda_driver_version = 13000;
  PreflightCheck c = evaluate_library_versions(tool, rt);
  EXPECT_EQ(c.id, "library_versions");
  EXPECT_EQ(c.scope, "host");
  EXPECT_EQ(c.status, CheckStatus::ok) << c.reason;
  EXPECT_EQ(c.value.value_or(""),
            "cudart 13.0 (built 13.0), cuBLAS 13.1.2 (built 13.1.0), driver CUDA 13.0");

  rt.cublas_version = 120904;  // a stale cuBLAS found first on the library path
  c = evaluate_library_versions(tool, rt);
  EXPECT_EQ(c.status, CheckStatus::warn);
  EXPECT_NE(c.reason.find("different cuBLAS"), std::string::npos) << c.reason;

  rt.cublas_version = 130100;
  rt.cuda_driver_version = 12080;  // driver for CUDA 12.8 under a 13.0 runtime
  c = evaluate_library_versions(tool, rt);
  EXPECT_EQ(c.status, CheckStatus::warn);
  EXPECT_NE(c.reason.find("driver is older"), std::string::npos) << c.reason;

  rt.cuda_driver_version = 13000;
  rt.cuda_runtime_version = 12040;
  EXPECT_EQ(evaluate_library_versions(tool, rt).status, CheckStatus::warn);

  RuntimeInfo none;
  c = evaluate_library_versions(tool, none);
  EXPECT_EQ(c.status, CheckStatus::unknown);
  EXPECT_FALSE(c.reason.empty());
  tool.cuda_enabled = false;
  EXPECT_EQ(evaluate_library_versions(tool, rt).reason, "built without CUDA");
}

// ---- GPU readings through NVML (stub libraries) ----------------------------------------------

constexpr const char* kBus = "0000:00:06.0";

std::unique_ptr<Nvml> load_stub(const char* path) {
  std::string why;
  auto nvml = Nvml::load(why, path);
  EXPECT_NE(nvml, nullptr) << why;
  return nvml;
}

TEST(PreflightNvml, HealthyStubPasses) {
  unsetenv("GPB_STUB_NVML_UNHEALTHY");
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
  const auto nvml = load_stub(GPB_STUB_NVML_PATH);
  ASSERT_NE(nvml, nullptr);
  auto readings = read_gpu_preflight(*nvml, kBus, "gpu0 0000:00:06.0");
  readings.cuda_uuid = "GPU-5ca1ab1e-0000-4000-8000-000000000006";
  ASSERT_TRUE(readings.pcie_link.value.has_value());
  EXPECT_EQ(readings.pcie_link.value->max_width, 16);
  EXPECT_EQ(readings.slowdown_temperature_c.value.value_or(0), 87.0);
  const auto checks = evaluate_gpu_preflight(readings);
  for (const auto& c : checks) {
    EXPECT_EQ(c.status, CheckStatus::ok) << c.id << ": " << c.reason;
  }
  EXPECT_EQ(find(checks, "power_limit").value.value_or(""), "700 W (default 700 W)");
}

TEST(PreflightNvml, UnhealthyStubWarnsAndFails) {
  setenv("GPB_STUB_NVML_UNHEALTHY", "1", 1);
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
  const auto nvml = load_stub(GPB_STUB_NVML_PATH);
  ASSERT_NE(nvml, nullptr);
  auto readings = read_gpu_preflight(*nvml, kBus, "gpu0 0000:00:06.0");
  readings.pcie_under_load = true;
  readings.cuda_uuid = "GPU-a-different-gpu";
  const auto s = statuses(evaluate_gpu_preflight(readings));
  const std::map<std::string, CheckStatus> want = {
      {"device_identity", CheckStatus::fail},
      {"persistence_mode", CheckStatus::warn},
      {"ecc_mode", CheckStatus::warn},
      {"ecc_volatile_uncorrected", CheckStatus::fail},
      {"row_remap", CheckStatus::fail},
      {"retired_pages_pending", CheckStatus::warn},
      {"compute_mode", CheckStatus::fail},
      {"mig_mode", CheckStatus::warn},
      {"power_limit", CheckStatus::warn},
      {"clocks", CheckStatus::warn},
      {"pcie_link", CheckStatus::warn},
      {"pcie_replays", CheckStatus::warn},
      {"other_processes", CheckStatus::warn},
      {"utilization", CheckStatus::warn},
      {"temperature", CheckStatus::warn},
  };
  for (const auto& [id, status] : want) {
    ASSERT_EQ(s.count(id), 1u) << id;
    EXPECT_EQ(s.at(id), status) << id;
  }
  unsetenv("GPB_STUB_NVML_UNHEALTHY");
}

TEST(PreflightNvml, NotSupportedAndInitOnlyAreUnknown) {
  setenv("GPB_STUB_NVML_NOT_SUPPORTED", "1", 1);
  {
    const auto nvml = load_stub(GPB_STUB_NVML_PATH);
    ASSERT_NE(nvml, nullptr);
    for (const auto& c : evaluate_gpu_preflight(read_gpu_preflight(*nvml, kBus, "gpu0"))) {
      EXPECT_EQ(c.status, CheckStatus::unknown) << c.id;
      EXPECT_EQ(c.reason, "NOT_SUPPORTED") << c.id;
    }
  }
  unsetenv("GPB_STUB_NVML_NOT_SUPPORTED");
  const auto init_only = load_stub(GPB_STUB_NVML_INIT_ONLY_PATH);
  ASSERT_NE(init_only, nullptr);
  for (const auto& c : evaluate_gpu_preflight(read_gpu_preflight(*init_only, kBus, "gpu0"))) {
    EXPECT_EQ(c.status, CheckStatus::unknown) << c.id;
    EXPECT_EQ(c.reason, "symbol_missing") << c.id;
  }
  // A bus id NVML does not know is NOT_FOUND on every item, never another GPU's values.
  const auto nvml = load_stub(GPB_STUB_NVML_PATH);
  for (const auto& c :
       evaluate_gpu_preflight(read_gpu_preflight(*nvml, "0000:99:00.0", "gpu9 0000:99:00.0"))) {
    EXPECT_EQ(c.status, CheckStatus::unknown) << c.id;
    EXPECT_EQ(c.reason, "NOT_FOUND") << c.id;
  }
}

}  // namespace
}  // namespace gpb
