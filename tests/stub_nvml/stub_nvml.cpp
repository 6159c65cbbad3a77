// SPDX-License-Identifier: Apache-2.0
// A stand-in libnvidia-ml for host tests of the dlopen loader (METHODOLOGY FH-6, TE-1).
// Built twice: full (every symbol gpubench binds; GPB_STUB_NVML_NOT_SUPPORTED=1 in the
// environment makes every device getter answer NOT_SUPPORTED; GPB_STUB_NVML_UNHEALTHY=1 makes every
// preflight item read as a machine that should warn or fail) and init-only
// (-DGPB_STUB_INIT_ONLY: init/shutdown/handle lookup only, so every other reading is
// "symbol_missing"). Two devices: 0000:00:06.0 (every reading) and 0000:00:07.0, its NVLink peer
// (the NVLink and P2P calls tell them apart; every other getter answers alike).
#include <cstdlib>
#include <cstring>

extern "C" {
typedef int nvmlReturn_t;
typedef struct nvmlDevice_st* nvmlDevice_t;

namespace {
int g_device_token = 0;
int g_peer_token = 0;
nvmlDevice_t the_device() {
  return reinterpret_cast<nvmlDevice_t>(&g_device_token);
}
nvmlDevice_t the_peer() {
  return reinterpret_cast<nvmlDevice_t>(&g_peer_token);
}
bool not_supported() {
  return std::getenv("GPB_STUB_NVML_NOT_SUPPORTED") != nullptr;
}
bool unhealthy() {
  return std::getenv("GPB_STUB_NVML_UNHEALTHY") != nullptr;
}
int status() {
  return not_supported() ? 3 : 0;
}
}  // namespace

nvmlReturn_t nvmlInit_v2() {
  return 0;
}
nvmlReturn_t nvmlShutdown() {
  return 0;
}
nvmlReturn_t nvmlDeviceGetHandleByPciBusId_v2(const char* bus, nvmlDevice_t* dev) {
  if (std::strcmp(bus, "0000:00:06.0") == 0) {
    *dev = the_device();
    return 0;
  }
  if (std::strcmp(bus, "0000:00:07.0") == 0) {
    *dev = the_peer();
    return 0;
  }
  return 6;  // NOT_FOUND
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
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t, char* buf, unsigned len) {
  std::strncpy(buf, "GPU-5ca1ab1e-0000-4000-8000-000000000006", len);
  return not_supported() ? 3 : 0;
}
nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t, int type, unsigned* mhz) {
  *mhz = 1410;
  return not_supported() || type != 1 ? 3 : 0;
}

// Preflight (MR-19): a healthy H200 unless GPB_STUB_NVML_UNHEALTHY is set.
nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t, int* on) {
  *on = unhealthy() ? 0 : 1;
  return status();
}
nvmlReturn_t nvmlDeviceGetEccMode(nvmlDevice_t, int* current, int* pending) {
  *current = 1;
  *pending = unhealthy() ? 0 : 1;
  return status();
}
// GPB_STUB_NVML_ECC_RISING=1: every read sees one more error (FH-4 health deltas);
// GPB_STUB_NVML_LOST=1: the device answers GPU_IS_LOST.
nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t,
                                         int type,
                                         int counter,
                                         unsigned long long* n) {
  static unsigned long long rising = 0;
  *n = std::getenv("GPB_STUB_NVML_ECC_RISING") != nullptr ? ++rising : (unhealthy() ? 3 : 0);
  if (std::getenv("GPB_STUB_NVML_LOST") != nullptr) {
    return 15;
  }
  return status() != 0 || type != 1 || counter != 0 ? 3 : 0;
}
nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t,
                                       unsigned* corrected,
                                       unsigned* uncorrected,
                                       unsigned* pending,
                                       unsigned* failure) {
  *corrected = 0;
  *uncorrected = unhealthy() ? 1 : 0;
  *pending = unhealthy() ? 1 : 0;
  *failure = unhealthy() ? 1 : 0;
  return status();
}
nvmlReturn_t nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t, int* pending) {
  *pending = unhealthy() ? 1 : 0;
  return status();
}
nvmlReturn_t nvmlDeviceGetComputeMode(nvmlDevice_t, int* mode) {
  *mode = unhealthy() ? 2 : 0;  // prohibited
  return status();
}
nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t, unsigned* current, unsigned* pending) {
  *current = unhealthy() ? 1 : 0;
  *pending = *current;
  return status();
}
nvmlReturn_t nvmlDeviceGetPowerManagementDefaultLimit(nvmlDevice_t, unsigned* mw) {
  *mw = unhealthy() ? 1000000 : 700000;  // enforced is 700 W: lowered when unhealthy
  return status();
}
nvmlReturn_t nvmlDeviceGetApplicationsClock(nvmlDevice_t, int type, unsigned* mhz) {
  *mhz = unhealthy() ? 1500 : 1980;
  return status() != 0 || type != 1 ? 3 : 0;
}
nvmlReturn_t nvmlDeviceGetDefaultApplicationsClock(nvmlDevice_t, int type, unsigned* mhz) {
  *mhz = 1980;
  return status() != 0 || type != 1 ? 3 : 0;
}
nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t, unsigned* gen) {
  *gen = unhealthy() ? 3 : 5;
  return status();
}
nvmlReturn_t nvmlDeviceGetMaxPcieLinkGeneration(nvmlDevice_t, unsigned* gen) {
  *gen = 5;
  return status();
}
nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t, unsigned* width) {
  *width = unhealthy() ? 8 : 16;
  return status();
}
nvmlReturn_t nvmlDeviceGetMaxPcieLinkWidth(nvmlDevice_t, unsigned* width) {
  *width = 16;
  return status();
}
nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t, unsigned* n) {
  *n = unhealthy() ? 12 : 0;
  return status();
}
// Count-only calls: with processes present and no buffer, NVML answers INSUFFICIENT_SIZE.
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t, unsigned* count, void*) {
  if (status() != 0) {
    return status();
  }
  *count = unhealthy() ? 2 : 0;
  return *count > 0 ? 7 : 0;
}
nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t, unsigned* gpu_and_memory) {
  gpu_and_memory[0] = unhealthy() ? 97 : 0;
  gpu_and_memory[1] = unhealthy() ? 40 : 0;
  return status();
}
nvmlReturn_t nvmlDeviceGetTemperatureThreshold(nvmlDevice_t, int type, unsigned* t) {
  *t = unhealthy() ? 65 : 87;  // current temperature is 58 C
  return status() != 0 || type != 1 ? 3 : 0;
}
// Xid events: GPB_STUB_NVML_XID=N queues one Xid N, delivered by the first wait.
int g_event_set_token = 0;
nvmlReturn_t nvmlEventSetCreate(void** set) {
  *set = &g_event_set_token;
  return 0;
}
nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t, unsigned long long types, void* set) {
  return status() != 0 ? 3 : (types == 0x8 && set == &g_event_set_token ? 0 : 2);
}
nvmlReturn_t nvmlEventSetWait_v2(void*, void* data, unsigned) {
  static bool delivered = false;
  const char* xid = std::getenv("GPB_STUB_NVML_XID");
  if (xid == nullptr || delivered) {
    return 10;  // TIMEOUT
  }
  delivered = true;
  const unsigned long long type = 0x8;
  const unsigned long long value = std::strtoull(xid, nullptr, 10);
  nvmlDevice_t dev = the_device();
  std::memcpy(static_cast<char*>(data), &dev, sizeof dev);
  std::memcpy(static_cast<char*>(data) + 8, &type, sizeof type);
  std::memcpy(static_cast<char*>(data) + 16, &value, sizeof value);
  return 0;
}
nvmlReturn_t nvmlEventSetFree(void*) {
  return 0;
}

