// SPDX-License-Identifier: Apache-2.0
// A machine of N fake GPUs (distinct ordinals, UUIDs and bus ids, two NUMA nodes) with full peer
// access; tests punch holes into the peer matrix.
#pragma once

#include <gpb/run/device_set.hpp>

#include <cstdio>
#include <string>

namespace gpb::test {

inline GpuInfo fake_gpu(int ordinal, const std::string& name = "NVIDIA H100 80GB HBM3") {
  GpuInfo g;
  g.ordinal = ordinal;
  char uuid[64];
  std::snprintf(uuid, sizeof uuid, "GPU-00000000-0000-0000-0000-%012d", ordinal);
  g.uuid = uuid;
  char bus[32];
  std::snprintf(bus, sizeof bus, "00000000:%02X:00.0", 0x18 + 0x10 * ordinal);
  g.pci_bus_id = bus;
  g.name = name;
  g.cc_major = 9;
  g.cc_minor = 0;
  g.sm_count = 132;
  g.memory_bytes = 80ull << 30;
  g.l2_bytes = 50ull << 20;
  g.sm_clock_max_mhz = 1980;
  g.numa_node = ordinal < 4 ? 0 : 1;
  return g;
}

inline DeviceTopology fake_topology(int n) {
  DeviceTopology t;
  for (int i = 0; i < n; ++i) {
    t.gpus.push_back(fake_gpu(i));
  }
  t.peers.assign(static_cast<std::size_t>(n),
                 std::vector<PeerLink>(static_cast<std::size_t>(n), PeerLink{true, ""}));
  return t;
}

}  // namespace gpb::test
