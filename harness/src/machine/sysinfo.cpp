// SPDX-License-Identifier: Apache-2.0
#include <gpb/machine/sysinfo.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <sys/utsname.h>
#include <unistd.h>

namespace gpb {
namespace {

std::string value_after_colon(const std::string& line) {
  const auto colon = line.find(':');
  if (colon == std::string::npos) {
    return "";
  }
  std::string v = line.substr(colon + 1);
  v.erase(0, v.find_first_not_of(" \t"));
  return v;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::optional<std::string> read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return std::nullopt;
  }
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
    line.pop_back();
  }
  return line;
}

std::optional<std::uint64_t> read_mem_available(const std::string& root) {
  std::ifstream in(root + "/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb) {
    std::getline(in, unit);  // " kB"
    if (key == "MemAvailable:") {
      return kb * 1024;
    }
  }
  return std::nullopt;
}

HostInfo collect_host_info(const std::string& root) {
  HostInfo h;
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) {
    h.hostname = name;
  }
  utsname u{};
  if (uname(&u) == 0) {
    h.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
  }
  {
    std::ifstream in(root + "/etc/os-release");
    std::string line;
    while (std::getline(in, line)) {
      if (starts_with(line, "PRETTY_NAME=")) {
        h.os = line.substr(12);
        h.os.erase(std::remove(h.os.begin(), h.os.end(), '"'), h.os.end());
      }
    }
  }
  {
    std::ifstream in(root + "/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
      if (starts_with(line, "model name")) {
        h.cpu_model = value_after_colon(line);
        break;
      }
    }
  }
  h.logical_cpus = static_cast<int>(std::thread::hardware_concurrency());
  {
    std::ifstream in(root + "/proc/meminfo");
    std::string key;
    std::uint64_t kb = 0;
    if (in >> key >> kb && key == "MemTotal:") {
      h.memory_bytes = kb * 1024;
    }
  }
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(root + "/sys/devices/system/node", ec)) {
    const std::string n = entry.path().filename().string();
    if (starts_with(n, "node") && n.size() > 4 &&
        std::all_of(n.begin() + 4, n.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      ++h.numa_nodes;
    }
  }
  h.cpu_governor =
      read_first_line(root + "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor").value_or("");
  h.transparent_hugepages =
      read_first_line(root + "/sys/kernel/mm/transparent_hugepage/enabled").value_or("");
  return h;
}

std::map<std::string, std::string> allowlisted_env(const char* const* envp) {
  static const char* const kPrefixes[] = {"CUDA_",
                                          "NCCL_",
                                          "OMP_",
                                          "OMPI_COMM_WORLD_",
                                          "PMIX_RANK",
                                          "SLURM_JOB_ID",
                                          "SLURM_PROCID",
                                          "GPUBENCH_"};
  static const char* const kSecrets[] = {"TOKEN", "SECRET", "PASSWORD", "KEY", "CREDENTIAL"};
  std::map<std::string, std::string> out;
  for (const char* const* e = envp; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    const std::string name(entry.substr(0, eq));
    const bool allowed = std::any_of(std::begin(kPrefixes),
                                     std::end(kPrefixes),
                                     [&](const char* p) { return starts_with(name, p); });
    if (!allowed) {
      continue;
    }
    std::string upper = name;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) {
      return static_cast<char>(std::toupper(c));
    });
    const bool secret = std::any_of(std::begin(kSecrets), std::end(kSecrets), [&](const char* s) {
      return upper.find(s) != std::string::npos;
    });
    out[name] = secret ? "<redacted>" : std::string(entry.substr(eq + 1));
  }
  return out;
}

std::string sanitize_filename_part(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    out.push_back(ok ? c : '_');
  }
  if (out.empty() || std::all_of(out.begin(), out.end(), [](char c) { return c == '.'; })) {
    out = "unnamed" + out;
  }
  return out;
}

std::string utc_now_iso8601(bool compact) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::uint64_t random_u64() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace gpb
