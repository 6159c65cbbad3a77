// SPDX-License-Identifier: Apache-2.0
// Peer link model (METHODOLOGY §3, MR-13): the NVLink per-link spec table, the NVML version
// mapping, bus id canonicalisation and the classification of one GPU pair.
#include <gpb/models/link_peaks.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace gpb {
namespace {

// Per-direction GB/s of ONE NVLink link, per generation. NVIDIA quotes per-GPU totals over both
// directions; per link per direction = total / links / 2.
//   NVLink1, P100 (SXM2): 4 links, 160 GB/s bidirectional -> 20. Tesla P100 datasheet,
//     https://www.nvidia.com/en-us/data-center/tesla-p100/
//   NVLink2, V100 (SXM2/3): 6 links, 300 GB/s -> 25. Tesla V100 datasheet,
//     https://www.nvidia.com/en-us/data-center/v100/
//   NVLink3, A100 (SXM4): 12 links, 600 GB/s -> 25. A100 datasheet and the NVLink page,
//     https://www.nvidia.com/en-us/data-center/a100/
//     Caveat: GA102 boards (RTX 3090, A40, RTX A6000) also report NVLink3, but their four x4
//     bridge links run 14.0625 GB/s per direction each (GA102 whitepaper): this row overstates
//     their peak by 1.78x.
//   NVLink4, H100/H200 (SXM5): 18 links, 900 GB/s -> 25. H100 datasheet,
//     https://www.nvidia.com/en-us/data-center/h100/ (published 8xH200 peer copies reach about
//     396 GB/s of the 450 this gives, 88 %).
//   NVLink5, B200/GB200: 18 links of 100 GB/s bidirectional, 1.8 TB/s -> 50. NVLink page,
//     https://www.nvidia.com/en-us/data-center/nvlink/
// NVLink6 (Rubin) is not tabled: a pair on it gets no peak, never a guess.
struct NvLinkRow {
  int generation;
  double gbps_per_direction;
  const char* source;
};
constexpr std::array<NvLinkRow, 5> kNvLink{{
    {1,
     20.0,
     "NVLink1 (P100): 4 links = 160 GB/s both directions, Tesla P100 datasheet, "
     "https://www.nvidia.com/en-us/data-center/tesla-p100/"},
    {2,
     25.0,
     "NVLink2 (V100): 6 links = 300 GB/s both directions, Tesla V100 datasheet, "
     "https://www.nvidia.com/en-us/data-center/v100/"},
    {3,
     25.0,
     "NVLink3 (A100): 12 links = 600 GB/s both directions, A100 datasheet, "
     "https://www.nvidia.com/en-us/data-center/a100/"},
    {4,
     25.0,
     "NVLink4 (H100/H200): 18 links = 900 GB/s both directions, H100 datasheet, "
     "https://www.nvidia.com/en-us/data-center/h100/"},
    {5,
     50.0,
     "NVLink5 (Blackwell): 18 links of 100 GB/s = 1.8 TB/s both directions, NVIDIA NVLink "
     "page, https://www.nvidia.com/en-us/data-center/nvlink/"},
}};

const NvLinkRow* nvlink_row(int generation) {
  for (const NvLinkRow& row : kNvLink) {
    if (row.generation == generation) {
      return &row;
    }
  }
  return nullptr;
}

std::string gbps_text(double gbps) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", gbps);
  return buf;
}

std::string nvlink_name(int generation) {
  return generation > 0 ? "NVLink" + std::to_string(generation) : std::string("NVLink");
}

