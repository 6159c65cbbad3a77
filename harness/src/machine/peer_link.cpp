// SPDX-License-Identifier: Apache-2.0
// Peer link readings (METHODOLOGY §3, §4): NVLink ports and PCIe links of both GPUs, then the
// pure classification of link_peaks.cpp.
#include <gpb/machine/nvml.hpp>
#include <gpb/machine/peer_link.hpp>

#include <exception>
#include <optional>
#include <utility>
#include <vector>

namespace gpb {
namespace {

/// NVML's {gen, max gen, width, max width} as a link state; nullopt when NVML cannot say.
std::optional<PcieLinkState> pcie_from_nvml(const Nvml& nvml, const std::string& bus) {
  const auto l = nvml.pcie_link(bus);
  if (!l.value) {
    return std::nullopt;
  }
  const auto& v = *l.value;
  const auto speed = [](int gen, int width) -> Reading<PcieLinkSpeed> {
    const auto gt = pcie_gen_gt_per_s(gen);
    if (!gt || width <= 0) {
      return {std::nullopt,
              "NVML reports Gen" + std::to_string(gen) + " x" + std::to_string(width)};
    }
    return {PcieLinkSpeed{*gt, width}, ""};
  };
  PcieLinkState s{speed(v[0], v[2]), speed(v[1], v[3])};
  if (!s.current.value && !s.max.value) {
    return std::nullopt;
  }
  return s;
}

PcieLinkState pcie_state(const Nvml* nvml, const std::string& bus, const std::string& root) {
  if (nvml != nullptr) {
    if (auto s = pcie_from_nvml(*nvml, bus)) {
      return *s;
    }
  }
  return read_pcie_link_sysfs(root, bus);
}

}  // namespace

PairLink read_pair_link(const std::string& from_bus,
                        const std::string& to_bus,
                        const std::string& sysfs_root,
                        const std::string& nvml_soname) {
  try {
    std::vector<std::string> notes;
    std::vector<NvLinkPort> from_ports;
    std::vector<NvLinkPort> to_ports;
    std::string why;
    const auto nvml = Nvml::load(why, nvml_soname);
    if (!nvml) {
      notes.push_back("NVML unavailable (" + why +
                      "): NVLink not read, the pair is classified from its PCIe links alone");
    } else {
      const auto read_ports = [&](const std::string& bus, std::vector<NvLinkPort>& ports) {
        auto r = nvml->nvlink_ports(bus);
        if (r.value) {
          ports = std::move(*r.value);
        } else {
          notes.push_back("NVLink ports of gpu " + canonical_bus_id(bus) + " not read (" +
                          r.reason + ")");
        }
      };
      read_ports(from_bus, from_ports);
      read_ports(to_bus, to_ports);
    }
    const PcieLinkState from_pcie = pcie_state(nvml.get(), from_bus, sysfs_root);
    const PcieLinkState to_pcie = pcie_state(nvml.get(), to_bus, sysfs_root);
    PairLink pair = classify_pair_link(from_ports, from_bus, to_ports, to_bus, from_pcie, to_pcie);
    if (!notes.empty() && pair.kind == PairLinkKind::pcie) {
      // NVLink unread: the path may be NVLink, and the PCIe peak would then call a normal
      // peer copy implausible. The label keeps the PCIe link; the peak is withheld.
      pair.peak_gbps.reset();
      pair.peak_source = "no peak: NVLink was not read, so the pair may not be limited by PCIe";
      pair.text += " (NVLink not read)";
    }
    pair.warnings.insert(pair.warnings.end(), notes.begin(), notes.end());
    return pair;
  } catch (const std::exception& e) {
    PairLink pair;
    pair.text = "unknown";
    pair.peak_source = "no peak: the link could not be read";
    pair.warnings.push_back(std::string("link not read: ") + e.what());
    return pair;
  }
}

}  // namespace gpb
