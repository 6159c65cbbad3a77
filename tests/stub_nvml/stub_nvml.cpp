// SPDX-License-Identifier: Apache-2.0
// A stand-in libnvidia-ml for host tests of the dlopen loader (METHODOLOGY FH-6, TE-1).
// Built twice: full (every symbol gpubench binds; GPB_STUB_NVML_NOT_SUPPORTED=1 in the
// environment makes every device getter answer NOT_SUPPORTED) and init-only (-DGPB_STUB_INIT_ONLY:
// init/shutdown/handle lookup only, so every other reading is "symbol_missing").
#include <cstdlib>
#include <cstring>

extern "C" {
typedef int nvmlReturn_t;
typedef struct nvmlDevice_st* nvmlDevice_t;

namespace {
int g_device_token = 0;
nvmlDevice_t the_device() {
  return reinterpret_cast<nvmlDevice_t>(&g_device_token);
}
bool not_supported() {
  return std::getenv("GPB_STUB_NVML_NOT_SUPPORTED") != nullptr;
}
}  // namespace

nvmlReturn_t nvmlInit_v2() {
  return 0;
}
nvmlReturn_t nvmlShutdown() {
  return 0;
}
nvmlReturn_t nvmlDeviceGetHandleByPciBusId_v2(const char* bus, nvmlDevice_t* dev) {
  if (std::strcmp(bus, "0000:00:06.0") != 0) {
    return 6;  // NOT_FOUND
  }
  *dev = the_device();
  return 0;
}

#ifndef GPB_STUB_INIT_ONLY
nvmlReturn_t nvmlSystemGetDriverVersion(char* buf, unsigned len) {
  std::strncpy(buf, "580.159.04", len);
  return 0;
}
nvmlReturn_t nvmlSystemGetNVMLVersion(char* buf, unsigned len) {
  std::strncpy(buf, "13.580.159.04", len);
  return 0;
}
nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t, unsigned* mw) {
  *mw = 700000;
  return not_supported() ? 3 : 0;
}
nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t, unsigned* mw) {
  *mw = 691500;
  return not_supported() ? 3 : 0;
}
nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t, unsigned long long* mask) {
  *mask = 0x4 | 0x1;  // SwPowerCap | GpuIdle
  return not_supported() ? 3 : 0;
}
nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t, int sensor, unsigned* t) {
  *t = 58;
  return not_supported() || sensor != 0 ? 3 : 0;
}
nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t, int type, unsigned* mhz) {
  *mhz = 1410;
  return not_supported() || type != 1 ? 3 : 0;
}
#endif
}