// NVLink (METHODOLOGY §3): 18 NVLink4 links per device. 0000:00:06.0 has links 0-15 active and
// 16-17 inactive, 0000:00:07.0 all 18 active, each to the other GPU; GPB_STUB_NVML_NVSWITCH=1
// puts every link on an NVSwitch instead. GPB_STUB_NVML_NOT_SUPPORTED=1: a GPU without NVLink.
typedef struct nvmlPciInfo_st {
  char busIdLegacy[16];
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pciDeviceId;
  unsigned int pciSubSystemId;
  char busId[32];
} nvmlPciInfo_t;

namespace {
bool via_switch() {
  return std::getenv("GPB_STUB_NVML_NVSWITCH") != nullptr;
}
int link_status(unsigned link) {
  return not_supported() ? 3 : (link >= 18 ? 2 : 0);  // INVALID_ARGUMENT past the last link
}
}  // namespace

nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t dev, unsigned link, int* active) {
  *active = dev == the_device() && link >= 16 ? 0 : 1;  // NVML_FEATURE_ENABLED = 1
  return link_status(link);
}
nvmlReturn_t nvmlDeviceGetNvLinkVersion(nvmlDevice_t, unsigned link, unsigned* version) {
  *version = 6;  // NVML_NVLINK_VERSION_4_0, not 4
  return link_status(link);
}
nvmlReturn_t nvmlDeviceGetNvLinkRemoteDeviceType(nvmlDevice_t, unsigned link, int* type) {
  *type = via_switch() ? 2 : 0;  // NVML_NVLINK_DEVICE_TYPE_SWITCH : _GPU
  return link_status(link);
}
nvmlReturn_t nvmlDeviceGetNvLinkRemotePciInfo_v2(nvmlDevice_t dev,
                                                 unsigned link,
                                                 nvmlPciInfo_t* pci) {
  std::memset(pci, 0, sizeof *pci);
  // NVML's busId: an eight-digit domain in upper case, unlike CUDA's "0000:00:07.0".
  const char* remote = via_switch()
                           ? "00000000:C1:00.0"
                           : (dev == the_device() ? "00000000:00:07.0" : "00000000:00:06.0");
  std::strncpy(pci->busId, remote, sizeof pci->busId - 1);
  return link_status(link);
}
// GPB_STUB_NVML_P2P_STATUS=N: nvmlGpuP2PStatus_t N instead of OK (0).
nvmlReturn_t nvmlDeviceGetP2PStatus(nvmlDevice_t, nvmlDevice_t, int caps_index, int* status) {
  const char* forced = std::getenv("GPB_STUB_NVML_P2P_STATUS");
  *status = forced != nullptr ? std::atoi(forced) : 0;
  return not_supported() ? 3 : (caps_index == 0 ? 0 : 2);  // only NVML_P2P_CAPS_INDEX_READ
}
#endif
}
