// SPDX-License-Identifier: Apache-2.0
// Build without CUDA: no devices; GPU cases are skipped with this reason.
#include <gpb/device_runtime.hpp>

#include <stdexcept>

namespace gpb {

DeviceProbe probe_devices(RuntimeInfo& runtime) {
  runtime.cuda_reason = "built_without_cuda";
  DeviceProbe p;
  p.error = "gpubench was built without CUDA (GPB_ENABLE_CUDA=OFF)";
  return p;
}

void fill_tool_versions(ToolInfo& tool) {
  tool.cuda_enabled = false;
}

void run_on_device(const GpuInfo&, Context&, const std::function<void(Context&)>&) {
  throw std::logic_error("run_on_device without CUDA");
}

bool with_pcie_load(const GpuInfo&, const std::function<void()>&) {
  return false;
}

ErrorClass classify(const std::exception&) noexcept {
  return {};
}

}  // namespace gpb
