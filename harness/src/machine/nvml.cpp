// SPDX-License-Identifier: Apache-2.0
// NVML by dlopen (METHODOLOGY §4): loading the library and binding its symbols (versioned names
// first), return-code and clock-event-reason names, and the Xid event watch (FH-4). The getters
// are in nvml_readings.cpp; the prototypes in nvml_internal.hpp.
#include <gpb/machine/nvml.hpp>

#include <array>
#include <cstring>
#include <utility>

#include "nvml_internal.hpp"
#include <dlfcn.h>

namespace gpb {
namespace nvml_detail {

const char* return_name(nvmlReturn_t r) {
  switch (r) {
    case 1:
      return "UNINITIALIZED";
    case 2:
      return "INVALID_ARGUMENT";
    case 3:
      return "NOT_SUPPORTED";
    case 4:
      return "NO_PERMISSION";
    case 6:
      return "NOT_FOUND";
    case 7:
      return "INSUFFICIENT_SIZE";
    case 9:
      return "DRIVER_NOT_LOADED";
    case 10:
      return "TIMEOUT";
    case 12:
      return "LIBRARY_NOT_FOUND";
    case 13:
      return "FUNCTION_NOT_FOUND";
    case 15:
      return "GPU_IS_LOST";
    case 16:
      return "RESET_REQUIRED";
    case 18:
      return "LIB_RM_VERSION_MISMATCH";
    default:
      return "NVML_ERROR";
  }
}

}  // namespace nvml_detail

namespace {

using nvml_detail::kSuccess;
using nvml_detail::nvmlDevice_t;
using nvml_detail::nvmlReturn_t;
using nvml_detail::return_name;

constexpr std::array<std::pair<std::uint64_t, const char*>, 9> kReasonBits{{
    {0x1, "GpuIdle"},
    {0x2, "ApplicationsClocksSetting"},
    {0x4, "SwPowerCap"},
    {0x8, "HwSlowdown"},
    {0x10, "SyncBoost"},
    {0x20, "SwThermalSlowdown"},
    {0x40, "HwThermalSlowdown"},
    {0x80, "HwPowerBrakeSlowdown"},
    {0x100, "DisplayClockSetting"},
}};
}  // namespace

std::vector<std::string> clock_event_reason_names(std::uint64_t mask) {
  std::vector<std::string> names;
  for (const auto& [bit, name] : kReasonBits) {
    if ((mask & bit) != 0) {
      names.emplace_back(name);
    }
  }
  return names;
}

bool is_throttling(std::uint64_t mask) noexcept {
  return (mask & ~kBenignClockEventReasons) != 0;
}

template <class F>
static void bind(void* lib, F& fn, const char* versioned, const char* plain) {
  void* p = versioned != nullptr ? dlsym(lib, versioned) : nullptr;
  if (p == nullptr && plain != nullptr) {
    p = dlsym(lib, plain);
  }
  fn = reinterpret_cast<F>(p);
}

std::unique_ptr<Nvml> Nvml::load(std::string& why, const std::string& soname) {
  void* lib = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    why = "library_not_found (" + soname + ")";
    return nullptr;
  }
  auto api = std::make_unique<Api>();
  bind(lib, api->init, "nvmlInit_v2", "nvmlInit");
  bind(lib, api->shutdown, nullptr, "nvmlShutdown");
  bind(lib, api->driver_version, nullptr, "nvmlSystemGetDriverVersion");
  bind(lib, api->nvml_version, nullptr, "nvmlSystemGetNVMLVersion");
  bind(lib,
       api->handle_by_bus_id,
       "nvmlDeviceGetHandleByPciBusId_v2",
       "nvmlDeviceGetHandleByPciBusId");
  bind(lib, api->power_limit, nullptr, "nvmlDeviceGetEnforcedPowerLimit");
  bind(lib, api->power_usage, nullptr, "nvmlDeviceGetPowerUsage");
  bind(lib,
       api->clock_reasons,
       "nvmlDeviceGetCurrentClocksEventReasons",
       "nvmlDeviceGetCurrentClocksThrottleReasons");
  bind(lib, api->temperature, nullptr, "nvmlDeviceGetTemperature");
  bind(lib, api->clock_info, nullptr, "nvmlDeviceGetClockInfo");
  bind(lib, api->uuid, nullptr, "nvmlDeviceGetUUID");
  bind(lib, api->persistence, nullptr, "nvmlDeviceGetPersistenceMode");
  bind(lib, api->ecc_mode, nullptr, "nvmlDeviceGetEccMode");
  bind(lib, api->ecc_total, nullptr, "nvmlDeviceGetTotalEccErrors");
  bind(lib, api->remapped_rows, nullptr, "nvmlDeviceGetRemappedRows");
  bind(lib, api->retired_pending, nullptr, "nvmlDeviceGetRetiredPagesPendingStatus");
  bind(lib, api->compute_mode, nullptr, "nvmlDeviceGetComputeMode");
  bind(lib, api->mig_mode, nullptr, "nvmlDeviceGetMigMode");
  bind(lib, api->default_power_limit, nullptr, "nvmlDeviceGetPowerManagementDefaultLimit");
  bind(lib, api->app_clock, nullptr, "nvmlDeviceGetApplicationsClock");
  bind(lib, api->default_app_clock, nullptr, "nvmlDeviceGetDefaultApplicationsClock");
  bind(lib, api->pcie_gen, nullptr, "nvmlDeviceGetCurrPcieLinkGeneration");
  bind(lib, api->pcie_max_gen, nullptr, "nvmlDeviceGetMaxPcieLinkGeneration");
  bind(lib, api->pcie_width, nullptr, "nvmlDeviceGetCurrPcieLinkWidth");
  bind(lib, api->pcie_max_width, nullptr, "nvmlDeviceGetMaxPcieLinkWidth");
  bind(lib, api->pcie_replays, nullptr, "nvmlDeviceGetPcieReplayCounter");
  bind(lib,
       api->compute_procs,
       "nvmlDeviceGetComputeRunningProcesses_v3",
       "nvmlDeviceGetComputeRunningProcesses_v2");
  bind(lib, api->utilization, nullptr, "nvmlDeviceGetUtilizationRates");
  bind(lib, api->temperature_threshold, nullptr, "nvmlDeviceGetTemperatureThreshold");
  bind(lib, api->nvlink_state, nullptr, "nvmlDeviceGetNvLinkState");
  bind(lib, api->nvlink_version, nullptr, "nvmlDeviceGetNvLinkVersion");
  bind(lib, api->nvlink_remote_pci, "nvmlDeviceGetNvLinkRemotePciInfo_v2", nullptr);
  bind(lib, api->nvlink_remote_type, nullptr, "nvmlDeviceGetNvLinkRemoteDeviceType");
  bind(lib, api->p2p_status, nullptr, "nvmlDeviceGetP2PStatus");
  bind(lib, api->event_set_create, nullptr, "nvmlEventSetCreate");
  bind(lib, api->register_events, nullptr, "nvmlDeviceRegisterEvents");
  bind(lib, api->event_set_wait, "nvmlEventSetWait_v2", "nvmlEventSetWait");
  bind(lib, api->event_set_free, nullptr, "nvmlEventSetFree");
  if (api->init == nullptr || api->shutdown == nullptr || api->handle_by_bus_id == nullptr) {
    dlclose(lib);
    why = "symbol_missing";
    return nullptr;
  }
  if (const nvmlReturn_t r = api->init(); r != kSuccess) {
    dlclose(lib);
    why = std::string("init_failed: ") + return_name(r);
    return nullptr;
  }
  return std::unique_ptr<Nvml>(new Nvml(lib, std::move(api)));
}

