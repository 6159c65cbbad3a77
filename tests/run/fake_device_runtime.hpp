// SPDX-License-Identifier: Apache-2.0
// A device runtime without a GPU: N fake devices with a peer matrix (holes allowed). run()
// calls the body with no streams and logs which devices it ran on; a FakeDeviceError thrown by
// a body is classified like a CUDA error (sticky when asked).
#pragma once

#include <gpb/device_runtime.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "../host/fake_topology.hpp"

namespace gpb::test {

struct FakeDeviceError : std::runtime_error {
  FakeDeviceError(const std::string& what, bool sticky_error)
      : std::runtime_error(what), sticky(sticky_error) {}
  bool sticky;
};

class FakeDeviceRuntime final : public DeviceRuntime {
 public:
  explicit FakeDeviceRuntime(DeviceTopology t) : topology(std::move(t)) {}

  DeviceProbe probe(RuntimeInfo&) override {
    DeviceProbe p;
    p.gpus = topology.gpus;
    if (p.gpus.empty()) {
      p.error = "fake runtime: 0 devices";
    }
    return p;
  }

  PeerLink peer_link(const GpuInfo& from, const GpuInfo& to) override {
    return topology.peer(index_of(from), index_of(to));
  }

  void run(Context& ctx, const std::function<void(Context&)>& body) override {
    std::vector<int> ordinals;
    for (const GpuInfo* g : ctx.gpus()) {
      ordinals.push_back(g->ordinal);
    }
    runs.push_back(ordinals);
    body(ctx);
  }

  ErrorClass classify(const std::exception& e) const noexcept override {
    ErrorClass c;
    if (const auto* f = dynamic_cast<const FakeDeviceError*>(&e)) {
      c.device_error = true;
      c.sticky = f->sticky;
    }
    return c;
  }

  DeviceTopology topology;
  std::vector<std::vector<int>> runs;  ///< the ordinals of each run() call

 private:
  std::size_t index_of(const GpuInfo& g) const {
    for (std::size_t i = 0; i < topology.gpus.size(); ++i) {
      if (topology.gpus[i].ordinal == g.ordinal) {
        return i;
      }
    }
    return topology.gpus.size();
  }
};

}  // namespace gpb::test