bool is_hex(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

// ---- NVLink ------------------------------------------------------------------------------------

struct PortCounts {
  int total = 0, active = 0;
};
PortCounts count_ports(const std::vector<NvLinkPort>& ports) {
  PortCounts c;
  c.total = static_cast<int>(ports.size());
  c.active = static_cast<int>(
      std::count_if(ports.begin(), ports.end(), [](const NvLinkPort& p) { return p.active; }));
  return c;
}

void warn_inactive(const std::vector<NvLinkPort>& ports,
                   const std::string& bus,
                   std::vector<std::string>& warnings) {
  const PortCounts c = count_ports(ports);
  if (c.active > 0 && c.active < c.total) {
    warnings.push_back(std::to_string(c.total - c.active) + " of " + std::to_string(c.total) +
                       " NVLink links inactive on gpu " + bus);
  }
}

std::vector<const NvLinkPort*> switch_ports(const std::vector<NvLinkPort>& ports) {
  std::vector<const NvLinkPort*> out;
  for (const NvLinkPort& p : ports) {
    if (p.active && p.remote == NvLinkRemote::nvswitch) {
      out.push_back(&p);
    }
  }
  return out;
}

/// Fills generation, peak and text of an NVLink pair from the ports its links use.
void nvlink_peak(const std::vector<const NvLinkPort*>& used, int links, PairLink& pair) {
  int lowest = 0, highest = 0, unknown = 0;
  for (const NvLinkPort* p : used) {
    if (p->generation <= 0) {
      ++unknown;
      continue;
    }
    lowest = lowest == 0 ? p->generation : std::min(lowest, p->generation);
    highest = std::max(highest, p->generation);
  }
  pair.generation = lowest;
  if (lowest != highest) {
    pair.warnings.push_back("mixed NVLink generations on the links used (NVLink" +
                            std::to_string(lowest) + " to NVLink" + std::to_string(highest) +
                            "): the peak assumes NVLink" + std::to_string(lowest));
  }
  if (unknown > 0 && lowest > 0) {
    pair.warnings.push_back("NVLink generation unknown on " + std::to_string(unknown) + " of " +
                            std::to_string(used.size()) + " links used: the peak assumes NVLink" +
                            std::to_string(lowest));
  }
  pair.text =
      nvlink_name(lowest) + " x" + std::to_string(links) + (pair.via_switch ? " (NVSwitch)" : "");
  const NvLinkRow* row = nvlink_row(lowest);
  if (lowest == 0) {
    pair.peak_source = "no NVLink peak: NVML reports no NVLink generation for the links used";
  } else if (row == nullptr) {
    pair.peak_source =
        "no NVLink peak: no per-link rate is tabled for NVLink" + std::to_string(lowest);
  } else {
    pair.peak_gbps = links * row->gbps_per_direction;
    pair.peak_source = std::to_string(links) + " NVLink links x " +
                       gbps_text(row->gbps_per_direction) + " GB/s per direction (" + row->source +
                       ")" +
                       (pair.via_switch ? "; through NVSwitch, the smaller of the two GPUs' "
                                          "active switch link counts"
                                        : "");
  }
}

// ---- PCIe --------------------------------------------------------------------------------------

std::optional<int> pcie_generation(double gt_per_s) {
  for (int g = 1; g <= 6; ++g) {
    if (const auto gt = pcie_gen_gt_per_s(g); gt && std::fabs(*gt - gt_per_s) < 1e-6) {
      return g;
    }
  }
  return std::nullopt;
}

std::string pcie_text(const PcieLinkSpeed& s) {
  if (const auto gen = pcie_generation(s.gt_per_s)) {
    return "PCIe Gen" + std::to_string(*gen) + " x" + std::to_string(s.width);
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "PCIe %.1f GT/s x%d", s.gt_per_s, s.width);
  return buf;
}

/// The link a GPU's peer traffic runs at: maximum generation (a lower current one at rest is
/// the idle downshift) and current width; a warning when the width is below its maximum.
struct EffectiveLink {
  std::optional<PcieLinkSpeed> speed;
  std::string why;  ///< when speed is empty
};
EffectiveLink effective_link(const std::optional<PcieLinkState>& state,
                             const std::string& bus,
                             std::vector<std::string>& warnings) {
  if (!state) {
    return {std::nullopt, "PCIe link of gpu " + bus + " not read"};
  }
  const auto& cur = state->current.value;
  const auto& max = state->max.value;
  if (cur && max) {
    if (cur->width < max->width) {
      warnings.push_back("PCIe link of gpu " + bus + " runs x" + std::to_string(cur->width) +
                         " of x" + std::to_string(max->width));
    }
    return {PcieLinkSpeed{std::max(cur->gt_per_s, max->gt_per_s), cur->width}, ""};
  }
  if (cur) {
    return {*cur, ""};
  }
  if (max) {
    warnings.push_back("current PCIe link of gpu " + bus + " unknown (" + state->current.reason +
                       "): its maximum is used");
    return {*max, ""};
  }
  return {std::nullopt,
          "PCIe link of gpu " + bus + " unknown" +
              (state->current.reason.empty() ? "" : " (" + state->current.reason + ")")};
}

void pcie_pair(const EffectiveLink& from,
               const std::string& from_bus,
               const EffectiveLink& to,
               const std::string& to_bus,
               PairLink& pair) {
  pair.kind = PairLinkKind::pcie;
  const auto peak = [](const PcieLinkSpeed& s) {
    const auto b = pcie_peak_bytes_per_s(s.gt_per_s, s.width);
    return b ? std::optional<double>(*b / 1e9) : std::nullopt;
  };
  // The limiting GPU: the lower peak; with one link unknown, the known one bounds the pair.
  const PcieLinkSpeed* limit = nullptr;
  std::string detail;
  if (from.speed && to.speed) {
    const auto a = peak(*from.speed), b = peak(*to.speed);
    limit = (a && b && *b < *a) ? &*to.speed : &*from.speed;
    detail = "the smaller of gpu " + from_bus + " (" + pcie_text(*from.speed) + ") and gpu " +
             to_bus + " (" + pcie_text(*to.speed) + ")";
  } else {
    limit = from.speed ? &*from.speed : &*to.speed;
    const std::string& known = from.speed ? from_bus : to_bus;
    pair.warnings.push_back((from.speed ? to.why : from.why) + ": the PCIe peak uses gpu " + known +
                            "'s link alone");
    detail = "gpu " + known + " (" + pcie_text(*limit) + ")";
  }
  pair.generation = pcie_generation(limit->gt_per_s).value_or(0);
  pair.text = pcie_text(*limit);
  pair.peak_gbps = peak(*limit);
  if (pair.peak_gbps) {
    pair.peak_source = "PCIe per direction: GT/s x lanes x encoding / 8, " + detail +
                       ", each link at its maximum generation and current width";
  } else {
    pair.peak_source = "no PCIe peak: the rate of " + pair.text + " is not modelled";
  }
}

}  // namespace

