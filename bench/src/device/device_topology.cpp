// SPDX-License-Identifier: Apache-2.0
#include <gpb/device_runtime.hpp>

namespace gpb {

DeviceTopology probe_topology(DeviceRuntime& runtime, std::vector<GpuInfo> gpus) {
  DeviceTopology t;
  t.gpus = std::move(gpus);
  t.peers.assign(t.gpus.size(), std::vector<PeerLink>(t.gpus.size()));
  for (std::size_t from = 0; from < t.gpus.size(); ++from) {
    for (std::size_t to = 0; to < t.gpus.size(); ++to) {
      if (from != to) {
        t.peers[from][to] = runtime.peer_link(t.gpus[from], t.gpus[to]);
      }
    }
  }
  return t;
}

}  // namespace gpb
