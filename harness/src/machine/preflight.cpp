// SPDX-License-Identifier: Apache-2.0
// Preflight audit (METHODOLOGY MR-19), host side and outcome: the host readings (/proc, /sys)
// and their checks, the library_versions check (FH-10), and the refusal, summary and table of a
// run's checks. The checks per GPU are in preflight_gpu.cpp.
#include <gpb/machine/preflight.hpp>
#include <gpb/machine/sysinfo.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <sstream>

#include "preflight_internal.hpp"

namespace gpb {
namespace {

using preflight_detail::Checks;

Reading<std::string> read_line(const std::string& path, const char* missing_reason) {
  auto line = read_first_line(path);
  return {line, line ? "" : missing_reason};
}

/// "always [madvise] never" -> "madvise": the selected word of a sysfs choice file.
Reading<std::string> selected_word(const Reading<std::string>& line) {
  if (!line.value) {
    return line;
  }
  const auto open = line.value->find('[');
  const auto close = line.value->find(']', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) {
    return {std::nullopt, "unexpected_format: " + *line.value};
  }
  return {line.value->substr(open + 1, close - open - 1), ""};
}

}  // namespace

HostPreflightReadings read_host_preflight(const std::string& root) {
  HostPreflightReadings r;
  r.cpu_governor = read_line(root + "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
                             "no_cpufreq (the kernel exposes no frequency governor; usual in VMs)");
  {
    const auto text = read_line(root + "/proc/sys/kernel/numa_balancing", "not_exposed");
    if (text.value) {
      try {
        r.numa_balancing.value = std::stoi(*text.value);
      } catch (const std::exception&) {
        r.numa_balancing.reason = "unexpected_format: " + *text.value;
      }
    } else {
      r.numa_balancing.reason = text.reason;
    }
  }
  {
    std::error_code ec;
    for (const auto& e :
         std::filesystem::directory_iterator(root + "/sys/devices/system/node", ec)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("node", 0) == 0 && name.size() > 4 &&
          std::all_of(name.begin() + 4, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        ++r.numa_nodes;
      }
    }
  }
  r.pcie_aspm_policy =
      selected_word(read_line(root + "/sys/module/pcie_aspm/parameters/policy", "not_exposed"));
  r.transparent_hugepages =
      selected_word(read_line(root + "/sys/kernel/mm/transparent_hugepage/enabled", "not_exposed"));
  return r;
}

std::vector<PreflightCheck> evaluate_host_preflight(const HostPreflightReadings& r) {
  Checks c("host");
  if (!c.missing("cpu_governor", r.cpu_governor, "performance")) {
    const bool ok = *r.cpu_governor.value == "performance";
    c.add("cpu_governor",
          ok ? CheckStatus::ok : CheckStatus::warn,
          r.cpu_governor.value,
          "performance",
          ok ? "" : "host-side timing and launch rates vary with CPU frequency scaling");
  }
  if (!c.missing("numa_balancing", r.numa_balancing, "0 on multi-socket hosts")) {
    const bool on = *r.numa_balancing.value != 0;
    const bool matters = r.numa_nodes > 1;
    c.add("numa_balancing",
          on && matters ? CheckStatus::warn : CheckStatus::ok,
          std::to_string(*r.numa_balancing.value) + " (" + std::to_string(r.numa_nodes) +
              " NUMA nodes)",
          "0 on multi-socket hosts",
          on && matters ? "the kernel may migrate host buffers between nodes during a run" : "");
  }
  if (!c.missing("pcie_aspm", r.pcie_aspm_policy, "default or performance")) {
    const std::string& p = *r.pcie_aspm_policy.value;
    const bool saving = p == "powersave" || p == "powersupersave";
    c.add("pcie_aspm",
          saving ? CheckStatus::warn : CheckStatus::ok,
          p,
          "default or performance",
          saving ? "link power states add latency to host<->device transfers" : "");
  }
  if (!c.missing("transparent_hugepages", r.transparent_hugepages, "recorded")) {
    // Informational: pinned buffers are unaffected; pageable host copies may differ.
    c.add("transparent_hugepages", CheckStatus::ok, r.transparent_hugepages.value, "recorded");
  }
  return c.take();
}

namespace {
/// 13000 -> "13.0" (CUDART_VERSION and cudaDriverGetVersion: major*1000 + minor*10).
std::string cuda_text(int v) {
  return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}
/// 130100 -> "13.1.0" (CUBLAS_VERSION and cublasLtGetVersion: major*10000 + minor*100 + patch).
std::string cublas_text(int v) {
  return std::to_string(v / 10000) + "." + std::to_string(v % 10000 / 100) + "." +
         std::to_string(v % 100);
}
}  // namespace

PreflightCheck evaluate_library_versions(const ToolInfo& tool, const RuntimeInfo& runtime) {
  PreflightCheck c{"library_versions",
                   "host",
                   CheckStatus::unknown,
                   std::nullopt,
                   "loaded libraries match the build; driver >= runtime",
                   ""};
  if (!tool.cuda_enabled) {
    c.reason = "built without CUDA";
    return c;
  }
  if (!runtime.cuda_runtime_version || !tool.cudart_header_version) {
    c.reason = runtime.cuda_reason.empty() ? "CUDA runtime version not queried (no GPU case)"
                                           : runtime.cuda_reason;
    return c;
  }
  std::vector<std::string> problems;
  std::string value = "cudart " + cuda_text(*runtime.cuda_runtime_version) + " (built " +
                      cuda_text(*tool.cudart_header_version) + ")";
  if (*runtime.cuda_runtime_version / 10 != *tool.cudart_header_version / 10) {
    problems.push_back("the CUDA runtime loaded is not the one built against");
  }
  if (runtime.cublas_version && tool.cublas_header_version) {
    value += ", cuBLAS " + cublas_text(*runtime.cublas_version) + " (built " +
             cublas_text(*tool.cublas_header_version) + ")";
    if (*runtime.cublas_version / 100 != *tool.cublas_header_version / 100) {
      problems.push_back(
          "a different cuBLAS is loaded than the one built against (a stale "
          "library on the library path?)");
    }
  }
  if (runtime.cuda_driver_version) {
    value += ", driver CUDA " + cuda_text(*runtime.cuda_driver_version);
    if (*runtime.cuda_driver_version < *runtime.cuda_runtime_version) {
      problems.push_back("the driver is older than the CUDA runtime");
    }
  }
  c.value = value;
  c.status = problems.empty() ? CheckStatus::ok : CheckStatus::warn;
  for (const auto& p : problems) {
    c.reason += (c.reason.empty() ? "" : "; ") + p;
  }
  return c;
}

bool preflight_refuses(const std::vector<PreflightCheck>& checks, bool strict) noexcept {
  return strict && std::any_of(checks.begin(), checks.end(), [](const PreflightCheck& c) {
           return c.status == CheckStatus::warn || c.status == CheckStatus::fail;
         });
}

std::string preflight_summary(const std::vector<PreflightCheck>& checks) {
  int warn = 0, fail = 0, unknown = 0;
  std::ostringstream items;
  for (const auto& c : checks) {
    if (c.status == CheckStatus::unknown) {
      ++unknown;
    }
    if (c.status != CheckStatus::warn && c.status != CheckStatus::fail) {
      continue;
    }
    (c.status == CheckStatus::warn ? warn : fail) += 1;
    items << (warn + fail > 1 ? "; " : "") << to_string(c.status) << " " << c.scope << " " << c.id
          << " (" << c.value.value_or("?") << ")";
  }
  std::ostringstream out;
  out << checks.size() << " checks: " << warn << " warn, " << fail << " fail, " << unknown
      << " unknown";
  if (warn + fail > 0) {
    out << ": " << items.str();
  }
  return out.str();
}

std::string preflight_table(const std::vector<PreflightCheck>& checks) {
  std::vector<std::array<std::string, 5>> rows{{"scope", "check", "status", "value", "note"}};
  for (const auto& c : checks) {
    rows.push_back({c.scope,
                    c.id,
                    std::string(to_string(c.status)),
                    c.value.value_or("null"),
                    c.reason.empty() ? "expected: " + c.expected : c.reason});
  }
  std::array<std::size_t, 5> width{};
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  std::ostringstream out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out << row[i];
      if (i + 1 < row.size()) {
        out << std::string(width[i] - row[i].size() + 2, ' ');
      }
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace gpb
