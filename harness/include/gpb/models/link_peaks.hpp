// SPDX-License-Identifier: Apache-2.0
// Peer (GPU<->GPU) link model (METHODOLOGY §3, MR-13): how one GPU reaches another (direct
// NVLink, NVLink through NVSwitch, or PCIe) and the per-direction peak of that path, from both
// GPUs' NVLink ports (NVML) and PCIe links. The per-link NVLink rates come from one bundled
// spec table (link_peaks.cpp), each row with its source. Pure: no I/O (the readings are in
// machine/peer_link.hpp).
#pragma once

#include <gpb/machine/host_link.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpb {

// NvLinkRemote and NvLinkPort (one NVLink port as NVML reports it) are declared in
// <gpb/machine/nvml.hpp>, which Nvml::nvlink_ports returns them from; host_link.hpp brings it in.

/// NVLink generation from nvmlDeviceGetNvLinkVersion's value, which is an nvmlNvlinkVersion_t
/// (INVALID 0, 1_0 1, 2_0 2, 2_2 3, 3_0 4, 3_1 5, 4_0 6, 5_0 7, 6_0 8), not the generation:
/// an A100 answers 5 and an H100 6. 0 for INVALID or a value NVML does not define yet.
int nvlink_generation_from_nvml(unsigned nvml_version) noexcept;

/// Per-direction GB/s (decimal) of ONE NVLink link of a generation, from the bundled spec
/// table; nullopt for unknown generations (0, and 6 until it is tabled).
std::optional<double> nvlink_gbps_per_link(int generation);
/// The source of that table row, in words (datasheet and URL); "" for unknown generations.
std::string_view nvlink_table_source(int generation);

/// A PCI bus id in one canonical form: lower-case hex, a 4-digit domain when it fits
/// ("00000000:1B:00.0" and "0000:1b:00.0" both give "0000:1b:00.0"; "1b:00.0" gets domain 0).
/// Text that is not a bus id comes back lower-cased and otherwise unchanged.
std::string canonical_bus_id(std::string_view bus_id);

enum class PairLinkKind { unknown, nvlink, pcie };

/// How one GPU reaches another, and the per-direction peak of that path.
struct PairLink {
  PairLinkKind kind = PairLinkKind::unknown;
  int links = 0;       ///< NVLink links used by the pair (direct links, or through NVSwitch: the
                       ///< smaller of the two GPUs' active switch links)
  int generation = 0;  ///< NVLink generation, or PCIe generation for pcie; 0 unknown
  bool via_switch = false;
  std::optional<double> peak_gbps;  ///< per direction, GB/s
  std::string peak_source;  ///< how the peak was obtained, in words (the table row's source, or
                            ///< the PCIe formula); for no peak, why there is none
  std::string text;  ///< short label for a matrix cell: "NVLink4 x18", "NVLink4 x18 (NVSwitch)",
                     ///< "PCIe Gen5 x16", "unknown"
  std::vector<std::string> warnings;  ///< in words: inactive links, mixed generations, a pair
                                      ///< that falls back to PCIe while the GPUs have NVLink, a
                                      ///< PCIe link narrower than its maximum, unknown readings
};

/// Classifies the path from GPU `from` to GPU `to` from both GPUs' NVLink ports (empty: none or
/// unread) and both PCIe links (nullopt: unread).
/// * Direct NVLink: the active ports of `from` whose remote_bus is `to_bus` (compared through
///   canonical_bus_id) and whose remote is a GPU, or unknown (the bus id already names the GPU).
/// * Else NVSwitch: both GPUs have active ports to an NVSwitch; links = the smaller count.
/// * Else PCIe: peak = the smaller of the two GPUs' per-direction PCIe peaks
///   (pcie_peak_bytes_per_s / 1e9); each GPU's link is taken at its maximum generation and its
///   current width (a generation below the maximum at rest is the idle downshift, as for the
///   host<->device copies), with a warning when the current width is below the maximum, and a
///   warning when either GPU has NVLink ports ("falls back to PCIe"). With only one GPU's link
///   known, that link bounds the peak, with a warning.
/// * Else unknown, no peak.
/// NVLink peak = links x nvlink_gbps_per_link(generation), the lowest known generation among
/// the links used (a warning when they differ). Every GPU on the path with inactive ports among
/// active ones gets a warning ("4 of 18 NVLink links inactive on gpu 0000:1b:00.0").
PairLink classify_pair_link(const std::vector<NvLinkPort>& from_ports,
                            const std::string& from_bus,
                            const std::vector<NvLinkPort>& to_ports,
                            const std::string& to_bus,
                            const std::optional<PcieLinkState>& from_pcie,
                            const std::optional<PcieLinkState>& to_pcie);

}  // namespace gpb
