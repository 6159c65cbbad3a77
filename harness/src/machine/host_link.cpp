// SPDX-License-Identifier: Apache-2.0
#include <gpb/machine/host_link.hpp>
#include <gpb/machine/sysinfo.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>

namespace gpb {
namespace {

std::string device_dir(const std::string& root, const std::string& bdf) {
  std::string lower = bdf;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return root + "/sys/bus/pci/devices/" + lower;
}

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
    return std::nullopt;
  }
  return v;
}

Reading<PcieLinkSpeed> read_link(const std::string& dir, const char* which) {
  const std::string prefix = dir + "/" + which;
  const auto speed = read_first_line(prefix + "_link_speed");
  const auto width = read_first_line(prefix + "_link_width");
  if (!speed || !width) {
    return {std::nullopt, std::string("no ") + which + "_link_speed/width in sysfs"};
  }
  const auto gt = parse_link_speed(*speed);
  const auto lanes = parse_int(*width);
  if (!gt || !lanes || *lanes <= 0) {
    return {std::nullopt,
            std::string("unreadable ") + which + " link: '" + *speed + "', '" + *width + "'"};
  }
  return {PcieLinkSpeed{*gt, *lanes}, ""};
}

}  // namespace

std::optional<double> parse_link_speed(std::string_view text) {
  const auto gt = text.find(" GT/s");
  if (gt == std::string_view::npos || gt == 0) {
    return std::nullopt;
  }
  const std::string number(text.substr(0, gt));
  char* end = nullptr;
  const double v = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !(v > 0) || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::optional<double> pcie_peak_bytes_per_s(double gt_per_s, int width) noexcept {
  if (width <= 0) {
    return std::nullopt;
  }
  const auto is = [gt_per_s](double rate) { return std::fabs(gt_per_s - rate) < 1e-6; };
  double encoding = 0;
  if (is(2.5) || is(5.0)) {
    encoding = 8.0 / 10.0;
  } else if (is(8.0) || is(16.0) || is(32.0)) {
    encoding = 128.0 / 130.0;
  } else {
    return std::nullopt;
  }
  return gt_per_s * 1e9 * width * encoding / 8.0;
}

std::optional<double> pcie_gen_gt_per_s(int generation) noexcept {
  switch (generation) {
    case 1:
      return 2.5;
    case 2:
      return 5.0;
    case 3:
      return 8.0;
    case 4:
      return 16.0;
    case 5:
      return 32.0;
    case 6:
      return 64.0;
    default:
      return std::nullopt;
  }
}

PcieLinkState read_pcie_link_sysfs(const std::string& root, const std::string& bdf) {
  const std::string dir = device_dir(root, bdf);
  PcieLinkState s{read_link(dir, "current"), read_link(dir, "max")};
  // A GPU's max_link_* is what the GPU supports; the slot may support less (a Gen5 card in a Gen4
  // slot). The upstream port is the parent of the device's real sysfs folder.
  std::error_code ec;
  const std::filesystem::path real = std::filesystem::canonical(dir, ec);
  if (!ec && s.max.value) {
    const Reading<PcieLinkSpeed> slot = read_link(real.parent_path().string(), "max");
    // A port that claims less than the link runs at now is an emulated one (an old QEMU root
    // port says 2.5 GT/s x1): it bounds nothing.
    const bool plausible =
        slot.value && (!s.current.value || (slot.value->gt_per_s >= s.current.value->gt_per_s &&
                                            slot.value->width >= s.current.value->width));
    if (plausible) {
      s.max.value->gt_per_s = std::min(s.max.value->gt_per_s, slot.value->gt_per_s);
      s.max.value->width = std::min(s.max.value->width, slot.value->width);
    }
  }
  return s;
}

std::optional<std::vector<int>> parse_cpulist(std::string_view text) {
  std::vector<int> cpus;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string_view part =
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    const auto dash = part.find('-');
    const auto lo = parse_int(part.substr(0, dash));
    const auto hi = dash == std::string_view::npos ? lo : parse_int(part.substr(dash + 1));
    if (!lo || !hi || *lo < 0 || *hi < *lo || *hi - *lo > 65535) {
      return std::nullopt;
    }
    for (int c = *lo; c <= *hi; ++c) {
      cpus.push_back(c);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  if (cpus.empty()) {
    return std::nullopt;
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

HostAffinity gpu_host_affinity(const std::string& root, const std::string& bdf) {
  HostAffinity a;
  const std::string dir = device_dir(root, bdf);
  if (const auto node = read_first_line(dir + "/numa_node")) {
    a.numa_node = parse_int(*node).value_or(-1);
  }
  const auto list = read_first_line(dir + "/local_cpulist");
  if (!list) {
    a.reason = "no local_cpulist for " + bdf + " in sysfs";
    return a;
  }
  if (const auto cpus = parse_cpulist(*list)) {
    a.cpus = *cpus;
  } else {
    a.reason = "unreadable local_cpulist '" + *list + "'";
  }
  return a;
}

}  // namespace gpb