int nvlink_generation_from_nvml(unsigned nvml_version) noexcept {
  switch (nvml_version) {
    case 1:  // NVML_NVLINK_VERSION_1_0
      return 1;
    case 2:  // 2_0
    case 3:  // 2_2
      return 2;
    case 4:  // 3_0
    case 5:  // 3_1
      return 3;
    case 6:  // 4_0
      return 4;
    case 7:  // 5_0
      return 5;
    case 8:  // 6_0 (NVML 595)
      return 6;
    default:  // 0 = INVALID, or newer than this table
      return 0;
  }
}

std::optional<double> nvlink_gbps_per_link(int generation) {
  if (const NvLinkRow* row = nvlink_row(generation)) {
    return row->gbps_per_direction;
  }
  return std::nullopt;
}

std::string_view nvlink_table_source(int generation) {
  const NvLinkRow* row = nvlink_row(generation);
  return row != nullptr ? std::string_view(row->source) : std::string_view();
}

std::string canonical_bus_id(std::string_view bus_id) {
  const std::string text = lower(bus_id);
  // [domain:]bus:device.function
  const auto last_colon = text.rfind(':');
  if (last_colon == std::string::npos) {
    return text;
  }
  const auto first_colon = text.find(':');
  const std::string_view rest = std::string_view(text).substr(
      first_colon == last_colon ? 0 : first_colon + 1);  // "bus:device.function"
  const auto dot = rest.find('.');
  const auto colon = rest.find(':');
  // bus (2 hex digits), device (2) and function (1), as lspci, CUDA and NVML print them.
  if (dot == std::string_view::npos || colon == std::string_view::npos || colon > dot ||
      !is_hex(rest.substr(0, colon)) || colon > 2 ||
      !is_hex(rest.substr(colon + 1, dot - colon - 1)) || dot - colon - 1 > 2 ||
      !is_hex(rest.substr(dot + 1)) || rest.size() - dot - 1 > 1) {
    return text;
  }
  unsigned long domain = 0;
  if (first_colon != last_colon) {
    const std::string_view d = std::string_view(text).substr(0, first_colon);
    if (!is_hex(d) || d.size() > 8) {
      return text;
    }
    domain = std::strtoul(std::string(d).c_str(), nullptr, 16);
  }
  const unsigned long bus = std::strtoul(std::string(rest.substr(0, colon)).c_str(), nullptr, 16);
  const unsigned long dev =
      std::strtoul(std::string(rest.substr(colon + 1, dot - colon - 1)).c_str(), nullptr, 16);
  const unsigned long fn = std::strtoul(std::string(rest.substr(dot + 1)).c_str(), nullptr, 16);
  char buf[40];
  std::snprintf(buf,
                sizeof buf,
                domain > 0xffff ? "%08lx:%02lx:%02lx.%lx" : "%04lx:%02lx:%02lx.%lx",
                domain,
                bus,
                dev,
                fn);
  return buf;
}

