// SPDX-License-Identifier: Apache-2.0
// Our own NVML prototypes (METHODOLOGY §4): only what we call, with versioned symbols first.
#include <gpb/machine/nvml.hpp>

#include <array>
#include <cstring>
#include <functional>
#include <utility>

#include <dlfcn.h>

namespace gpb {
namespace {
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
constexpr nvmlReturn_t kSuccess = 0;
constexpr nvmlReturn_t kInsufficientSize = 7;
constexpr int kEccUncorrected = 1;       // nvmlMemoryErrorType_t
constexpr int kEccVolatile = 0;          // nvmlEccCounterType_t
constexpr int kTemperatureSlowdown = 1;  // nvmlTemperatureThresholds_t
constexpr int kClockSm = 1;
constexpr int kTemperatureGpu = 0;

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

struct Nvml::Api {
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  nvmlReturn_t (*driver_version)(char*, unsigned) = nullptr;
  nvmlReturn_t (*nvml_version)(char*, unsigned) = nullptr;
  nvmlReturn_t (*handle_by_bus_id)(const char*, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*power_limit)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*power_usage)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*clock_reasons)(nvmlDevice_t, unsigned long long*) = nullptr;
  nvmlReturn_t (*temperature)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*clock_info)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*uuid)(nvmlDevice_t, char*, unsigned) = nullptr;
  // Preflight (MR-19). Enum out-parameters (nvmlEnableState_t, nvmlComputeMode_t) are C ints.
  nvmlReturn_t (*persistence)(nvmlDevice_t, int*) = nullptr;
  nvmlReturn_t (*ecc_mode)(nvmlDevice_t, int*, int*) = nullptr;
  nvmlReturn_t (*ecc_total)(nvmlDevice_t, int, int, unsigned long long*) = nullptr;
  nvmlReturn_t (*remapped_rows)(nvmlDevice_t, unsigned*, unsigned*, unsigned*, unsigned*) = nullptr;
  nvmlReturn_t (*retired_pending)(nvmlDevice_t, int*) = nullptr;
  nvmlReturn_t (*compute_mode)(nvmlDevice_t, int*) = nullptr;
  nvmlReturn_t (*mig_mode)(nvmlDevice_t, unsigned*, unsigned*) = nullptr;
  nvmlReturn_t (*default_power_limit)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*app_clock)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*default_app_clock)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*pcie_gen)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*pcie_max_gen)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*pcie_width)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*pcie_max_width)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*pcie_replays)(nvmlDevice_t, unsigned*) = nullptr;
  // Called with a zero-length buffer: only the count is wanted, so the struct layout (which
  // changed between _v2 and _v3) never matters.
  nvmlReturn_t (*compute_procs)(nvmlDevice_t, unsigned*, void*) = nullptr;
  nvmlReturn_t (*utilization)(nvmlDevice_t,
                              unsigned*) = nullptr;  // nvmlUtilization_t {gpu, memory}
  nvmlReturn_t (*temperature_threshold)(nvmlDevice_t, int, unsigned*) = nullptr;
  // Xid events (FH-4). nvmlEventSet_t is an opaque pointer; the event record is read from a
  // buffer larger than today's nvmlEventData_t, so a longer future struct cannot overflow it.
  nvmlReturn_t (*event_set_create)(void**) = nullptr;
  nvmlReturn_t (*register_events)(nvmlDevice_t, unsigned long long, void*) = nullptr;
  nvmlReturn_t (*event_set_wait)(void*, void*, unsigned) = nullptr;
  nvmlReturn_t (*event_set_free)(void*) = nullptr;
};

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
