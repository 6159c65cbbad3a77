// SPDX-License-Identifier: Apache-2.0
// Result JSON read/write (METHODOLOGY DI-1..3, IN-2): round trips, strict writing, strict
// reading of hostile input, golden file, and atomic writes including a SIGKILL test.
#include <gpb/result/schema.hpp>
#include <gpb/result/schema_json.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace gpb {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kTwo53 = 1ull << 53;

std::uint64_t bits(double v) {
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// ---------------------------------------------------------------------------------------------
// Records

CaseResult rich_case(int i) {
  CaseResult c;
  c.name = "stream/triad/dtype=f32/n=" + std::to_string(1000 + i);
  c.family = "stream";
  c.methodology_version = 3;
  c.params = {{"dtype", "f32"}, {"n", std::to_string(1000 + i)}, {"a_last", "x"}};
  c.devices = {0, 1};
  c.device_uuids = {"GPU-aaaa", "GPU-bbbb"};
  c.status = Status::noisy;
  c.reasons = {"rel_iqr_above_threshold", "second \"quoted\" reason"};
  c.message = "line1\nline2\ttab \u00e9\u4e2d";
  c.verified = true;
  c.verification = "max abs err 0";
  c.convention.direction = "bidir_total";
  c.convention.engine = "ce";
  c.convention.byte_counting = "read_plus_write";
  c.convention.cache_policy = "flush_l2";
  c.work.flops = 2.5e9;
  c.work.bytes = 1.2e10;
  c.work.model = "3*sizeof(T)*N";
  c.ops_per_sample = static_cast<std::int64_t>(kTwo53) + 7;  // > 2^53: written as a string
  c.sample_s = {1e-3,
                -0.0,
                std::numeric_limits<double>::denorm_min(),
                2.2250738585072014e-308,
                std::numeric_limits<double>::max(),
                0.1,
                1.0 / 3.0,
                123456789.0};
  Stats s;
  s.n = 8;
  s.min_s = 1e-3;
  s.max_s = 2e-3;
  s.mean_s = 1.5e-3;
  s.median_s = 1.4e-3;
  s.q1_s = 1.2e-3;
  s.q3_s = 1.7e-3;
  s.stdev_s = 1e-4;
  s.rel_stdev = 0.066;
  s.rel_iqr = 0.35;
  s.noise_reason = "";
  c.stats = s;
  c.stop.reason = "timeout";
  c.stop.unmet = {"rel_iqr", "min_samples"};
  c.stop.gpu_time_s = 0.25;
  c.stop.wall_time_s = 1.75;
  c.stop.discarded = -(static_cast<std::int64_t>(kTwo53) + 1);  // negative big int
  c.headline = Metric{"bandwidth", 1555.5, "GB/s", "bytes / median_s", {RoleKind::hbm_triad, ""}};
  c.metrics = {Metric{"bandwidth_min_time", 1600.25, "GB/s", "bytes / min_s"},
               Metric{"throughput_burst",
                      12.5,
                      "TFLOP/s",
                      "flops / min_s",
                      {RoleKind::gemm_dense_sustained, "fp8_e4m3"},
                      false}};
  c.peak.value = 2039.0;
  c.peak.value_reason = "";
  c.peak.source = "2 * mem_clock * bus_width / 8";
  c.peak.fraction = 0.763;
  c.sm_clock.min_mhz = 1410.0;
  c.sm_clock.mean_mhz = 1412.5;
  c.sm_clock.max_mhz = 1415.0;
  c.notes = {{"algorithm", "42"}, {"array_len", "67108864"}};
  c.started_utc = "2025-01-01T00:00:01Z";
  c.finished_utc = "2025-01-01T00:00:02Z";
  return c;
}

/// Every optional set, big integers on both sides of 2^53, -0.0 and denormals.
RunRecord rich_record() {
  RunRecord r;
  r.run.id = "run-1234";
  r.run.started_utc = "2025-01-01T00:00:00Z";
  r.run.finished_utc = "2025-01-01T00:01:00Z";
  r.run.argv = {"gpubench", "run", "--filter", "stream/*"};
  r.run.profile = "full";
  r.run.env = {{"CUDA_VISIBLE_DEVICES", "0,1"}, {"NCCL_IB_HCA", "mlx5"}};
  r.run.seed = kTwo53 + 1;
  r.run.exit_code = 1;
  r.run.interrupted = true;
  r.preflight.strict = true;
  r.preflight.refused = true;
  r.preflight.checks = {
      {"cpu_governor", "host", CheckStatus::warn, "powersave", "performance", "scaling"},
      {"persistence_mode", "gpu0 0000:00:06.0", CheckStatus::ok, "enabled", "enabled", ""},
      {"pcie_link", "gpu1 0000:41:00.0", CheckStatus::unknown, std::nullopt, "max", "NOT_FOUND"},
  };
  r.tool.version = "0.1.0";
  r.tool.git_sha = "abcdef0123456789";
  r.tool.git_dirty = true;
  r.tool.build_type = "Release";
  r.tool.compiler = "GNU 12.2.0";
  r.tool.cuda_architectures = "80;90";
  r.tool.cuda_enabled = true;
  r.tool.cudart_header_version = 12040;
  r.tool.cublas_header_version = 120400;
  r.tool.nccl_header_version = 22005;
  r.tool.methodology_versions = {{"stream", 3}, {"gemm", 2}};
  r.runtime.cuda_runtime_version = 12040;
  r.runtime.cuda_driver_version = 12060;
  r.runtime.cublas_version = 120401;
  r.runtime.cuda_reason = "";
  r.runtime.driver_version = "560.35.03";
  r.runtime.nvml_version = "12.560.35.03";
  r.runtime.nvml_reason = "";
  r.runtime.cuda_module_loading = "LAZY";
  r.runtime.device_error = "";
  r.host.hostname = "node-7";
  r.host.kernel = "6.1.0-18-amd64";
  r.host.os = "Debian 12";
  r.host.cpu_model = "AMD EPYC";
  r.host.logical_cpus = 128;
  r.host.numa_nodes = 2;
  r.host.memory_bytes = std::numeric_limits<std::uint64_t>::max();  // 2^64-1
  r.host.cpu_governor = "performance";
  r.host.transparent_hugepages = "always";
  for (int g = 0; g < 2; ++g) {
    GpuInfo gi;
    gi.ordinal = g;
    gi.uuid = "GPU-" + std::to_string(g);
    gi.pci_bus_id = "0000:0" + std::to_string(g) + ":00.0";
    gi.name = "NVIDIA H100 80GB HBM3";
    gi.cc_major = 9;
    gi.cc_minor = 0;
    gi.sm_count = 132;
    gi.memory_bytes = 85899345920ull + static_cast<std::uint64_t>(g);
    gi.l2_bytes = g == 0 ? kTwo53 : kTwo53 - 1;  // exactly 2^53 stays a number
    gi.sm_clock_max_mhz = 1980.0;
    gi.mem_clock_max_mhz = 2619.0;
    gi.memory_bus_width_bits = 5120;
    gi.memory_bandwidth_peak_gbps = 3352.32;
    gi.ecc_enabled = true;
    gi.numa_node = g;
    gi.power_limit_w = 700.0;
    gi.power_limit_reason = "";
    r.gpus.push_back(gi);
  }
  for (int i = 0; i < 4; ++i) {
    r.results.push_back(rich_case(i));
  }
  return r;
}

/// Every optional empty, containers empty, defaults elsewhere.
RunRecord sparse_record() {
  RunRecord r;
  r.runtime.cuda_reason = "no driver";
  GpuInfo g;
  g.power_limit_reason = "NVML not loaded";
  r.gpus.push_back(g);
  CaseResult c;
  c.name = "host/memcpy";
  c.family = "host";
  c.status = Status::skipped;
  c.peak.value_reason = "no peak";
  c.sm_clock.reason = "host case";
  r.results.push_back(c);
  return r;
}

void expect_same_opt(const std::optional<double>& a,
                     const std::optional<double>& b,
                     const std::string& what) {
  ASSERT_EQ(a.has_value(), b.has_value()) << what;
  if (a) {
    EXPECT_EQ(bits(*a), bits(*b)) << what;
  }
}

void expect_same_metric(const Metric& a, const Metric& b, const std::string& what) {
  EXPECT_EQ(a.name, b.name) << what;
  EXPECT_EQ(bits(a.value), bits(b.value)) << what;
  EXPECT_EQ(a.unit, b.unit) << what;
  EXPECT_EQ(a.definition, b.definition) << what;
  EXPECT_EQ(to_string(a.role), to_string(b.role)) << what;
  EXPECT_EQ(a.steady, b.steady) << what;
}

/// Field-by-field equality (doubles bitwise, so -0.0 and denormals count).
void expect_same(const RunRecord& a, const RunRecord& b) {
  EXPECT_EQ(a.run.id, b.run.id);
  EXPECT_EQ(a.run.started_utc, b.run.started_utc);
  EXPECT_EQ(a.run.finished_utc, b.run.finished_utc);
  EXPECT_EQ(a.run.argv, b.run.argv);
  EXPECT_EQ(a.run.profile, b.run.profile);
  EXPECT_EQ(a.run.env, b.run.env);
  EXPECT_EQ(a.run.seed, b.run.seed);
  EXPECT_EQ(a.run.exit_code, b.run.exit_code);
  EXPECT_EQ(a.run.interrupted, b.run.interrupted);

  EXPECT_EQ(a.preflight.strict, b.preflight.strict);
  EXPECT_EQ(a.preflight.refused, b.preflight.refused);
  ASSERT_EQ(a.preflight.checks.size(), b.preflight.checks.size());
  for (std::size_t i = 0; i < a.preflight.checks.size(); ++i) {
    const PreflightCheck& x = a.preflight.checks[i];
    const PreflightCheck& y = b.preflight.checks[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.scope, y.scope);
    EXPECT_EQ(x.status, y.status) << x.id;
    EXPECT_EQ(x.value, y.value) << x.id;
    EXPECT_EQ(x.expected, y.expected) << x.id;
    EXPECT_EQ(x.reason, y.reason) << x.id;
  }

  EXPECT_EQ(a.tool.name, b.tool.name);
  EXPECT_EQ(a.tool.version, b.tool.version);
  EXPECT_EQ(a.tool.git_sha, b.tool.git_sha);
  EXPECT_EQ(a.tool.git_dirty, b.tool.git_dirty);
  EXPECT_EQ(a.tool.build_type, b.tool.build_type);
  EXPECT_EQ(a.tool.compiler, b.tool.compiler);
  EXPECT_EQ(a.tool.cuda_architectures, b.tool.cuda_architectures);
  EXPECT_EQ(a.tool.cuda_enabled, b.tool.cuda_enabled);
  EXPECT_EQ(a.tool.cudart_header_version, b.tool.cudart_header_version);
  EXPECT_EQ(a.tool.cublas_header_version, b.tool.cublas_header_version);
  EXPECT_EQ(a.tool.nccl_header_version, b.tool.nccl_header_version);
  EXPECT_EQ(a.tool.methodology_versions, b.tool.methodology_versions);

  EXPECT_EQ(a.runtime.cuda_runtime_version, b.runtime.cuda_runtime_version);
  EXPECT_EQ(a.runtime.cuda_driver_version, b.runtime.cuda_driver_version);
  EXPECT_EQ(a.runtime.cublas_version, b.runtime.cublas_version);
  EXPECT_EQ(a.runtime.cuda_reason, b.runtime.cuda_reason);
  EXPECT_EQ(a.runtime.driver_version, b.runtime.driver_version);
  EXPECT_EQ(a.runtime.nvml_version, b.runtime.nvml_version);
  EXPECT_EQ(a.runtime.nvml_reason, b.runtime.nvml_reason);
  EXPECT_EQ(a.runtime.cuda_module_loading, b.runtime.cuda_module_loading);
  EXPECT_EQ(a.runtime.device_error, b.runtime.device_error);

  EXPECT_EQ(a.host.hostname, b.host.hostname);
  EXPECT_EQ(a.host.kernel, b.host.kernel);
  EXPECT_EQ(a.host.os, b.host.os);
  EXPECT_EQ(a.host.cpu_model, b.host.cpu_model);
  EXPECT_EQ(a.host.logical_cpus, b.host.logical_cpus);
  EXPECT_EQ(a.host.numa_nodes, b.host.numa_nodes);
  EXPECT_EQ(a.host.memory_bytes, b.host.memory_bytes);
  EXPECT_EQ(a.host.cpu_governor, b.host.cpu_governor);
  EXPECT_EQ(a.host.transparent_hugepages, b.host.transparent_hugepages);

  ASSERT_EQ(a.gpus.size(), b.gpus.size());
  for (std::size_t i = 0; i < a.gpus.size(); ++i) {
    const GpuInfo& x = a.gpus[i];
    const GpuInfo& y = b.gpus[i];
    const std::string w = "gpus[" + std::to_string(i) + "]";
    EXPECT_EQ(x.ordinal, y.ordinal) << w;
    EXPECT_EQ(x.uuid, y.uuid) << w;
    EXPECT_EQ(x.pci_bus_id, y.pci_bus_id) << w;
    EXPECT_EQ(x.name, y.name) << w;
    EXPECT_EQ(x.cc_major, y.cc_major) << w;
    EXPECT_EQ(x.cc_minor, y.cc_minor) << w;
    EXPECT_EQ(x.sm_count, y.sm_count) << w;
    EXPECT_EQ(x.memory_bytes, y.memory_bytes) << w;
    EXPECT_EQ(x.l2_bytes, y.l2_bytes) << w;
    expect_same_opt(x.sm_clock_max_mhz, y.sm_clock_max_mhz, w + ".sm_clock_max_mhz");
    expect_same_opt(x.mem_clock_max_mhz, y.mem_clock_max_mhz, w + ".mem_clock_max_mhz");
    EXPECT_EQ(x.memory_bus_width_bits, y.memory_bus_width_bits) << w;
    expect_same_opt(x.memory_bandwidth_peak_gbps, y.memory_bandwidth_peak_gbps, w + ".bw");
    EXPECT_EQ(x.ecc_enabled, y.ecc_enabled) << w;
    EXPECT_EQ(x.numa_node, y.numa_node) << w;
    expect_same_opt(x.power_limit_w, y.power_limit_w, w + ".power_limit_w");
    EXPECT_EQ(x.power_limit_reason, y.power_limit_reason) << w;
  }

  ASSERT_EQ(a.results.size(), b.results.size());
  for (std::size_t i = 0; i < a.results.size(); ++i) {
    const CaseResult& x = a.results[i];
    const CaseResult& y = b.results[i];
    const std::string w = "results[" + std::to_string(i) + "]";
    EXPECT_EQ(x.name, y.name) << w;
    EXPECT_EQ(x.family, y.family) << w;
    EXPECT_EQ(x.methodology_version, y.methodology_version) << w;
    EXPECT_EQ(x.params, y.params) << w;
    EXPECT_EQ(x.devices, y.devices) << w;
    EXPECT_EQ(x.device_uuids, y.device_uuids) << w;
    EXPECT_EQ(x.status, y.status) << w;
    EXPECT_EQ(x.reasons, y.reasons) << w;
    EXPECT_EQ(x.message, y.message) << w;
    EXPECT_EQ(x.verified, y.verified) << w;
    EXPECT_EQ(x.verification, y.verification) << w;
    EXPECT_EQ(x.convention.direction, y.convention.direction) << w;
    EXPECT_EQ(x.convention.engine, y.convention.engine) << w;
    EXPECT_EQ(x.convention.byte_counting, y.convention.byte_counting) << w;
    EXPECT_EQ(x.convention.cache_policy, y.convention.cache_policy) << w;
    EXPECT_EQ(bits(x.work.flops), bits(y.work.flops)) << w;
    EXPECT_EQ(bits(x.work.bytes), bits(y.work.bytes)) << w;
    EXPECT_EQ(x.work.model, y.work.model) << w;
    EXPECT_EQ(x.ops_per_sample, y.ops_per_sample) << w;
    ASSERT_EQ(x.sample_s.size(), y.sample_s.size()) << w;
    for (std::size_t k = 0; k < x.sample_s.size(); ++k) {
      EXPECT_EQ(bits(x.sample_s[k]), bits(y.sample_s[k])) << w << ".sample_s[" << k << "]";
    }
    ASSERT_EQ(x.stats.has_value(), y.stats.has_value()) << w;
    if (x.stats) {
      const Stats& s = *x.stats;
      const Stats& t = *y.stats;
      EXPECT_EQ(s.n, t.n) << w;
      EXPECT_EQ(bits(s.min_s), bits(t.min_s)) << w;
      EXPECT_EQ(bits(s.max_s), bits(t.max_s)) << w;
      EXPECT_EQ(bits(s.mean_s), bits(t.mean_s)) << w;
      EXPECT_EQ(bits(s.median_s), bits(t.median_s)) << w;
      EXPECT_EQ(bits(s.q1_s), bits(t.q1_s)) << w;
      EXPECT_EQ(bits(s.q3_s), bits(t.q3_s)) << w;
      expect_same_opt(s.stdev_s, t.stdev_s, w + ".stats.stdev_s");
      expect_same_opt(s.rel_stdev, t.rel_stdev, w + ".stats.rel_stdev");
      expect_same_opt(s.rel_iqr, t.rel_iqr, w + ".stats.rel_iqr");
      EXPECT_EQ(s.noise_reason, t.noise_reason) << w;
    }
    EXPECT_EQ(x.stop.reason, y.stop.reason) << w;
    EXPECT_EQ(x.stop.unmet, y.stop.unmet) << w;
    EXPECT_EQ(bits(x.stop.gpu_time_s), bits(y.stop.gpu_time_s)) << w;
    EXPECT_EQ(bits(x.stop.wall_time_s), bits(y.stop.wall_time_s)) << w;
    EXPECT_EQ(x.stop.discarded, y.stop.discarded) << w;
    ASSERT_EQ(x.headline.has_value(), y.headline.has_value()) << w;
    if (x.headline) {
      expect_same_metric(*x.headline, *y.headline, w + ".headline");
    }
    ASSERT_EQ(x.metrics.size(), y.metrics.size()) << w;
    for (std::size_t k = 0; k < x.metrics.size(); ++k) {
      expect_same_metric(x.metrics[k], y.metrics[k], w + ".metrics");
    }
    expect_same_opt(x.peak.value, y.peak.value, w + ".peak.value");
    EXPECT_EQ(x.peak.value_reason, y.peak.value_reason) << w;
    EXPECT_EQ(x.peak.source, y.peak.source) << w;
    expect_same_opt(x.peak.fraction, y.peak.fraction, w + ".peak.fraction");
    expect_same_opt(x.sm_clock.min_mhz, y.sm_clock.min_mhz, w + ".sm_clock.min_mhz");
    expect_same_opt(x.sm_clock.mean_mhz, y.sm_clock.mean_mhz, w + ".sm_clock.mean_mhz");
    expect_same_opt(x.sm_clock.max_mhz, y.sm_clock.max_mhz, w + ".sm_clock.max_mhz");
    EXPECT_EQ(x.sm_clock.reason, y.sm_clock.reason) << w;
    EXPECT_EQ(x.notes, y.notes) << w;
    EXPECT_EQ(x.started_utc, y.started_utc) << w;
    EXPECT_EQ(x.finished_utc, y.finished_utc) << w;
  }
}

// ---------------------------------------------------------------------------------------------
// Text helpers

/// Replaces the first occurrence; fails the test when `from` is absent.
std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "fixture text not found: " << from;
  if (at != std::string::npos) {
    s.replace(at, from.size(), to);
  }
  return s;
}

