// SPDX-License-Identifier: Apache-2.0
// NVML readings (METHODOLOGY §4, FH-6): each Nvml getter calls one function of the table by PCI
// bus id and returns a Reading, a value or the reason there is none (symbol_missing, NVML's
// return code).
#include <gpb/machine/nvml.hpp>
#include <gpb/models/link_peaks.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>
#include <iterator>
#include <utility>

#include "nvml_internal.hpp"

namespace gpb {
namespace {

using nvml_detail::kSuccess;
using nvml_detail::nvmlDevice_t;
using nvml_detail::nvmlReturn_t;
using nvml_detail::return_name;

constexpr nvmlReturn_t kInvalidArgument = 2;
constexpr nvmlReturn_t kNotSupported = 3;
constexpr nvmlReturn_t kInsufficientSize = 7;
constexpr int kEccUncorrected = 1;       // nvmlMemoryErrorType_t
constexpr int kEccVolatile = 0;          // nvmlEccCounterType_t
constexpr int kTemperatureSlowdown = 1;  // nvmlTemperatureThresholds_t
constexpr int kClockSm = 1;
constexpr int kTemperatureGpu = 0;

Reading<std::string> read_string(nvmlReturn_t (*fn)(char*, unsigned)) {
  Reading<std::string> r;
  if (fn == nullptr) {
    r.reason = "symbol_missing";
    return r;
  }
  char buf[96] = {};
  if (const nvmlReturn_t e = fn(buf, sizeof buf); e != kSuccess) {
    r.reason = return_name(e);
    return r;
  }
  r.value = buf;
  return r;
}

// Callers check that the symbol exists; `fn` may wrap it with extra arguments.
template <class T, class Raw, class Convert>
Reading<T> read_device(const Nvml::Api& api,
                       const std::string& bus_id,
                       const std::function<nvmlReturn_t(nvmlDevice_t, Raw*)>& fn,
                       Convert convert) {
  Reading<T> r;
  nvmlDevice_t dev = nullptr;
  if (const nvmlReturn_t e = api.handle_by_bus_id(bus_id.c_str(), &dev); e != kSuccess) {
    r.reason = return_name(e);
    return r;
  }
  Raw raw{};
  if (const nvmlReturn_t e = fn(dev, &raw); e != kSuccess) {
    r.reason = return_name(e);
    return r;
  }
  r.value = convert(raw);
  return r;
}
}  // namespace

Reading<std::string> Nvml::driver_version() const {
  return read_string(api_->driver_version);
}
Reading<std::string> Nvml::nvml_version() const {
  return read_string(api_->nvml_version);
}

Reading<double> Nvml::power_limit_w(const std::string& bus) const {
  if (api_->power_limit == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<double, unsigned>(
      *api_, bus, api_->power_limit, [](unsigned mw) { return mw / 1000.0; });
}
Reading<double> Nvml::power_usage_w(const std::string& bus) const {
  if (api_->power_usage == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<double, unsigned>(
      *api_, bus, api_->power_usage, [](unsigned mw) { return mw / 1000.0; });
}
Reading<std::uint64_t> Nvml::clock_event_reasons(const std::string& bus) const {
  if (api_->clock_reasons == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<std::uint64_t, unsigned long long>(
      *api_, bus, api_->clock_reasons, [](unsigned long long m) { return std::uint64_t{m}; });
}
Reading<double> Nvml::temperature_c(const std::string& bus) const {
  auto fn = api_->temperature;
  if (fn == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<double, unsigned>(
      *api_,
      bus,
      [fn](nvmlDevice_t d, unsigned* t) { return fn(d, kTemperatureGpu, t); },
      [](unsigned t) { return static_cast<double>(t); });
}
Reading<double> Nvml::sm_clock_mhz(const std::string& bus) const {
  auto fn = api_->clock_info;
  if (fn == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<double, unsigned>(
      *api_,
      bus,
      [fn](nvmlDevice_t d, unsigned* c) { return fn(d, kClockSm, c); },
      [](unsigned c) { return static_cast<double>(c); });
}

Reading<std::string> Nvml::uuid(const std::string& bus) const {
  auto fn = api_->uuid;
  if (fn == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<std::string, std::array<char, 96>>(
      *api_,
      bus,
      [fn](nvmlDevice_t d, std::array<char, 96>* buf) {
        return fn(d, buf->data(), static_cast<unsigned>(buf->size() - 1));
      },
      [](const std::array<char, 96>& buf) { return std::string(buf.data()); });
}

Reading<bool> Nvml::persistence_mode(const std::string& bus) const {
  if (api_->persistence == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<bool, int>(*api_, bus, api_->persistence, [](int on) { return on != 0; });
}

Reading<std::pair<bool, bool>> Nvml::ecc_mode(const std::string& bus) const {
  auto fn = api_->ecc_mode;
  if (fn == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<std::pair<bool, bool>, std::array<int, 2>>(
      *api_,
      bus,
      [fn](nvmlDevice_t d, std::array<int, 2>* m) { return fn(d, &(*m)[0], &(*m)[1]); },
      [](const std::array<int, 2>& m) { return std::make_pair(m[0] != 0, m[1] != 0); });
}

Reading<std::uint64_t> Nvml::ecc_volatile_uncorrected(const std::string& bus) const {
  auto fn = api_->ecc_total;
  if (fn == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<std::uint64_t, unsigned long long>(
      *api_,
      bus,
      [fn](nvmlDevice_t d, unsigned long long* n) {
        return fn(d, kEccUncorrected, kEccVolatile, n);
      },
      [](unsigned long long n) { return std::uint64_t{n}; });
}

Reading<RemappedRows> Nvml::remapped_rows(const std::string& bus) const {
  auto fn = api_->remapped_rows;
  if (fn == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<RemappedRows, std::array<unsigned, 4>>(
      *api_,
      bus,
      [fn](nvmlDevice_t d, std::array<unsigned, 4>* v) {
        return fn(d, &(*v)[0], &(*v)[1], &(*v)[2], &(*v)[3]);
      },
      [](const std::array<unsigned, 4>& v) {
        return RemappedRows{v[0], v[1], v[2] != 0, v[3] != 0};
      });
}

Reading<bool> Nvml::retired_pages_pending(const std::string& bus) const {
  if (api_->retired_pending == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<bool, int>(*api_, bus, api_->retired_pending, [](int p) { return p != 0; });
}

Reading<int> Nvml::compute_mode(const std::string& bus) const {
  if (api_->compute_mode == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<int, int>(*api_, bus, api_->compute_mode, [](int m) { return m; });
}

Reading<std::pair<bool, bool>> Nvml::mig_mode(const std::string& bus) const {
  auto fn = api_->mig_mode;
  if (fn == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<std::pair<bool, bool>, std::array<unsigned, 2>>(
      *api_,
      bus,
      [fn](nvmlDevice_t d, std::array<unsigned, 2>* m) { return fn(d, &(*m)[0], &(*m)[1]); },
      [](const std::array<unsigned, 2>& m) { return std::make_pair(m[0] != 0, m[1] != 0); });
}

Reading<double> Nvml::default_power_limit_w(const std::string& bus) const {
  if (api_->default_power_limit == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<double, unsigned>(
      *api_, bus, api_->default_power_limit, [](unsigned mw) { return mw / 1000.0; });
}

namespace {
Reading<double> read_sm_clock(const Nvml::Api& api,
                              const std::string& bus,
                              nvmlReturn_t (*fn)(nvmlDevice_t, int, unsigned*)) {
  if (fn == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<double, unsigned>(
      api,
      bus,
      [fn](nvmlDevice_t d, unsigned* c) { return fn(d, kClockSm, c); },
      [](unsigned c) { return static_cast<double>(c); });
}
}  // namespace

Reading<double> Nvml::app_sm_clock_mhz(const std::string& bus) const {
  return read_sm_clock(*api_, bus, api_->app_clock);
}
Reading<double> Nvml::default_app_sm_clock_mhz(const std::string& bus) const {
  return read_sm_clock(*api_, bus, api_->default_app_clock);
}

Reading<std::array<int, 4>> Nvml::pcie_link(const std::string& bus) const {
  const Api& a = *api_;
  if (!a.pcie_gen || !a.pcie_max_gen || !a.pcie_width || !a.pcie_max_width) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<std::array<int, 4>, std::array<unsigned, 4>>(
      a,
      bus,
      [&a](nvmlDevice_t d, std::array<unsigned, 4>* v) {
        nvmlReturn_t e = a.pcie_gen(d, &(*v)[0]);
        e = e != kSuccess ? e : a.pcie_max_gen(d, &(*v)[1]);
        e = e != kSuccess ? e : a.pcie_width(d, &(*v)[2]);
        return e != kSuccess ? e : a.pcie_max_width(d, &(*v)[3]);
      },
      [](const std::array<unsigned, 4>& v) {
        return std::array<int, 4>{static_cast<int>(v[0]),
                                  static_cast<int>(v[1]),
                                  static_cast<int>(v[2]),
                                  static_cast<int>(v[3])};
      });
}

Reading<unsigned> Nvml::pcie_replays(const std::string& bus) const {
  if (api_->pcie_replays == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<unsigned, unsigned>(
      *api_, bus, api_->pcie_replays, [](unsigned n) { return n; });
}

Reading<unsigned> Nvml::compute_processes(const std::string& bus) const {
  auto fn = api_->compute_procs;
  if (fn == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<unsigned, unsigned>(
      *api_,
      bus,
      [fn](nvmlDevice_t d, unsigned* count) {
        *count = 0;
        const nvmlReturn_t e = fn(d, count, nullptr);
        return e == kInsufficientSize ? kSuccess : e;  // the count is set either way
      },
      [](unsigned n) { return n; });
}

Reading<unsigned> Nvml::gpu_utilization_pct(const std::string& bus) const {
  auto fn = api_->utilization;
  if (fn == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<unsigned, std::array<unsigned, 2>>(
      *api_,
      bus,
      [fn](nvmlDevice_t d, std::array<unsigned, 2>* u) { return fn(d, u->data()); },
      [](const std::array<unsigned, 2>& u) { return u[0]; });
}

Reading<double> Nvml::slowdown_temperature_c(const std::string& bus) const {
  auto fn = api_->temperature_threshold;
  if (fn == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  return read_device<double, unsigned>(
      *api_,
      bus,
      [fn](nvmlDevice_t d, unsigned* t) { return fn(d, kTemperatureSlowdown, t); },
      [](unsigned t) { return static_cast<double>(t); });
}

namespace {
NvLinkRemote remote_kind(int type) {
  switch (type) {  // nvmlIntNvLinkDeviceType_t
    case 0x00:
      return NvLinkRemote::gpu;
    case 0x02:
      return NvLinkRemote::nvswitch;
    case 0xFF:
      return NvLinkRemote::unknown;
    default:  // 0x01 IBM NPU, or a type newer than this list
      return NvLinkRemote::other;
  }
}

std::string remote_bus_id(const nvml_detail::PciInfo& pci) {
  const auto end = std::find(std::begin(pci.bus_id), std::end(pci.bus_id), '\0');
  if (end != std::begin(pci.bus_id) && end != std::end(pci.bus_id)) {
    return std::string(std::begin(pci.bus_id), end);
  }
  if (pci.domain == 0 && pci.bus == 0 && pci.device == 0) {
    return "";  // nothing filled in
  }
  char buf[32];  // NVML_DEVICE_PCI_BUS_ID_FMT
  std::snprintf(buf, sizeof buf, "%08X:%02X:%02X.0", pci.domain, pci.bus, pci.device);
  return buf;
}

// nvmlPciInfo_t plus room, so a longer future struct cannot overflow it.
struct PciInfoBuffer {
  nvml_detail::PciInfo info;
  unsigned char spare[64];
};
}  // namespace

Reading<std::vector<NvLinkPort>> Nvml::nvlink_ports(const std::string& bus) const {
  const Api& a = *api_;
  if (a.nvlink_state == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  nvmlDevice_t dev = nullptr;
  if (const nvmlReturn_t e = a.handle_by_bus_id(bus.c_str(), &dev); e != kSuccess) {
    return {std::nullopt, return_name(e)};
  }
  std::vector<NvLinkPort> ports;
  for (unsigned link = 0; link < nvml_detail::kNvLinkMaxLinks; ++link) {
    int active = 0;
    const nvmlReturn_t e = a.nvlink_state(dev, link, &active);
    if (e == kNotSupported || e == kInvalidArgument) {
      continue;  // no such link (a GPU without NVLink answers this for every link)
    }
    if (e != kSuccess) {
      return {std::nullopt, return_name(e)};
    }
    NvLinkPort port;
    port.link = link;
    port.active = active != 0;  // NVML_FEATURE_ENABLED
    unsigned version = 0;
    if (a.nvlink_version != nullptr && a.nvlink_version(dev, link, &version) == kSuccess) {
      port.generation = nvlink_generation_from_nvml(version);
    }
    int type = 0xFF;
    if (a.nvlink_remote_type != nullptr && a.nvlink_remote_type(dev, link, &type) == kSuccess) {
      port.remote = remote_kind(type);
    }
    PciInfoBuffer pci{};
    if (a.nvlink_remote_pci != nullptr && a.nvlink_remote_pci(dev, link, &pci.info) == kSuccess) {
      port.remote_bus = remote_bus_id(pci.info);
    }
    ports.push_back(std::move(port));
  }
  return {std::move(ports), ""};
}

Reading<bool> Nvml::p2p_read_supported(const std::string& from_bus,
                                       const std::string& to_bus) const {
  const Api& a = *api_;
  if (a.p2p_status == nullptr) {
    return {std::nullopt, "symbol_missing"};
  }
  nvmlDevice_t from = nullptr;
  nvmlDevice_t to = nullptr;
  if (const nvmlReturn_t e = a.handle_by_bus_id(from_bus.c_str(), &from); e != kSuccess) {
    return {std::nullopt, return_name(e)};
  }
  if (const nvmlReturn_t e = a.handle_by_bus_id(to_bus.c_str(), &to); e != kSuccess) {
    return {std::nullopt, return_name(e)};
  }
  constexpr int kP2pCapsIndexRead = 0;  // NVML_P2P_CAPS_INDEX_READ
  int status = 6;                       // NVML_P2P_STATUS_UNKNOWN
  if (const nvmlReturn_t e = a.p2p_status(from, to, kP2pCapsIndexRead, &status); e != kSuccess) {
    return {std::nullopt, return_name(e)};
  }
  switch (status) {  // nvmlGpuP2PStatus_t
    case 0:
      return {true, ""};
    case 1:
      return {false, "chipset not supported"};
    case 2:
      return {false, "GPU not supported"};
    case 3:
      return {false, "IOH topology not supported"};
    case 4:
      return {false, "disabled by regkey"};
    case 5:
      return {false, "not supported"};
    default:
      return {false, "unknown (P2P status " + std::to_string(status) + ")"};
  }
}

}  // namespace gpb
