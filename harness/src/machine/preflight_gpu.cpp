// SPDX-License-Identifier: Apache-2.0
// Preflight audit (METHODOLOGY MR-19), per GPU: the NVML readings of one device and the rules
// that judge them (kGpuChecks, one function per check, in report order).
#include <gpb/machine/preflight.hpp>

#include <cstdio>

#include "preflight_internal.hpp"

namespace gpb {
namespace {

using preflight_detail::Checks;

std::string on_off(bool on) {
  return on ? "enabled" : "disabled";
}

std::string fixed(double v, int digits = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

Reading<PcieLink> read_pcie_link(const Nvml& nvml, const std::string& bus) {
  const auto link = nvml.pcie_link(bus);
  if (!link.value) {
    return {std::nullopt, link.reason};
  }
  const auto& v = *link.value;
  return {PcieLink{v[0], v[1], v[2], v[3]}, ""};
}

GpuPreflightReadings read_gpu_preflight(const Nvml& nvml,
                                        const std::string& bus,
                                        const std::string& scope) {
  GpuPreflightReadings r;
  r.scope = scope;
  r.nvml_uuid = nvml.uuid(bus);
  r.persistence_mode = nvml.persistence_mode(bus);
  {
    const auto ecc = nvml.ecc_mode(bus);
    r.ecc_enabled = {ecc.value ? std::optional<bool>(ecc.value->first) : std::nullopt, ecc.reason};
    r.ecc_pending = {ecc.value ? std::optional<bool>(ecc.value->second) : std::nullopt, ecc.reason};
  }
  r.ecc_volatile_uncorrected = nvml.ecc_volatile_uncorrected(bus);
  {
    const auto rows = nvml.remapped_rows(bus);
    r.remap_pending = {rows.value ? std::optional<bool>(rows.value->pending) : std::nullopt,
                       rows.reason};
    r.remap_failure = {rows.value ? std::optional<bool>(rows.value->failure) : std::nullopt,
                       rows.reason};
  }
  r.retired_pages_pending = nvml.retired_pages_pending(bus);
  r.compute_mode = nvml.compute_mode(bus);
  {
    const auto mig = nvml.mig_mode(bus);
    r.mig_enabled = {mig.value ? std::optional<bool>(mig.value->first) : std::nullopt, mig.reason};
    r.mig_pending = {mig.value ? std::optional<bool>(mig.value->second) : std::nullopt, mig.reason};
  }
  r.power_limit_w = nvml.power_limit_w(bus);
  r.default_power_limit_w = nvml.default_power_limit_w(bus);
  r.app_sm_clock_mhz = nvml.app_sm_clock_mhz(bus);
  r.default_app_sm_clock_mhz = nvml.default_app_sm_clock_mhz(bus);
  r.clock_event_reasons = nvml.clock_event_reasons(bus);
  r.pcie_link = read_pcie_link(nvml, bus);
  r.pcie_replays = nvml.pcie_replays(bus);
  r.other_processes = nvml.compute_processes(bus);
  r.utilization_pct = nvml.gpu_utilization_pct(bus);
  r.temperature_c = nvml.temperature_c(bus);
  r.slowdown_temperature_c = nvml.slowdown_temperature_c(bus);
  return r;
}

namespace {

// One function per GPU check, in report order; each adds exactly one check to `c`.

void check_device_identity(Checks& c, const GpuPreflightReadings& r) {
  if (!c.missing("device_identity", r.nvml_uuid, "NVML UUID == CUDA UUID")) {
    // NVML is addressed by PCI bus id (MR-17); if it names another GPU there, every NVML
    // reading of this run would describe the wrong device.
    const bool same = *r.nvml_uuid.value == r.cuda_uuid;
    c.add("device_identity",
          same ? CheckStatus::ok : CheckStatus::fail,
          *r.nvml_uuid.value,
          "NVML UUID == CUDA UUID",
          same ? "" : "CUDA says this bus id holds " + (r.cuda_uuid.empty() ? "?" : r.cuda_uuid));
  }
}

void check_persistence_mode(Checks& c, const GpuPreflightReadings& r) {
  if (!c.missing("persistence_mode", r.persistence_mode, "enabled")) {
    const bool on = *r.persistence_mode.value;
    c.add("persistence_mode",
          on ? CheckStatus::ok : CheckStatus::warn,
          on_off(on),
          "enabled",
          on ? "" : "the driver tears the GPU down between processes (nvidia-smi -pm 1)");
  }
}

void check_ecc_mode(Checks& c, const GpuPreflightReadings& r) {
  if (!c.missing("ecc_mode", r.ecc_enabled, "current == pending") &&
      !c.missing("ecc_mode", r.ecc_pending, "current == pending")) {
    const bool now = *r.ecc_enabled.value;
    const bool pending = *r.ecc_pending.value;
    c.add("ecc_mode",
          now == pending ? CheckStatus::ok : CheckStatus::warn,
          on_off(now) + (now == pending ? "" : ", " + on_off(pending) + " after reset"),
          "current == pending",
          now == pending ? "" : "an ECC mode change waits for a GPU reset");
  }
}

void check_ecc_volatile_uncorrected(Checks& c, const GpuPreflightReadings& r) {
  c.zero("ecc_volatile_uncorrected",
         r.ecc_volatile_uncorrected,
         CheckStatus::fail,
         "uncorrected memory errors since the driver loaded: the GPU is unhealthy");
}

void check_row_remap(Checks& c, const GpuPreflightReadings& r) {
  if (!c.missing("row_remap", r.remap_pending, "no pending remap, no failure") &&
      !c.missing("row_remap", r.remap_failure, "no pending remap, no failure")) {
    const bool failure = *r.remap_failure.value;
    const bool pending = *r.remap_pending.value;
    c.add("row_remap",
          failure ? CheckStatus::fail : (pending ? CheckStatus::warn : CheckStatus::ok),
          failure ? "remap failure" : (pending ? "remap pending" : "none pending"),
          "no pending remap, no failure",
          failure   ? "row remapping failed: the GPU needs service"
          : pending ? "a row remap waits for a GPU reset"
                    : "");
  }
}

void check_retired_pages_pending(Checks& c, const GpuPreflightReadings& r) {
  if (!c.missing("retired_pages_pending", r.retired_pages_pending, "no")) {
    const bool pending = *r.retired_pages_pending.value;
    c.add("retired_pages_pending",
          pending ? CheckStatus::warn : CheckStatus::ok,
          pending ? "yes" : "no",
          "no",
          pending ? "a retired page waits for a GPU reset" : "");
  }
}

void check_compute_mode(Checks& c, const GpuPreflightReadings& r) {
  if (!c.missing("compute_mode", r.compute_mode, "default or exclusive_process")) {
    const int m = *r.compute_mode.value;
    const char* names[] = {"default", "exclusive_thread", "prohibited", "exclusive_process"};
    const std::string name = m >= 0 && m <= 3 ? names[m] : "mode " + std::to_string(m);
    const CheckStatus s = m == 0 || m == 3 ? CheckStatus::ok
                          : m == 2         ? CheckStatus::fail
                                           : CheckStatus::warn;
    c.add("compute_mode",
          s,
          name,
          "default or exclusive_process",
          m == 2                   ? "no CUDA context may be created on this GPU"
          : s == CheckStatus::warn ? "unusual compute mode"
                                   : "");
  }
}

void check_mig_mode(Checks& c, const GpuPreflightReadings& r) {
  if (!c.missing("mig_mode", r.mig_enabled, "disabled") &&
      !c.missing("mig_mode", r.mig_pending, "disabled")) {
    const bool on = *r.mig_enabled.value;
    const bool pending = *r.mig_pending.value;
    c.add("mig_mode",
          on || pending != on ? CheckStatus::warn : CheckStatus::ok,
          on_off(on) + (pending == on ? "" : ", " + on_off(pending) + " after reset"),
          "disabled",
          on              ? "MIG is on: results describe a GPU instance, not the whole GPU"
          : pending != on ? "a MIG mode change waits for a GPU reset"
                          : "");
  }
}

void check_power_limit(Checks& c, const GpuPreflightReadings& r) {
  if (!c.missing("power_limit", r.power_limit_w, "the default limit") &&
      !c.missing("power_limit", r.default_power_limit_w, "the default limit")) {
    const double now = *r.power_limit_w.value;
    const double def = *r.default_power_limit_w.value;
    const bool lowered = now < def * 0.99;
    c.add("power_limit",
          lowered ? CheckStatus::warn : CheckStatus::ok,
          fixed(now) + " W (default " + fixed(def) + " W)",
          "the default limit",
          lowered ? "a lowered power limit caps compute throughput" : "");
  }
}

// Application clocks set away from their default, or NVML saying clocks are held by an
// application-clock setting, mean someone pinned the clocks (nvidia-smi -ac / -lgc).
void check_clocks(Checks& c, const GpuPreflightReadings& r) {
  const bool app_known = r.app_sm_clock_mhz.value && r.default_app_sm_clock_mhz.value;
  const bool moved = app_known && *r.app_sm_clock_mhz.value != *r.default_app_sm_clock_mhz.value;
  const bool held = r.clock_event_reasons.value && (*r.clock_event_reasons.value & 0x2) != 0;
  if (!app_known && !r.clock_event_reasons.value) {
    // Whichever of the two clocks could not be read says why (never no check at all).
    c.missing("clocks",
              r.app_sm_clock_mhz.value ? r.default_app_sm_clock_mhz : r.app_sm_clock_mhz,
              "default application clocks");
    return;
  }
  std::string value;
  if (app_known) {
    value = "application SM clock " + fixed(*r.app_sm_clock_mhz.value) + " MHz (default " +
            fixed(*r.default_app_sm_clock_mhz.value) + ")";
  }
  if (held) {
    value += std::string(value.empty() ? "" : "; ") + "ApplicationsClocksSetting active";
  }
  if (value.empty()) {
    value = "no clock setting active";
  }
  c.add("clocks",
        moved || held ? CheckStatus::warn : CheckStatus::ok,
        value,
        "default application clocks",
        moved || held ? "clocks are set by hand: results describe that setting, not the card" : "");
}

void check_pcie_link(Checks& c, const GpuPreflightReadings& r) {
  if (!c.missing("pcie_link", r.pcie_link, "max generation and width")) {
    const PcieLink& l = *r.pcie_link.value;
    const bool narrow = l.width < l.max_width;
    const bool slow = l.generation < l.max_generation;
    // An idle link drops its generation to save power; only a reading under load counts.
    const bool warn = narrow || (slow && r.pcie_under_load);
    std::string value = "gen " + std::to_string(l.generation) + "/" +
                        std::to_string(l.max_generation) + " x" + std::to_string(l.width) + "/x" +
                        std::to_string(l.max_width) + (r.pcie_under_load ? " under load" : " idle");
    c.add("pcie_link",
          warn ? CheckStatus::warn : CheckStatus::ok,
          value,
          "max generation and width",
          narrow ? "the link trained narrower than it can: host<->device bandwidth is capped"
          : warn ? "the link runs below its generation under load"
          : slow ? "idle link in a power-saving generation (not a fault)"
                 : "");
  }
}

void check_pcie_replays(Checks& c, const GpuPreflightReadings& r) {
  c.zero("pcie_replays",
         r.pcie_replays,
         CheckStatus::warn,
         "PCIe replays since boot: a marginal link retransmits");
}

void check_other_processes(Checks& c, const GpuPreflightReadings& r) {
  c.zero("other_processes",
         r.other_processes,
         CheckStatus::warn,
         "other compute processes share the GPU");
}

void check_utilization(Checks& c, const GpuPreflightReadings& r) {
  if (!c.missing("utilization", r.utilization_pct, "< 10 %")) {
    const unsigned u = *r.utilization_pct.value;
    c.add("utilization",
          u < 10 ? CheckStatus::ok : CheckStatus::warn,
          std::to_string(u) + " %",
          "< 10 %",
          u < 10 ? "" : "the GPU is busy before the run starts");
  }
}

void check_temperature(Checks& c, const GpuPreflightReadings& r) {
  if (!c.missing("temperature", r.temperature_c, "15 C or more below slowdown") &&
      !c.missing("temperature", r.slowdown_temperature_c, "15 C or more below slowdown")) {
    const double t = *r.temperature_c.value;
    const double slow = *r.slowdown_temperature_c.value;
    const bool hot = t > slow - 15;
    c.add("temperature",
          hot ? CheckStatus::warn : CheckStatus::ok,
          fixed(t) + " C (slowdown " + fixed(slow) + " C)",
          "15 C or more below slowdown",
          hot ? "the GPU starts hot and may throttle during the run" : "");
  }
}

using GpuCheck = void (*)(Checks&, const GpuPreflightReadings&);

/// The GPU checks in the order they are reported.
constexpr GpuCheck kGpuChecks[] = {check_device_identity,
                                   check_persistence_mode,
                                   check_ecc_mode,
                                   check_ecc_volatile_uncorrected,
                                   check_row_remap,
                                   check_retired_pages_pending,
                                   check_compute_mode,
                                   check_mig_mode,
                                   check_power_limit,
                                   check_clocks,
                                   check_pcie_link,
                                   check_pcie_replays,
                                   check_other_processes,
                                   check_utilization,
                                   check_temperature};

}  // namespace

std::vector<PreflightCheck> evaluate_gpu_preflight(const GpuPreflightReadings& r) {
  Checks c(r.scope);
  for (const GpuCheck check : kGpuChecks) {
    check(c, r);
  }
  return c.take();
}

std::vector<PreflightCheck> unknown_gpu_preflight(const std::string& scope,
                                                  const std::string& why) {
  GpuPreflightReadings r;
  r.scope = scope;
  // Every reading empty with the same reason: evaluate() turns each into `unknown`.
  r.nvml_uuid.reason = why;
  r.persistence_mode.reason = r.ecc_enabled.reason = r.ecc_pending.reason =
      r.ecc_volatile_uncorrected.reason = r.remap_pending.reason = r.remap_failure.reason =
          r.retired_pages_pending.reason = r.compute_mode.reason = r.mig_enabled.reason =
              r.mig_pending.reason = r.power_limit_w.reason = r.default_power_limit_w.reason =
                  r.app_sm_clock_mhz.reason = r.default_app_sm_clock_mhz.reason =
                      r.clock_event_reasons.reason = r.pcie_link.reason = r.pcie_replays.reason =
                          r.other_processes.reason = r.utilization_pct.reason =
                              r.temperature_c.reason = r.slowdown_temperature_c.reason = why;
  return evaluate_gpu_preflight(r);
}

}  // namespace gpb
