// SPDX-License-Identifier: Apache-2.0
// Private to the NVML code (nvml.cpp: loading, Xid events; nvml_readings.cpp: the getters): our
// own NVML prototypes (METHODOLOGY §4), only what we call, as the function table Nvml::Api.
#pragma once

#include <gpb/machine/nvml.hpp>

namespace gpb {
namespace nvml_detail {

using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
constexpr nvmlReturn_t kSuccess = 0;

/// nvmlPciInfo_t as nvmlDeviceGetNvLinkRemotePciInfo_v2 fills it (the layout since NVML 2.285):
/// busId is "00000000:3B:00.0", an eight-digit domain in upper-case hex.
struct PciInfo {
  char bus_id_legacy[16];  // NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE
  unsigned domain, bus, device, pci_device_id, pci_sub_system_id;
  char bus_id[32];  // NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE
};
static_assert(sizeof(PciInfo) == 68, "nvmlPciInfo_t layout");
// NVML_NVLINK_MAX_LINKS: 18 in the CUDA 12 headers, 36 in NVML 13; links past a GPU's last
// answer INVALID_ARGUMENT and are skipped, so the larger bound costs a few calls.
constexpr unsigned kNvLinkMaxLinks = 36;

/// NVML's name of a return code ("NOT_SUPPORTED", ...), for a Reading's reason.
const char* return_name(nvmlReturn_t r);

}  // namespace nvml_detail

struct Nvml::Api {
  using nvmlReturn_t = nvml_detail::nvmlReturn_t;
  using nvmlDevice_t = nvml_detail::nvmlDevice_t;

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
  // Peer links (METHODOLOGY §3). nvmlEnableState_t, nvmlIntNvLinkDeviceType_t,
  // nvmlGpuP2PCapsIndex_t and nvmlGpuP2PStatus_t are C enums (ints); only the _v2 remote PCI
  // info is bound, as the unversioned one fills an older nvmlPciInfo_t layout.
  nvmlReturn_t (*nvlink_state)(nvmlDevice_t, unsigned, int*) = nullptr;
  nvmlReturn_t (*nvlink_version)(nvmlDevice_t, unsigned, unsigned*) = nullptr;
  nvmlReturn_t (*nvlink_remote_pci)(nvmlDevice_t, unsigned, nvml_detail::PciInfo*) = nullptr;
  nvmlReturn_t (*nvlink_remote_type)(nvmlDevice_t, unsigned, int*) = nullptr;
  nvmlReturn_t (*p2p_status)(nvmlDevice_t, nvmlDevice_t, int, int*) = nullptr;
  // Xid events (FH-4). nvmlEventSet_t is an opaque pointer; the event record is read from a
  // buffer larger than today's nvmlEventData_t, so a longer future struct cannot overflow it.
  nvmlReturn_t (*event_set_create)(void**) = nullptr;
  nvmlReturn_t (*register_events)(nvmlDevice_t, unsigned long long, void*) = nullptr;
  nvmlReturn_t (*event_set_wait)(void*, void*, unsigned) = nullptr;
  nvmlReturn_t (*event_set_free)(void*) = nullptr;
};

}  // namespace gpb
