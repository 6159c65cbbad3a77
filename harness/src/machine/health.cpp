// SPDX-License-Identifier: Apache-2.0
#include <gpb/machine/health.hpp>

#include <algorithm>

namespace gpb {
namespace {

bool lost(const std::string& reason) {
  return reason == "GPU_IS_LOST" || reason == "RESET_REQUIRED";
}

template <class T>
void grew(const std::optional<T>& before,
          const std::optional<T>& after,
          const char* name,
          std::vector<std::string>& out) {
  if (before && after && *after > *before) {
    out.push_back(std::string(name) + " +" + std::to_string(*after - *before));
  }
}

}  // namespace

HealthCounters read_health(const Nvml& nvml, const std::string& bus) {
  HealthCounters h;
  const auto ecc = nvml.ecc_volatile_uncorrected(bus);
  const auto replays = nvml.pcie_replays(bus);
  const auto rows = nvml.remapped_rows(bus);
  h.ecc_volatile_uncorrected = ecc.value;
  h.pcie_replays = replays.value;
  if (rows.value) {
    h.remapped_rows_uncorrected = rows.value->uncorrected;
    h.remap_failure = rows.value->failure;
  }
  h.gpu_lost = lost(ecc.reason) || lost(replays.reason) || lost(rows.reason);
  return h;
}

std::vector<std::string> health_regressions(const HealthCounters& before,
                                            const HealthCounters& after) {
  std::vector<std::string> out;
  grew(before.ecc_volatile_uncorrected,
       after.ecc_volatile_uncorrected,
       "ecc_volatile_uncorrected",
       out);
  grew(before.pcie_replays, after.pcie_replays, "pcie_replays", out);
  grew(before.remapped_rows_uncorrected,
       after.remapped_rows_uncorrected,
       "remapped_rows_uncorrected",
       out);
  if (before.remap_failure && after.remap_failure && !*before.remap_failure &&
      *after.remap_failure) {
    out.emplace_back("remap_failure");
  }
  if (after.gpu_lost && !before.gpu_lost) {
    out.emplace_back("gpu_lost");
  }
  return out;
}

std::string xid_text(const std::vector<std::uint64_t>& xids) {
  std::string out;
  for (const auto x : xids) {
    out += (out.empty() ? "xid " : ", xid ") + std::to_string(x);
  }
  return out;
}

bool xid_poisons_device(const std::vector<std::uint64_t>& xids) noexcept {
  return std::find(xids.begin(), xids.end(), 79u) != xids.end();
}

}  // namespace gpb
