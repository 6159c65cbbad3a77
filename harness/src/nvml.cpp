// SPDX-License-Identifier: Apache-2.0
// Our own NVML prototypes (METHODOLOGY §4): only what we call, with versioned symbols first.
#include <gpb/nvml.hpp>

#include <array>
#include <functional>
#include <utility>

#include <dlfcn.h>

namespace gpb {
namespace {
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
constexpr nvmlReturn_t kSuccess = 0;
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
    case 9:
      return "DRIVER_NOT_LOADED";
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

}  // namespace gpb