Nvml::Nvml(void* lib, std::unique_ptr<Api> api) : lib_(lib), api_(std::move(api)) {}

Nvml::~Nvml() {
  api_->shutdown();
  dlclose(lib_);
}

namespace {
constexpr unsigned long long kEventXidCriticalError = 0x8;  // nvmlEventTypeXidCriticalError
// nvmlEventData_t: {nvmlDevice_t device; unsigned long long eventType; unsigned long long
// eventData; unsigned gpuInstanceId; unsigned computeInstanceId} (32 bytes today).
struct alignas(16) EventRecord {
  unsigned char bytes[256];
};
}  // namespace

std::unique_ptr<XidWatch> Nvml::watch_xids(const std::string& bus, std::string& why) const {
  const Api& a = *api_;
  if (!a.event_set_create || !a.register_events || !a.event_set_wait || !a.event_set_free) {
    why = "symbol_missing";
    return nullptr;
  }
  nvmlDevice_t dev = nullptr;
  if (const nvmlReturn_t e = a.handle_by_bus_id(bus.c_str(), &dev); e != kSuccess) {
    why = return_name(e);
    return nullptr;
  }
  void* set = nullptr;
  if (const nvmlReturn_t e = a.event_set_create(&set); e != kSuccess) {
    why = return_name(e);
    return nullptr;
  }
  if (const nvmlReturn_t e = a.register_events(dev, kEventXidCriticalError, set); e != kSuccess) {
    a.event_set_free(set);
    why = return_name(e);
    return nullptr;
  }
  return std::unique_ptr<XidWatch>(new XidWatch(a, set));
}

XidWatch::~XidWatch() {
  api_.event_set_free(set_);
}

std::vector<std::uint64_t> XidWatch::drain() {
  std::vector<std::uint64_t> xids;
  for (int i = 0; i < 64; ++i) {  // bounded: a flood of events must not stall a run
    EventRecord record{};
    if (api_.event_set_wait(set_, &record, 0) != kSuccess) {
      break;  // TIMEOUT: nothing queued
    }
    unsigned long long type = 0;
    unsigned long long data = 0;
    std::memcpy(&type, record.bytes + 8, sizeof type);
    std::memcpy(&data, record.bytes + 16, sizeof data);
    if ((type & kEventXidCriticalError) != 0) {
      xids.push_back(data);
    }
  }
  return xids;
}

}  // namespace gpb