PairLink classify_pair_link(const std::vector<NvLinkPort>& from_ports,
                            const std::string& from_bus,
                            const std::vector<NvLinkPort>& to_ports,
                            const std::string& to_bus,
                            const std::optional<PcieLinkState>& from_pcie,
                            const std::optional<PcieLinkState>& to_pcie) {
  PairLink pair;
  const std::string from_id = canonical_bus_id(from_bus);
  const std::string to_id = canonical_bus_id(to_bus);

  // Direct NVLink: active ports of one GPU that end at the other. Each side counts its own;
  // when both were read, a link counts only if both ends are up.
  const auto ports_to = [](const std::vector<NvLinkPort>& ports, const std::string& peer) {
    std::vector<const NvLinkPort*> out;
    for (const NvLinkPort& p : ports) {
      if (p.active && (p.remote == NvLinkRemote::gpu || p.remote == NvLinkRemote::unknown) &&
          !p.remote_bus.empty() && canonical_bus_id(p.remote_bus) == peer) {
        out.push_back(&p);
      }
    }
    return out;
  };
  const std::vector<const NvLinkPort*> direct = ports_to(from_ports, to_id);
  if (!direct.empty()) {
    pair.kind = PairLinkKind::nvlink;
    pair.links = static_cast<int>(direct.size());
    if (!to_ports.empty()) {
      pair.links = std::min(pair.links, static_cast<int>(ports_to(to_ports, from_id).size()));
    }
    if (pair.links == 0) {
      pair.links = static_cast<int>(direct.size());  // the far end's ports name another bus
      pair.warnings.push_back("gpu " + to_id + " does not report the NVLink links that gpu " +
                              from_id + " reports to it");
    }
    warn_inactive(from_ports, from_id, pair.warnings);
    warn_inactive(to_ports, to_id, pair.warnings);
    nvlink_peak(direct, pair.links, pair);
    return pair;
  }

  // Through NVSwitch: both GPUs reach a switch; the narrower side bounds the pair.
  const auto from_switch = switch_ports(from_ports);
  const auto to_switch = switch_ports(to_ports);
  if (!from_switch.empty() && !to_switch.empty()) {
    pair.kind = PairLinkKind::nvlink;
    pair.via_switch = true;
    pair.links = static_cast<int>(std::min(from_switch.size(), to_switch.size()));
    warn_inactive(from_ports, from_id, pair.warnings);
    warn_inactive(to_ports, to_id, pair.warnings);
    std::vector<const NvLinkPort*> used = from_switch;
    used.insert(used.end(), to_switch.begin(), to_switch.end());
    nvlink_peak(used, pair.links, pair);
    return pair;
  }

  // Active links whose far end NVML does not name (an old driver without the remote type, a
  // switch reported by bus id only): the path is NVLink of some kind, but which and how wide
  // is unknown. A PCIe peak would call a normal NVLink copy implausible: no peak.
  const auto unidentified = [](const std::vector<NvLinkPort>& ports) {
    return std::any_of(ports.begin(), ports.end(), [](const NvLinkPort& p) {
      return p.active && p.remote == NvLinkRemote::unknown;
    });
  };
  if (unidentified(from_ports) && (to_ports.empty() || unidentified(to_ports))) {
    pair.kind = PairLinkKind::nvlink;
    pair.text = "NVLink (path not identified)";
    pair.peak_source =
        "no peak: NVML does not say where the active NVLink links lead (no remote device type)";
    pair.warnings.push_back("the NVLink path between gpu " + from_id + " and gpu " + to_id +
                            " is not identified: NVML does not report the far end's type");
    return pair;
  }

  // No NVLink path. Say so when either GPU has NVLink ports: the pair falls back to PCIe.
  std::string fallback;
  for (const auto& [ports, id] :
       {std::make_pair(&from_ports, from_id), std::make_pair(&to_ports, to_id)}) {
    const PortCounts c = count_ports(*ports);
    if (c.total == 0) {
      continue;
    }
    fallback += fallback.empty() ? "" : "; ";
    fallback += c.active > 0
                    ? "gpu " + id + " has " + std::to_string(c.active) +
                          " active NVLink links, none to gpu " + (id == from_id ? to_id : from_id)
                    : "none of the " + std::to_string(c.total) + " NVLink links of gpu " + id +
                          " is active";
  }
  if (!fallback.empty()) {
    pair.warnings.push_back("no NVLink path, the pair falls back to PCIe: " + fallback);
  }

  const EffectiveLink from_link = effective_link(from_pcie, from_id, pair.warnings);
  const EffectiveLink to_link = effective_link(to_pcie, to_id, pair.warnings);
  if (from_link.speed || to_link.speed) {
    pcie_pair(from_link, from_id, to_link, to_id, pair);
    return pair;
  }
  pair.text = "unknown";
  pair.peak_source = "no peak: no NVLink path, and " + from_link.why + "; " + to_link.why;
  return pair;
}

}  // namespace gpb
