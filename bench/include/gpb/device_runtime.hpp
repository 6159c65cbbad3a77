// SPDX-License-Identifier: Apache-2.0
// Everything the runner needs from the device runtime, behind one interface, so the same runner
// builds with CUDA off (device_runtime_none.cpp) and on (device_runtime_cuda.cpp), and host
// tests drive it with a fake machine of N GPUs (tests/run/fake_device_runtime.hpp).
#pragma once

#include <gpb/registry.hpp>
#include <gpb/result/schema.hpp>
#include <gpb/run/device_set.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gpb {

/// What a probe of the devices found.
struct DeviceProbe {
  std::vector<GpuInfo> gpus;
  std::string error;  ///< e.g. "cudaGetDeviceCount: cudaErrorNoDevice (100): no CUDA-capable..."
};

/// Classification of an exception thrown by a case.
struct ErrorClass {
  bool device_error = false;   ///< a CUDA/cuBLAS call failed
  bool sticky = false;         ///< the device context is unusable afterwards (FH-1)
  bool out_of_memory = false;  ///< skip, not failure (FH-5)
};

class DeviceRuntime {
 public:
  virtual ~DeviceRuntime() = default;
  /// Lists devices; never throws. Fills the CUDA/cuBLAS version fields of `runtime`.
  virtual DeviceProbe probe(RuntimeInfo& runtime) = 0;
  /// Whether `from` can reach `to`'s memory directly; never throws.
  virtual PeerLink peer_link(const GpuInfo& from, const GpuInfo& to) = 0;
  /// Runs `body` with a fresh stream on every device of the context's set and waits for all
  /// of them afterwards. Exceptions propagate to the caller.
  virtual void run(Context& ctx, const std::function<void(Context&)>& body) = 0;
  virtual ErrorClass classify(const std::exception& e) const noexcept = 0;
};

/// The runtime this build talks to: CUDA, or none (GPB_ENABLE_CUDA=OFF).
std::unique_ptr<DeviceRuntime> make_device_runtime();

/// The selected GPUs and the peer links between every ordered pair, as `runtime` reports them.
DeviceTopology probe_topology(DeviceRuntime& runtime, std::vector<GpuInfo> gpus);

/// Header versions compiled in (DI-4).
void fill_tool_versions(ToolInfo& tool);

/// Keeps host->device copies running on `gpu` for a moment and calls `during` while they run, so
/// PCIe link readings see the link under load (an idle link drops its generation; MR-19).
/// False, without calling `during`, when no load could be made; never throws.
bool with_pcie_load(const GpuInfo& gpu, const std::function<void()>& during);

}  // namespace gpb
