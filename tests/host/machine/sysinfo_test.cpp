// SPDX-License-Identifier: Apache-2.0
// Host provenance (METHODOLOGY DI-4), the environment allowlist with redaction (DI-7), safe file
// name parts (IN-7), UTC timestamps, and the parallel loop used by host cases.
#include <gpb/common/parallel.hpp>
#include <gpb/machine/sysinfo.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include <stdlib.h>

namespace gpb {
namespace {

namespace fs = std::filesystem;

// ---- DI-7: environment allowlist ------------------------------------------------------------

TEST(AllowlistedEnv, KeepsAllowlistDropsEverythingElseRedactsSecrets) {
  const char* envp[] = {"NCCL_IB_HCA=mlx5_0,mlx5_1",
                        "CUDA_VISIBLE_DEVICES=0,1",
                        "CUDA_DEVICE_ORDER=PCI_BUS_ID",
                        "OMP_NUM_THREADS=8",
                        "FAKE_SECRET_TOKEN=s3cr3t-token-value",
                        "HOME=/root",
                        "PATH=/usr/bin:/bin",
                        "AWS_SECRET_ACCESS_KEY=aws-secret",
                        "NCCL_API_KEY=hunter2",
                        "CUDA_MY_PASSWORD=pw-value",
                        "NCCL_CREDENTIAL_FILE=/etc/cred",
                        "NCCL_SOCKET_IFNAME=eth0=odd",
                        "NO_EQUALS_SIGN",
                        nullptr};
  const auto env = allowlisted_env(envp);
  ASSERT_EQ(env.count("NCCL_IB_HCA"), 1u);
  EXPECT_EQ(env.at("NCCL_IB_HCA"), "mlx5_0,mlx5_1");
  ASSERT_EQ(env.count("CUDA_VISIBLE_DEVICES"), 1u);
  EXPECT_EQ(env.at("CUDA_VISIBLE_DEVICES"), "0,1");
  EXPECT_EQ(env.at("CUDA_DEVICE_ORDER"), "PCI_BUS_ID");
  EXPECT_EQ(env.at("OMP_NUM_THREADS"), "8");
  EXPECT_EQ(env.at("NCCL_SOCKET_IFNAME"), "eth0=odd");  // only the first '=' separates

  EXPECT_EQ(env.count("FAKE_SECRET_TOKEN"), 0u);
  EXPECT_EQ(env.count("HOME"), 0u);
  EXPECT_EQ(env.count("PATH"), 0u);
  EXPECT_EQ(env.count("AWS_SECRET_ACCESS_KEY"), 0u);
  EXPECT_EQ(env.count("NO_EQUALS_SIGN"), 0u);

  ASSERT_EQ(env.count("NCCL_API_KEY"), 1u);
  EXPECT_EQ(env.at("NCCL_API_KEY"), "<redacted>");
  EXPECT_EQ(env.at("CUDA_MY_PASSWORD"), "<redacted>");
  EXPECT_EQ(env.at("NCCL_CREDENTIAL_FILE"), "<redacted>");

  // No secret value leaks anywhere in the map.
  for (const auto& [name, value] : env) {
    for (const char* secret : {"hunter2", "s3cr3t", "aws-secret", "pw-value", "/etc/cred"}) {
      EXPECT_EQ(value.find(secret), std::string::npos) << name;
    }
  }
}

TEST(AllowlistedEnv, NullAndEmptyEnvironments) {
  EXPECT_TRUE(allowlisted_env(nullptr).empty());
  const char* empty[] = {nullptr};
  EXPECT_TRUE(allowlisted_env(empty).empty());
}

TEST(AllowlistedEnv, PrefixMustMatchAtTheStart) {
  const char* envp[] = {"MY_CUDA_HOME=/x", "XNCCL_DEBUG=INFO", "cuda_visible_devices=0", nullptr};
  EXPECT_TRUE(allowlisted_env(envp).empty());
}

// ---- IN-7: file name parts --------------------------------------------------------------

bool only_safe_chars(const std::string& s) {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

void expect_safe_part(const std::string& input) {
  const std::string out = sanitize_filename_part(input);
  EXPECT_FALSE(out.empty()) << "input size " << input.size();
  EXPECT_NE(out, ".");
  EXPECT_NE(out, "..");
  EXPECT_EQ(out.find('/'), std::string::npos) << out;
  EXPECT_EQ(out.find('\0'), std::string::npos) << out;
  EXPECT_TRUE(only_safe_chars(out)) << out;
  // Joined under an output directory, the name stays a direct child of it.
  const fs::path dir = "/tmp/out";
  const fs::path joined = (dir / out).lexically_normal();
  EXPECT_EQ(joined.parent_path(), dir) << joined;
}

TEST(SanitizeFilename, TraversalHostname) {
  const std::string out = sanitize_filename_part("../../etc/x");
  EXPECT_EQ(out.find('/'), std::string::npos);
  expect_safe_part("../../etc/x");
}

TEST(SanitizeFilename, EmbeddedNulGpuName) {
  const std::string name("a/b\0c", 5);
  ASSERT_EQ(name.size(), 5u);
  const std::string out = sanitize_filename_part(name);
  EXPECT_EQ(out.size(), 5u);
  EXPECT_EQ(out.front(), 'a');
  EXPECT_EQ(out.back(), 'c');
  expect_safe_part(name);
}

TEST(SanitizeFilename, DegenerateInputs) {
  for (const std::string s : {"", ".", "..", "...", "/", "//", "\n", " ", "\xc3\xa9"}) {
    expect_safe_part(s);
  }
}

TEST(SanitizeFilename, KeepsSafeNamesUnchanged) {
  EXPECT_EQ(sanitize_filename_part("NVIDIA-H100_80GB.HBM3"), "NVIDIA-H100_80GB.HBM3");
  EXPECT_EQ(sanitize_filename_part("gpu node 1"), "gpu_node_1");
}

// ---- DI-4: host facts from a fixture root ----------------------------------------------------

using test::TempDir;

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(CollectHostInfo, ReadsFixtureTree) {
  TempDir root;
  const fs::path r = root.path();
  write_file(r / "etc/os-release",
             "NAME=\"Test Linux\"\nPRETTY_NAME=\"Test Linux 1.0 (Fixture)\"\nID=test\n");
  write_file(r / "proc/cpuinfo",
             "processor\t: 0\nvendor_id\t: FakeVendor\nmodel name\t: Fake CPU 9000 @ 2.00GHz\n"
             "\nprocessor\t: 1\nmodel name\t: Fake CPU 9000 @ 2.00GHz\n");
  write_file(r / "proc/meminfo", "MemTotal:       16384000 kB\nMemFree:         1000 kB\n");
  fs::create_directories(r / "sys/devices/system/node/node0");
  fs::create_directories(r / "sys/devices/system/node/node1");
  fs::create_directories(r / "sys/devices/system/node/power");  // not a node
  write_file(r / "sys/devices/system/node/possible", "0-1\n");  // not a node
  write_file(r / "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
  write_file(r / "sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");

  const HostInfo h = collect_host_info(r.string());
  EXPECT_EQ(h.os, "Test Linux 1.0 (Fixture)");
  EXPECT_EQ(h.cpu_model, "Fake CPU 9000 @ 2.00GHz");
  EXPECT_EQ(h.memory_bytes, 16384000ull * 1024);
  EXPECT_EQ(h.numa_nodes, 2);
  EXPECT_EQ(h.cpu_governor, "performance");
  EXPECT_EQ(h.transparent_hugepages, "always [madvise] never");
  EXPECT_GT(h.logical_cpus, 0);
  EXPECT_FALSE(h.kernel.empty());
}

TEST(CollectHostInfo, MissingFilesLeaveFieldsEmpty) {
  TempDir root;  // empty tree
  const HostInfo h = collect_host_info(root.path().string());
  EXPECT_TRUE(h.os.empty());
  EXPECT_TRUE(h.cpu_model.empty());
  EXPECT_EQ(h.memory_bytes, 0u);
  EXPECT_EQ(h.numa_nodes, 0);
  EXPECT_TRUE(h.cpu_governor.empty());
  EXPECT_TRUE(h.transparent_hugepages.empty());
}

TEST(MemAvailable, ReadFromMeminfoInBytes) {
  TempDir root;
  std::filesystem::create_directories(root / "proc");
  root.write("proc/meminfo",
             "MemTotal:       263859428 kB\nMemFree:         1000000 kB\n"
             "MemAvailable:   250000000 kB\nBuffers:          12345 kB\n");
  EXPECT_EQ(read_mem_available(root.path().string()), 250000000ull * 1024);
  root.write("proc/meminfo", "MemTotal:       263859428 kB\n");  // an old kernel: no line
  EXPECT_FALSE(read_mem_available(root.path().string()).has_value());
  TempDir empty;
  EXPECT_FALSE(read_mem_available(empty.path().string()).has_value());
}

// ---- timestamps and ids ------------------------------------------------------------------

TEST(UtcNow, Iso8601Formats) {
  const std::string full = utc_now_iso8601();
  EXPECT_TRUE(std::regex_match(full, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)")))
      << full;
  const std::string compact = utc_now_iso8601(true);
  EXPECT_TRUE(std::regex_match(compact, std::regex(R"(\d{8}T\d{6}Z)"))) << compact;
  EXPECT_EQ(sanitize_filename_part(compact), compact);  // usable in file names as is
  EXPECT_GE(full.substr(0, 4), "2024");
}

TEST(RandomU64, Varies) {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 8; ++i) {
    seen.insert(random_u64());
  }
  EXPECT_GT(seen.size(), 1u);
}

// ---- parallel_for -------------------------------------------------------------------------

TEST(ParallelFor, CoversEveryIndexExactlyOnce) {
  for (std::uint64_t n : {0ull, 1ull, 7ull, 1000ull}) {
    for (unsigned workers : {1u, 3u, 0u}) {
      std::vector<std::atomic<int>> hits(n);
      std::atomic<std::uint64_t> total{0};
      std::atomic<bool> bad_slice{false};
      std::mutex m;
      std::set<unsigned> worker_ids;
      parallel_for(n, workers, [&](std::uint64_t begin, std::uint64_t end, unsigned w) {
        if (begin > end || end > n) {
          bad_slice = true;
          return;
        }
        for (std::uint64_t i = begin; i < end; ++i) {
          hits[i].fetch_add(1);
        }
        total += end - begin;
        std::lock_guard<std::mutex> lock(m);
        worker_ids.insert(w);
      });
      EXPECT_FALSE(bad_slice) << "n=" << n << " workers=" << workers;
      EXPECT_EQ(total.load(), n) << "n=" << n << " workers=" << workers;
      for (std::uint64_t i = 0; i < n; ++i) {
        ASSERT_EQ(hits[i].load(), 1) << "index " << i << " n=" << n << " workers=" << workers;
      }
      if (workers == 1 || n == 1) {
        EXPECT_EQ(worker_ids.size(), 1u);  // one slice
      }
      if (workers == 3 && n >= 3) {
        EXPECT_EQ(worker_ids.size(), 3u) << "n=" << n;
      }
      if (!worker_ids.empty()) {
        EXPECT_LT(*worker_ids.rbegin(), workers == 0 ? 1u << 16 : workers);
      }
    }
  }
}

}  // namespace
}  // namespace gpb
