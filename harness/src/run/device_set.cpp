// SPDX-License-Identifier: Apache-2.0
#include <gpb/common/enum_names.hpp>
#include <gpb/run/device_set.hpp>

#include <array>
#include <charconv>
#include <utility>

namespace gpb {
namespace {

constexpr EnumNames<DeviceSet, 4> kSetNames{{
    {DeviceSet::each, "each"},
    {DeviceSet::ordered_pairs, "ordered_pairs"},
    {DeviceSet::all_local, "all_local"},
    {DeviceSet::world, "world"},
}};

std::vector<std::size_t> all_indexes(std::size_t n) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(i);
  }
  return out;
}

/// A CUDA ordinal as pair_suffix() writes it: decimal digits, no sign, no leading zero.
std::optional<int> parse_ordinal(std::string_view text) noexcept {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
  }
  int v = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), v);
  if (res.ec != std::errc() || res.ptr != text.data() + text.size()) {
    return std::nullopt;  // out of range for an int
  }
  return v;
}

/// The first ordered pair inside `devices` without direct access, if any.
std::optional<std::pair<std::size_t, std::size_t>> missing_peer(
    const DeviceTopology& t, const std::vector<std::size_t>& devices) {
  for (std::size_t a : devices) {
    for (std::size_t b : devices) {
      if (a != b && !t.peer(a, b).access) {
        return std::make_pair(a, b);
      }
    }
  }
  return std::nullopt;
}

void mark_no_peer(DeviceBinding& b, const DeviceTopology& t, std::size_t from, std::size_t to) {
  const PeerLink link = t.peer(from, to);
  b.preset = Status::not_supported;
  b.reason = "no_peer_access";
  b.message = "GPU " + std::to_string(t.gpus[from].ordinal) + " cannot access GPU " +
              std::to_string(t.gpus[to].ordinal) + " directly" +
              (link.reason.empty() ? std::string() : " (" + link.reason + ")") +
              "; 'nvidia-smi topo -p2p r' shows which pairs can";
}

}  // namespace

std::string_view to_string(DeviceSet s) noexcept {
  return name_of(kSetNames, s, "each");
}

std::optional<DeviceSet> device_set_from_string(std::string_view name) noexcept {
  return value_of(kSetNames, name);
}

PeerLink DeviceTopology::peer(std::size_t from, std::size_t to) const {
  if (from < peers.size() && to < peers[from].size()) {
    return peers[from][to];
  }
  return PeerLink{false, "peer access not probed"};
}

std::vector<DeviceBinding> bind_devices(const SetNeeds& needs, const DeviceTopology& topology) {
  const std::vector<GpuInfo>& gpus = topology.gpus;
  if (gpus.empty()) {
    return {DeviceBinding{}};  // no device: the runner records the case as skipped
  }
  std::vector<DeviceBinding> out;
  switch (needs.set) {
    case DeviceSet::each:
      for (std::size_t i = 0; i < gpus.size(); ++i) {
        out.push_back({{i}, "/gpu=" + std::to_string(gpus[i].ordinal), {}, {}, {}});
      }
      break;
    case DeviceSet::ordered_pairs:
      if (gpus.size() < 2) {
        DeviceBinding b{all_indexes(gpus.size()), "", Status::not_applicable, "needs_two_gpus", {}};
        b.message = "measures between two GPUs; this process sees only GPU " +
                    std::to_string(gpus[0].ordinal);
        out.push_back(std::move(b));
        break;
      }
      for (std::size_t from = 0; from < gpus.size(); ++from) {
        for (std::size_t to = 0; to < gpus.size(); ++to) {
          if (from == to) {
            continue;
          }
          DeviceBinding b{
              {from, to}, pair_suffix(gpus[from].ordinal, gpus[to].ordinal), {}, {}, {}};
          // Peer cases reach memory both ways (a read on the destination, the reverse copy of a
          // bidirectional case): either direction missing makes the pair not supported.
          if (needs.peer_access && !topology.peer(from, to).access) {
            mark_no_peer(b, topology, from, to);
          } else if (needs.peer_access && !topology.peer(to, from).access) {
            mark_no_peer(b, topology, to, from);
          }
          out.push_back(std::move(b));
        }
      }
      break;
    case DeviceSet::all_local: {
      DeviceBinding b{
          all_indexes(gpus.size()), "/gpus=all" + std::to_string(gpus.size()), {}, {}, {}};
      if (needs.peer_access) {
        if (const auto pair = missing_peer(topology, b.devices)) {
          mark_no_peer(b, topology, pair->first, pair->second);
        }
      }
      out.push_back(std::move(b));
      break;
    }
    case DeviceSet::world:
      // This rank's devices; the other ranks' come together through MPI.
      out.push_back(
          {all_indexes(gpus.size()), "/ranks=" + std::to_string(topology.world_size), {}, {}, {}});
      break;
  }
  return out;
}

bool is_device_segment(std::string_view key) noexcept {
  return key == "gpu" || key == "gpus" || key == "ranks";
}

std::string pair_suffix(int from, int to) {
  return "/gpus=" + std::to_string(from) + ">" + std::to_string(to);
}

std::optional<std::pair<int, int>> parse_pair_segment(std::string_view value) noexcept {
  const std::size_t gt = value.find('>');
  if (gt == std::string_view::npos) {
    return std::nullopt;
  }
  const auto from = parse_ordinal(value.substr(0, gt));
  const auto to = parse_ordinal(value.substr(gt + 1));  // a second '>' is not a digit
  if (!from || !to || *from == *to) {
    return std::nullopt;
  }
  return std::make_pair(*from, *to);
}

std::optional<PairName> split_pair_name(std::string_view name) noexcept {
  constexpr std::string_view kSegment = "/gpus=";
  const std::size_t slash = name.rfind('/');
  if (slash == std::string_view::npos || slash == 0 ||
      name.compare(slash, kSegment.size(), kSegment) != 0) {
    return std::nullopt;
  }
  const auto pair = parse_pair_segment(name.substr(slash + kSegment.size()));
  if (!pair) {
    return std::nullopt;
  }
  return PairName{name.substr(0, slash), pair->first, pair->second};
}

}  // namespace gpb
