// SPDX-License-Identifier: Apache-2.0
// NVML loaded at run time by soname (METHODOLOGY §4): never linked, no nvml.h. Every getter
// returns a Reading: a value, or no value and the reason (FH-6). Never called in timed regions.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gpb {

template <class T>
struct Reading {
  std::optional<T> value;
  std::string reason;  ///< "symbol_missing", "NOT_SUPPORTED", ... when value is empty
};

/// Names of the set bits of a clock-event-reasons mask (GpuIdle, SwPowerCap, HwSlowdown, ...).
std::vector<std::string> clock_event_reason_names(std::uint64_t mask);
/// GpuIdle | ApplicationsClocksSetting | SyncBoost | DisplayClockSetting: not throttling (MR-7).
inline constexpr std::uint64_t kBenignClockEventReasons = 0x1 | 0x2 | 0x10 | 0x100;
/// True when the mask holds a reason that lowers clocks under load (not idle/app setting).
bool is_throttling(std::uint64_t mask) noexcept;

/// nvmlDeviceGetRemappedRows: rows remapped for corrected and uncorrected errors, a remap that
/// waits for a reset, and whether a remap ever failed (Ampere and later).
struct RemappedRows {
  unsigned corrected = 0, uncorrected = 0;
  bool pending = false, failure = false;
};

enum class NvLinkRemote { unknown, gpu, nvswitch, other };
/// One NVLink port of a GPU, as NVML reports it (classified in <gpb/models/link_peaks.hpp>).
struct NvLinkPort {
  unsigned link = 0;
  bool active = false;
  int generation = 0;  ///< NVLink generation 1..6 (nvlink_generation_from_nvml); 0 unknown
  NvLinkRemote remote = NvLinkRemote::unknown;
  std::string remote_bus;  ///< PCI bus id of the far end, DDDD:BB:DD.F, "" unknown
};

class XidWatch;

class Nvml {
 public:
  /// Loads and initialises NVML; nullptr plus `why` when the library or init is missing.
  static std::unique_ptr<Nvml> load(std::string& why,
                                    const std::string& soname = "libnvidia-ml.so.1");
  ~Nvml();
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  Reading<std::string> driver_version() const;
  Reading<std::string> nvml_version() const;
  /// Per device, addressed by PCI bus id (never by index, MR-17).
  Reading<double> power_limit_w(const std::string& pci_bus_id) const;
  Reading<double> power_usage_w(const std::string& pci_bus_id) const;
  Reading<std::uint64_t> clock_event_reasons(const std::string& pci_bus_id) const;
  Reading<double> temperature_c(const std::string& pci_bus_id) const;
  Reading<double> sm_clock_mhz(const std::string& pci_bus_id) const;
  /// "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", to check NVML and CUDA agree (MR-17).
  Reading<std::string> uuid(const std::string& pci_bus_id) const;

  // Preflight items (MR-19), read once before a run.
  Reading<bool> persistence_mode(const std::string& pci_bus_id) const;
  /// {current, pending} ECC mode.
  Reading<std::pair<bool, bool>> ecc_mode(const std::string& pci_bus_id) const;
  Reading<std::uint64_t> ecc_volatile_uncorrected(const std::string& pci_bus_id) const;
  Reading<RemappedRows> remapped_rows(const std::string& pci_bus_id) const;
  Reading<bool> retired_pages_pending(const std::string& pci_bus_id) const;
  Reading<int> compute_mode(const std::string& pci_bus_id) const;
  /// {current, pending} MIG mode.
  Reading<std::pair<bool, bool>> mig_mode(const std::string& pci_bus_id) const;
  Reading<double> default_power_limit_w(const std::string& pci_bus_id) const;
  Reading<double> app_sm_clock_mhz(const std::string& pci_bus_id) const;
  Reading<double> default_app_sm_clock_mhz(const std::string& pci_bus_id) const;
  /// {current generation, max generation, current width, max width}.
  Reading<std::array<int, 4>> pcie_link(const std::string& pci_bus_id) const;
  Reading<unsigned> pcie_replays(const std::string& pci_bus_id) const;
  /// Compute processes on the device (any process, this one included once it has a context).
  Reading<unsigned> compute_processes(const std::string& pci_bus_id) const;
  Reading<unsigned> gpu_utilization_pct(const std::string& pci_bus_id) const;
  Reading<double> slowdown_temperature_c(const std::string& pci_bus_id) const;

  // Peer links (METHODOLOGY §3).
  /// The device's NVLink ports, links 0..35 (NVML_NVLINK_MAX_LINKS is 36 in NVML 13): a link NVML
  /// answers NOT_SUPPORTED or INVALID_ARGUMENT for does not exist and is left out, so a GPU without
  /// NVLink gives an empty vector (a value, not an error). Version, remote type and remote bus
  /// id are optional symbols: without them a port has generation 0 / remote unknown / "".
  Reading<std::vector<NvLinkPort>> nvlink_ports(const std::string& pci_bus_id) const;
  /// nvmlDeviceGetP2PStatus(from, to, NVML_P2P_CAPS_INDEX_READ): true when NVML reports OK;
  /// false with the status in words in `reason` ("chipset not supported", "GPU not
  /// supported", "IOH topology not supported", "disabled by regkey", "not supported").
  Reading<bool> p2p_read_supported(const std::string& from_bus, const std::string& to_bus) const;

  /// Registers for critical Xid events of one device (FH-4); nullptr plus `why` when NVML
  /// cannot (NOT_SUPPORTED in many VMs and containers, NO_PERMISSION, symbol_missing).
  std::unique_ptr<XidWatch> watch_xids(const std::string& pci_bus_id, std::string& why) const;

  struct Api;  // function table, defined in nvml_internal.hpp

 private:
  Nvml(void* lib, std::unique_ptr<Api> api);
  void* lib_;
  std::unique_ptr<Api> api_;
};

/// An NVML event set registered for one device's critical Xid errors. Events queue in the set
/// until drained, so draining right before and right after a case attributes them to it.
class XidWatch {
 public:
  ~XidWatch();
  XidWatch(const XidWatch&) = delete;
  XidWatch& operator=(const XidWatch&) = delete;
  /// The Xid numbers that arrived since the last drain (never blocks).
  std::vector<std::uint64_t> drain();

 private:
  friend class Nvml;
  XidWatch(const Nvml::Api& api, void* set) : api_(api), set_(set) {}
  const Nvml::Api& api_;
  void* set_;
};

}  // namespace gpb
