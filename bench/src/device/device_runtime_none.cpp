// SPDX-License-Identifier: Apache-2.0
// Build without CUDA: no devices; GPU cases are skipped with this reason.
#include <gpb/device_runtime.hpp>

#include <stdexcept>

namespace gpb {
namespace {

class NoDeviceRuntime final : public DeviceRuntime {
 public:
  DeviceProbe probe(RuntimeInfo& runtime) override {
    runtime.cuda_reason = "built_without_cuda";
    DeviceProbe p;
    p.error = "gpubench was built without CUDA (GPB_ENABLE_CUDA=OFF)";
    return p;
  }
  PeerLink peer_link(const GpuInfo&, const GpuInfo&) override {
    return {false, "built without CUDA"};
  }
  void run(Context&, const std::function<void(Context&)>&) override {
    throw std::logic_error("a GPU case ran in a build without CUDA");
  }
  ErrorClass classify(const std::exception&) const noexcept override { return {}; }
};

}  // namespace

std::unique_ptr<DeviceRuntime> make_device_runtime() {
  return std::make_unique<NoDeviceRuntime>();
}

void fill_tool_versions(ToolInfo& tool) {
  tool.cuda_enabled = false;
}

bool with_pcie_load(const GpuInfo&, const std::function<void()>&) {
  return false;
}

}  // namespace gpb
