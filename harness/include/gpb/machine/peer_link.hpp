// SPDX-License-Identifier: Apache-2.0
// How one GPU reaches another, read from the machine (METHODOLOGY §3, §4): both GPUs' NVLink
// ports from NVML and their PCIe links (NVML, else sysfs), classified by classify_pair_link
// (<gpb/models/link_peaks.hpp>). Outside timed regions only.
#pragma once

#include <gpb/models/link_peaks.hpp>

#include <string>

namespace gpb {

/// The path from GPU `from_bus` to GPU `to_bus` (PCI bus ids as CUDA gives them) and its
/// per-direction peak. Never throws: without NVML it classifies from the sysfs PCIe links alone
/// (kind pcie, or unknown), and every reading it could not make is named in `warnings`.
/// `sysfs_root` prefixes /sys and `nvml_soname` names the library, both for tests.
PairLink read_pair_link(const std::string& from_bus,
                        const std::string& to_bus,
                        const std::string& sysfs_root = "",
                        const std::string& nvml_soname = "libnvidia-ml.so.1");

}  // namespace gpb