/// The InputError message parse_run gives for `text` ("" and a test failure if none).
std::string parse_error(const std::string& text, const InputLimits& limits = {}) {
  try {
    (void)parse_run(text, "mem.json", limits);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "parse_run accepted the input";
  return "";
}

std::string write_error(const RunRecord& r) {
  try {
    (void)to_json_text(r);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "to_json_text accepted the record";
  return "";
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string golden_path() {
  return std::string(GPB_TEST_DATA_DIR) + "/golden/result-1.2-minimal.json";
}
/// The same run as written by schema 1.1 (before metric roles): still readable.
std::string golden_1_1_path() {
  return std::string(GPB_TEST_DATA_DIR) + "/golden/result-1.1-minimal.json";
}
/// The same run as written by schema 1.0 (before the preflight audit): still readable.
std::string golden_1_0_path() {
  return std::string(GPB_TEST_DATA_DIR) + "/golden/result-1.0-minimal.json";
}

std::string minimal_text() {
  return to_json_text(sparse_record());
}

// ---------------------------------------------------------------------------------------------
// Round trips

TEST(SchemaJsonRoundTrip, RichRecordIsIdentical) {
  const RunRecord r = rich_record();
  const std::string text = to_json_text(r);
  const RunRecord back = parse_run(text, "mem.json");
  expect_same(r, back);
  EXPECT_EQ(to_json_text(back), text);
  EXPECT_EQ(back.schema.name, "gpubench.result");
  EXPECT_EQ(back.schema.major, 1);
  EXPECT_EQ(back.schema.minor, 2);

  // Spot checks on the encoding itself.
  EXPECT_NE(text.find("\"version\": \"1.2\""), std::string::npos);
  EXPECT_NE(text.find("\"role\": \"hbm_triad\""), std::string::npos);
  EXPECT_NE(text.find("\"role\": \"gemm_dense_sustained:fp8_e4m3\",\n          \"steady\": false"),
            std::string::npos);
  EXPECT_NE(text.find("\"role\": \"\",\n          \"steady\": null"), std::string::npos);
  EXPECT_NE(text.find("\"value\": null"), std::string::npos);
  EXPECT_NE(text.find("\"memory_bytes\": \"18446744073709551615\""), std::string::npos);
  EXPECT_NE(text.find("\"seed\": \"9007199254740993\""), std::string::npos);
  EXPECT_NE(text.find("\"l2_bytes\": 9007199254740992,"), std::string::npos);
  EXPECT_NE(text.find("\"l2_bytes\": 9007199254740991,"), std::string::npos);
  EXPECT_NE(text.find("\"ops_per_sample\": \"9007199254740999\""), std::string::npos);
  EXPECT_NE(text.find("\"discarded\": \"-9007199254740993\""), std::string::npos);
  EXPECT_NE(text.find("-0.0"), std::string::npos);
  EXPECT_TRUE(std::signbit(back.results[0].sample_s[1]));
  EXPECT_EQ(back.results[0].sample_s[2], std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(back.host.memory_bytes, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(back.run.seed, kTwo53 + 1);
  EXPECT_EQ(text.back(), '\n');
}

TEST(SchemaJsonRoundTrip, SparseRecordWritesNulls) {
  const RunRecord r = sparse_record();
  const std::string text = to_json_text(r);
  EXPECT_NE(text.find("\"stats\": null"), std::string::npos);
  EXPECT_NE(text.find("\"headline\": null"), std::string::npos);
  EXPECT_NE(text.find("\"power_limit_w\": null"), std::string::npos);
  EXPECT_NE(text.find("\"cudart_header_version\": null"), std::string::npos);
  const RunRecord back = parse_run(text, "mem.json");
  expect_same(r, back);
  EXPECT_FALSE(back.results[0].stats.has_value());
  EXPECT_FALSE(back.results[0].headline.has_value());
  EXPECT_FALSE(back.gpus[0].power_limit_w.has_value());
  EXPECT_EQ(back.results[0].status, Status::skipped);
  EXPECT_EQ(to_json_text(back), text);
}

TEST(SchemaJsonRoundTrip, ParamsKeepTheirOrder) {
  RunRecord r = sparse_record();
  r.results[0].params = {{"z", "1"}, {"a", "2"}, {"m", "3"}};
  const RunRecord back = parse_run(to_json_text(r), "mem.json");
  EXPECT_EQ(back.results[0].params, r.results[0].params);
}

TEST(SchemaJsonRoundTrip, BigIntegersReadFromNumberOrString) {
  const std::string text = to_json_text(rich_record());
  // A number above 2^53 (other writers) and a string below it are both accepted.
  std::string t =
      replace_once(text, "\"seed\": \"9007199254740993\"", "\"seed\": 9007199254740993");
  EXPECT_EQ(parse_run(t, "mem.json").run.seed, kTwo53 + 1);
  t = replace_once(text, "\"seed\": \"9007199254740993\"", "\"seed\": \"42\"");
  EXPECT_EQ(parse_run(t, "mem.json").run.seed, 42u);

  for (const char* bad : {"\"+1\"",
                          "\"01\"",
                          "\"1e3\"",
                          "\"-1\"",
                          "\"\"",
                          "\" 1\"",
                          "\"18446744073709551616\"",
                          "-1",
                          "1.5",
                          "true"}) {
    t = replace_once(text, "\"seed\": \"9007199254740993\"", std::string("\"seed\": ") + bad);
    EXPECT_NE(parse_error(t).find("mem.json: run.seed: "), std::string::npos) << bad;
  }
  // An int field must be an integer in range.
  t = replace_once(text, "\"logical_cpus\": 128", "\"logical_cpus\": 4294967296");
  EXPECT_NE(parse_error(t).find("host.logical_cpus: integer 4294967296 out of range"),
            std::string::npos);
  t = replace_once(text, "\"logical_cpus\": 128", "\"logical_cpus\": 128.0");
  EXPECT_NE(parse_error(t).find("host.logical_cpus: expected integer, got number"),
            std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Strict writing (DI-2)

TEST(SchemaJsonWrite, NanAndInfRejectedWithFieldPath) {
  RunRecord r = rich_record();
  r.results[3].sample_s[7] = std::nan("");
  EXPECT_NE(write_error(r).find("results[3].sample_s[7] is NaN"), std::string::npos);

  r = rich_record();
  r.gpus[1].power_limit_w = std::numeric_limits<double>::infinity();
  EXPECT_NE(write_error(r).find("gpus[1].power_limit_w is +Inf"), std::string::npos);

  r = rich_record();
  r.results[0].stats->rel_iqr = -std::numeric_limits<double>::infinity();
  EXPECT_NE(write_error(r).find("results[0].stats.rel_iqr is -Inf"), std::string::npos);

  r = rich_record();
  r.results[2].metrics[1].value = std::nan("");
  EXPECT_NE(write_error(r).find("results[2].metrics[1].value is NaN"), std::string::npos);
}

TEST(SchemaJsonWrite, InvalidUtf8RejectedWithFieldPath) {
  RunRecord r = rich_record();
  r.results[1].message = "bad \xff byte";
  EXPECT_NE(write_error(r).find("results[1].message is not valid UTF-8"), std::string::npos);
  r = rich_record();
  r.run.env["BAD"] = "\xed\xa0\x80";  // UTF-8-encoded surrogate
  EXPECT_NE(write_error(r).find("run.env.BAD is not valid UTF-8"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Versions (DI-3)

TEST(SchemaJsonVersion, UnknownMajorRejectedNamingBothVersions) {
  const std::string text = to_json_text(rich_record());
  const std::string msg =
      parse_error(replace_once(text, "\"version\": \"1.2\"", "\"version\": \"2.0\""));
  EXPECT_NE(msg.find("mem.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2.0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1.x"), std::string::npos) << msg;
  EXPECT_NE(msg.find("newer"), std::string::npos) << msg;

  // A 2.0 file is rejected for its version even when its body is unrecognizable.
  const std::string v2 =
      R"({"results": 7, "schema": {"name": "gpubench.result", "version": "2.0"}})";
  EXPECT_NE(parse_error(v2).find("newer than this gpubench (reads 1.x)"), std::string::npos);

  const std::string old =
      parse_error(replace_once(text, "\"version\": \"1.2\"", "\"version\": \"0.9\""));
  EXPECT_NE(old.find("0.9"), std::string::npos) << old;
  EXPECT_NE(old.find("1.x"), std::string::npos) << old;

  for (const char* bad : {"\"1\"", "\"1.\"", "\".0\"", "\"1.x\"", "\"-1.0\"", "\"1.0.0\"", "1.0"}) {
    const std::string m =
        parse_error(replace_once(text, "\"version\": \"1.2\"", std::string("\"version\": ") + bad));
    EXPECT_NE(m.find("schema.version"), std::string::npos) << bad << ": " << m;
  }
}

TEST(SchemaJsonVersion, SchemaNameMismatchRejected) {
  const std::string text = to_json_text(sparse_record());
  const std::string msg = parse_error(replace_once(text, "gpubench.result", "other.result"));
  EXPECT_NE(msg.find("schema.name"), std::string::npos) << msg;
  EXPECT_NE(msg.find("other.result"), std::string::npos) << msg;
  EXPECT_NE(parse_error("{\"run\": {}}").find("missing \"schema\""), std::string::npos);
}

TEST(SchemaJsonVersion, NewerMinorToleratesUnknownFields) {
  std::string t = to_json_text(rich_record());
  t = replace_once(t, "\"version\": \"1.2\"", "\"version\": \"1.7\"");
  t = replace_once(t, "\"schema\": {", "\"future_block\": {\"x\": [1, 2]},\n  \"schema\": {");
  t = replace_once(t, "\"family\": \"stream\",", "\"family\": \"stream\", \"new_field\": 1,");
  t = replace_once(t, "\"hostname\": ", "\"container\": \"docker\", \"hostname\": ");
  const RunRecord r = parse_run(t, "mem.json");
  EXPECT_EQ(r.schema.minor, 7);
  EXPECT_EQ(r.host.hostname, "node-7");
  // Written back as what this writer produces.
  EXPECT_NE(to_json_text(r).find("\"version\": \"1.2\""), std::string::npos);
  EXPECT_EQ(to_json_text(r), to_json_text(rich_record()));
}

TEST(SchemaJsonVersion, SameMinorUnknownKeyRejected) {
  const std::string text = to_json_text(rich_record());
  std::string msg =
      parse_error(replace_once(text, "\"schema\": {", "\"future_block\": 1,\n  \"schema\": {"));
  EXPECT_NE(msg.find("top level: unknown field \"future_block\""), std::string::npos) << msg;

  msg = parse_error(
      replace_once(text, "\"family\": \"stream\",", "\"family\": \"stream\", \"extra\": 1,"));
  EXPECT_NE(msg.find("results[0]: unknown field \"extra\""), std::string::npos) << msg;

  msg = parse_error(replace_once(text, "\"hostname\": ", "\"container\": \"x\", \"hostname\": "));
  EXPECT_NE(msg.find("host: unknown field \"container\""), std::string::npos) << msg;
}

// ---------------------------------------------------------------------------------------------
// Strict reading of hostile input (IN-2)

TEST(SchemaJsonRead, DuplicateKeysRejectedWithLocation) {
  const std::string text = to_json_text(sparse_record());
  const std::string dup =
      replace_once(text, "\"hostname\": ", "\"hostname\": \"a\",\n    \"hostname\": ");
  // Reported at the closing quote of the second key, on the line after the first one.
  const auto first = dup.find("\"hostname\"");
  const long line = 2 + std::count(dup.begin(), dup.begin() + static_cast<long>(first), '\n');
  const std::string msg = parse_error(dup);
  EXPECT_NE(msg.find("duplicate key \"hostname\""), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind("mem.json:" + std::to_string(line) + ":14: ", 0), 0u) << msg;

  // Maps too, and the same key in different objects is fine.
  EXPECT_NE(parse_error(R"({"a": {"k": 1, "k": 2}})").find("duplicate key \"k\""),
            std::string::npos);
  EXPECT_EQ(parse_error(R"({"a": {"k": 1}, "b": {"k": 2}})").find("duplicate"), std::string::npos);
}

TEST(SchemaJsonRead, DeepNestingRejectedWithoutCrash) {
  const std::string msg = parse_error(std::string(100000, '['));
  EXPECT_NE(msg.find("nesting deeper than 64 levels"), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind("mem.json:1:65: ", 0), 0u) << msg;

  std::string objects;
  for (int i = 0; i < 100000; ++i) {
    objects += "{\"a\":";
  }
  EXPECT_NE(parse_error(objects).find("nesting deeper"), std::string::npos);

  // Exactly at the limit is legal JSON (rejected later only for not being a record).
  const std::string at_limit = std::string(64, '[') + std::string(64, ']');
  EXPECT_NE(parse_error(at_limit).find("expected a JSON object at top level"), std::string::npos);
  const std::string over = std::string(65, '[') + std::string(65, ']');
  EXPECT_NE(parse_error(over).find("nesting deeper"), std::string::npos);
}

TEST(SchemaJsonRead, OverflowingNumbersRejected) {
  const std::string text = to_json_text(rich_record());
  for (const char* big : {"1e400", "-1e400", "1.7976931348623159e308"}) {
    const std::string t = replace_once(text, "0.1,", std::string(big) + ",");
    const std::string msg = parse_error(t);
    EXPECT_NE(msg.find("number overflow"), std::string::npos) << big << ": " << msg;
    EXPECT_EQ(msg.find("[json.exception"), std::string::npos) << msg;
    const long line = 1 + std::count(t.begin(), t.begin() + static_cast<long>(t.find(big)), '\n');
    EXPECT_EQ(msg.rfind("mem.json:" + std::to_string(line) + ":", 0), 0u) << msg;
  }
  // An integer beyond uint64 becomes a double in nlohmann; an integer field refuses it.
  const std::string t =
      replace_once(text, "\"exit_code\": 1", "\"exit_code\": 100000000000000000000000");
  EXPECT_NE(parse_error(t).find("run.exit_code: expected integer, got number"), std::string::npos);
}

TEST(SchemaJsonRead, TruncatedInputGivesLineAndColumn) {
  EXPECT_EQ(parse_error("{\n  \"a\": [1,\n").rfind("mem.json:3:1: ", 0), 0u);
  const std::string msg = parse_error("{\n  \"a\": tru }");
  EXPECT_EQ(msg.rfind("mem.json:2:11: ", 0), 0u) << msg;
  EXPECT_EQ(msg.find("[json.exception"), std::string::npos) << msg;

  const std::string text = to_json_text(rich_record());
  const std::string half = text.substr(0, text.size() / 2);
  const std::string m = parse_error(half);
  const long lines = 1 + std::count(half.begin(), half.end(), '\n');
  EXPECT_EQ(m.rfind("mem.json:" + std::to_string(lines) + ":", 0), 0u) << m;
  EXPECT_EQ(parse_error("").rfind("mem.json:1:1: ", 0), 0u);
}

TEST(SchemaJsonRead, WrongTypesAndMissingFieldsNameThePath) {
  const std::string text = to_json_text(rich_record());
  std::string msg = parse_error(replace_once(text, "\"status\": \"noisy\"", "\"status\": 5"));
  EXPECT_NE(msg.find("mem.json: results[0].status: expected string, got number"), std::string::npos)
      << msg;
  msg = parse_error(replace_once(text, "\"status\": \"noisy\"", "\"status\": \"bogus\""));
  EXPECT_NE(msg.find("results[0].status: unknown status \"bogus\""), std::string::npos) << msg;
  msg = parse_error(replace_once(text, "\"verified\": true,", ""));
  EXPECT_NE(msg.find("results[0].verified: missing required field"), std::string::npos) << msg;
  msg = parse_error(replace_once(text, "\"argv\": [", "\"argv\": [1, "));
  EXPECT_NE(msg.find("run.argv[0]: expected string, got number"), std::string::npos) << msg;
  msg = parse_error(replace_once(text, "\"stats\": {", "\"stats\": [], \"x\": {"));
  EXPECT_NE(msg.find("results[0].stats: expected object, got array"), std::string::npos) << msg;
  msg = parse_error(
      replace_once(text, "\"sm_clock_max_mhz\": 1980.0", "\"sm_clock_max_mhz\": \"1980\""));
  EXPECT_NE(msg.find("gpus[0].sm_clock_max_mhz: expected number or null, got string"),
            std::string::npos)
      << msg;
  msg = parse_error(replace_once(text, "\"ecc_enabled\": true", "\"ecc_enabled\": 1"));
  EXPECT_NE(msg.find("gpus[0].ecc_enabled: expected boolean"), std::string::npos) << msg;
  EXPECT_NE(parse_error("[]").find("expected a JSON object at top level, got array"),
            std::string::npos);
}

TEST(SchemaJsonRead, NulBomSurrogatesCommentsRejected) {
  const std::string text = minimal_text();
  std::string with_nul = text;
  with_nul.insert(10, 1, '\0');
  EXPECT_NE(parse_error(with_nul).find("NUL byte"), std::string::npos);
  // After a complete document nlohmann would stop at the NUL and accept.
  EXPECT_NE(parse_error(text + std::string(1, '\0') + "garbage").find("NUL byte"),
            std::string::npos);

  const std::string bom = parse_error("\xEF\xBB\xBF" + text);
  EXPECT_NE(bom.find("byte order mark"), std::string::npos) << bom;
  EXPECT_EQ(bom.rfind("mem.json:1:1: ", 0), 0u) << bom;

  EXPECT_NE(parse_error(replace_once(text, "\"host/memcpy\"", "\"\\ud800\"")).find("surrogate"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(text, "\"host/memcpy\"", "\"\xff\"")).find("UTF-8"),
            std::string::npos);
  EXPECT_FALSE(parse_error("// c\n" + text).empty());
  EXPECT_FALSE(
      parse_error(replace_once(text, "\"family\": \"host\",", "\"family\": \"host\",,")).empty());
  EXPECT_FALSE(parse_error("{\"a\": NaN}").empty());
  EXPECT_FALSE(parse_error("{\"a\": Infinity}").empty());
  EXPECT_FALSE(parse_error(R"({"a": [1,]})").empty());
  EXPECT_FALSE(parse_error(text + "{}").empty());
}

TEST(SchemaJsonRead, LongStringsRejected) {
  const std::string text = minimal_text();
  const std::string huge(10u << 20, 'x');  // 10 MiB string, default 1 MiB cap
  std::string msg = parse_error(replace_once(text, "\"host/memcpy\"", "\"" + huge + "\""));
  EXPECT_NE(msg.find("string of 10485760 bytes exceeds the 1 MiB limit"), std::string::npos)
      << msg.substr(0, 200);
  InputLimits small;
  small.max_string_bytes = 8;
  msg = parse_error(R"({"abcdefghij": 1})", small);
  EXPECT_NE(msg.find("key of 10 bytes exceeds the 8 bytes limit"), std::string::npos) << msg;
  small.max_file_bytes = 10;
  msg = parse_error(text, small);
  EXPECT_NE(msg.find("over the 10 bytes limit"), std::string::npos) << msg;
}

// ---------------------------------------------------------------------------------------------
// Files

/// A fresh directory under the test temp dir, removed with its contents at scope exit.
class ScopedDir {
 public:
  ScopedDir() {
    std::string tmpl = (fs::path(::testing::TempDir()) / "gpb_schema_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = tmpl;
  }
  ~ScopedDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScopedDir(const ScopedDir&) = delete;
  ScopedDir& operator=(const ScopedDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<std::string> temp_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp.") != std::string::npos) {
      out.push_back(name);
    }
  }
  return out;
}

TEST(SchemaJsonFile, GoldenLoadsAndIsCanonical) {
  const RunRecord r = load_run(golden_path());
  ASSERT_EQ(r.results.size(), 2u);
  EXPECT_EQ(r.results[0].status, Status::valid);
  EXPECT_EQ(r.results[0].family, "host");
  ASSERT_TRUE(r.results[0].stats.has_value());
  EXPECT_EQ(r.results[0].stats->n, 5);
  ASSERT_TRUE(r.results[0].headline.has_value());
  EXPECT_EQ(r.results[0].headline->unit, "GB/s");
  EXPECT_EQ(r.results[1].status, Status::skipped);
  EXPECT_EQ(r.results[1].reasons, std::vector<std::string>{"no_device"});
  EXPECT_FALSE(r.results[1].stats.has_value());
  EXPECT_FALSE(r.results[1].headline.has_value());
  EXPECT_TRUE(r.gpus.empty());
  EXPECT_EQ(r.host.memory_bytes, 8589934592u);
  ASSERT_EQ(r.preflight.checks.size(), 2u);
  EXPECT_EQ(r.preflight.checks[0].status, CheckStatus::unknown);
  EXPECT_FALSE(r.preflight.checks[0].value.has_value());
  EXPECT_EQ(r.preflight.checks[1].value.value_or(""), "0 (1 NUMA nodes)");

  const std::string once = to_json_text(r);
  EXPECT_EQ(once, to_json_text(parse_run(once, "again")));
  // Snapshot: the golden is exactly what this writer produces; a writer change that alters the
  // format shows up here and needs a schema decision (DI-3).
  EXPECT_EQ(once, read_text(golden_path()));
}

TEST(SchemaJsonFile, OlderMinorLoadsWithoutPreflight) {
  const RunRecord old = load_run(golden_1_0_path());
  EXPECT_EQ(old.schema.minor, 0);
  EXPECT_TRUE(old.preflight.checks.empty());
  EXPECT_FALSE(old.preflight.strict);
  const RunRecord now = load_run(golden_1_1_path());
  ASSERT_EQ(old.results.size(), now.results.size());
  EXPECT_EQ(old.results[0].name, now.results[0].name);
  // 1.1 requires the block; 1.0 does not define it.
  std::string text = read_text(golden_1_1_path());
  const auto begin = text.find("  \"preflight\": {");
  const auto end = text.find("  \"results\": [");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  const std::string without = text.substr(0, begin) + text.substr(end);
  EXPECT_NE(parse_error(without).find("preflight: missing required field"), std::string::npos)
      << parse_error(without);
  const std::string as_1_0 = replace_once(text, "\"version\": \"1.1\"", "\"version\": \"1.0\"");
  EXPECT_NE(parse_error(as_1_0).find("unknown field \"preflight\""), std::string::npos);
  const std::string bad_status =
      replace_once(text, "\"status\": \"unknown\"", "\"status\": \"meh\"");
  EXPECT_NE(parse_error(bad_status).find("preflight.checks[0].status: unknown check status"),
            std::string::npos)
      << parse_error(bad_status);
}

TEST(SchemaJsonFile, OlderMinorGetsRolesOnceInTheLoader) {
  const RunRecord old = load_run(golden_1_1_path());
  EXPECT_EQ(old.schema.minor, 1);
  // The same record as 1.2 wrote it: the host copy has no buyer-facing role either way.
  const RunRecord now = load_run(golden_path());
  EXPECT_EQ(to_json_text(old), to_json_text(now));
  // 1.2 requires both fields on every metric.
  const std::string text = read_text(golden_path());
  EXPECT_NE(parse_error(replace_once(text, "\"role\": \"\",\n", ""))
                .find("results[0].headline.role: missing required field"),
            std::string::npos);
}

TEST(SchemaJsonFile, BadRolesAreRejectedNamingTheField) {
  const std::string text = to_json_text(rich_record());
  for (const char* bad : {"\"hbm_triad:f32\"",
                          "\"gemm_dense_burst\"",
                          "\"gemm_dense_burst:\"",
                          "\"gemm_dense_burst:BF16\"",
                          "\"fastest\"",
                          "\"hbm_triad \"",
                          "7"}) {
    const std::string msg =
        parse_error(replace_once(text, "\"role\": \"hbm_triad\"", std::string("\"role\": ") + bad));
    EXPECT_NE(msg.find("results[0].headline.role"), std::string::npos) << bad << ": " << msg;
  }
  const std::string msg =
      parse_error(replace_once(text, "\"steady\": false", "\"steady\": \"no\""));
  EXPECT_NE(msg.find("metrics[1].steady"), std::string::npos) << msg;
}

TEST(SchemaJsonFile, LoadErrors) {
  ScopedDir dir;
  try {
    (void)load_run(dir.path() / "missing.json");
    ADD_FAILURE() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.json: cannot open"), std::string::npos)
        << e.what();
  }
  InputLimits small;
  small.max_file_bytes = 100;
  try {
    (void)load_run(golden_path(), small);
    ADD_FAILURE() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bytes, over the 100 bytes limit"), std::string::npos)
        << e.what();
  }
  // A sparse file just over 64 MiB is refused before it is read.
  const fs::path big = dir.path() / "big.json";
  { std::ofstream(big.string()).put(' '); }
  fs::resize_file(big, (64u << 20) + 1);
  try {
    (void)load_run(big);
    ADD_FAILURE() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("file is 67108865 bytes, over the 64 MiB limit"),
              std::string::npos)
        << e.what();
  }
}

TEST(SchemaJsonFile, SaveRefusesToOverwriteAndOverwritesWhenAsked) {
  ScopedDir dir;
  const fs::path target = dir.path() / "run.json";
  const RunRecord first = rich_record();
  save_run_atomic(first, target, false);
  const std::string first_text = read_text(target);
  EXPECT_EQ(first_text, to_json_text(first));
  expect_same(first, load_run(target));

  RunRecord second = sparse_record();
  EXPECT_THROW(save_run_atomic(second, target, false), FileExistsError);
  EXPECT_EQ(read_text(target), first_text);
  EXPECT_THROW(write_file_atomic(target, "x", false), FileExistsError);
  EXPECT_EQ(read_text(target), first_text);

  save_run_atomic(second, target, true);
  EXPECT_EQ(read_text(target), to_json_text(second));
  write_file_atomic(dir.path() / "log.txt", "hello\n", false);
  EXPECT_EQ(read_text(dir.path() / "log.txt"), "hello\n");
  EXPECT_TRUE(temp_files(dir.path()).empty());

  // Mode follows the umask like a plain open(0666) would, not mkstemp's 0600.
  const mode_t mask = ::umask(022);
  ::umask(mask);
  EXPECT_EQ(static_cast<mode_t>(fs::status(target).permissions()) & 0777, 0666 & ~mask);
}

TEST(SchemaJsonFile, NanIsNotSaved) {
  ScopedDir dir;
  RunRecord r = rich_record();
  r.results[0].sample_s[0] = std::nan("");
  EXPECT_THROW(save_run_atomic(r, dir.path() / "run.json", false), std::invalid_argument);
  EXPECT_FALSE(fs::exists(dir.path() / "run.json"));
  EXPECT_TRUE(temp_files(dir.path()).empty());
}

TEST(SchemaJsonFile, UnreadableResultIsNotSaved) {
  // Over the reader's string cap: the writer produces it, the re-parse refuses it (DI-2).
  ScopedDir dir;
  RunRecord r = sparse_record();
  r.results[0].message = std::string((1u << 20) + 1, 'm');
  try {
    save_run_atomic(r, dir.path() / "run.json", false);
    ADD_FAILURE() << "no throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not re-parse"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir.path() / "run.json"));
  EXPECT_TRUE(temp_files(dir.path()).empty());
}

TEST(SchemaJsonFile, MissingDirectoryAndFailedRenameLeaveNoTemp) {
  ScopedDir dir;
  try {
    write_file_atomic(dir.path() / "no_such_dir" / "run.json", "x", false);
    ADD_FAILURE() << "no throw";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("no_such_dir"), std::string::npos) << msg;
    EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
  }
  EXPECT_TRUE(temp_files(dir.path()).empty());

  // rename() onto a non-empty directory fails after the temp file was written.
  fs::create_directory(dir.path() / "occupied");
  { std::ofstream(dir.path() / "occupied" / "f").put('x'); }
  EXPECT_THROW(write_file_atomic(dir.path() / "occupied", "x", true), std::runtime_error);
  EXPECT_TRUE(temp_files(dir.path()).empty());
}

TEST(SchemaJsonFile, WriteFailureRemovesTemp) {
  // Injected EFBIG through RLIMIT_FSIZE, in a child so the limit does not leak.
  ScopedDir dir;
  const fs::path target = dir.path() / "run.json";
  const std::string text(1u << 20, 'x');
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit lim{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    int code = 3;
    try {
      write_file_atomic(target, text, false);
      code = 1;
    } catch (const FileExistsError&) {
      code = 2;
    } catch (const std::runtime_error& e) {
      code = std::string(e.what()).find("File too large") != std::string::npos ? 0 : 4;
    }
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(fs::exists(target));
  EXPECT_TRUE(temp_files(dir.path()).empty());
}

/// ~1 MB valid result text; `variant` changes every sample value.
std::string big_text(int variant) {
  RunRecord r = sparse_record();
  r.run.id = "kill-test-" + std::to_string(variant);
  auto& samples = r.results[0].sample_s;
  for (int i = 0; i < 46000; ++i) {
    samples.push_back(1e-3 * (1.0 + variant) + 1e-9 * i);
  }
  return to_json_text(r);
}

TEST(SchemaJsonFile, SigkillNeverLeavesATruncatedTarget) {
  ScopedDir dir;
  const fs::path target = dir.path() / "run.json";
  const std::string texts[2] = {big_text(0), big_text(1)};
  ASSERT_GT(texts[0].size(), 900000u);
  ASSERT_NE(texts[0], texts[1]);
  std::mt19937 rng(20250101);
  std::uniform_int_distribution<int> delay_us(0, 20000);
  int present = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (unsigned k = static_cast<unsigned>(i);; ++k) {
        try {
          write_file_atomic(target, texts[k % 2], true);
        } catch (...) {
          ::_exit(2);
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer failed at iteration " << i;
    if (fs::exists(target)) {
      ++present;
      const std::string now = read_text(target);
      ASSERT_TRUE(now == texts[0] || now == texts[1])
          << "iteration " << i << ": target has " << now.size() << " bytes";
    }
  }
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("iterations_with_target", present);
  RecordProperty("leftover_temp_files", static_cast<int>(temp_files(dir.path()).size()));
  EXPECT_LT(elapsed_s, 30.0);
  if (fs::exists(target)) {
    EXPECT_EQ(load_run(target).results[0].sample_s.size(), 46000u);
  }
}

}  // namespace
}  // namespace gpb
