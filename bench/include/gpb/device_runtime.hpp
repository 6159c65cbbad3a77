// SPDX-License-Identifier: Apache-2.0
// Everything the runner needs from the CUDA runtime, behind one interface, so the same runner
// builds with CUDA off (device_runtime_none.cpp) and on (device_runtime_cuda.cpp).
#pragma once

#include <gpb/registry.hpp>
#include <gpb/schema.hpp>

#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace gpb {

/// What a probe of the CUDA devices found.
struct DeviceProbe {
  std::vector<GpuInfo> gpus;
  std::string error;  ///< e.g. "cudaGetDeviceCount: cudaErrorNoDevice (100): no CUDA-capable..."
};

/// Lists devices; never throws. Fills the CUDA/cuBLAS version fields of `runtime`.
DeviceProbe probe_devices(RuntimeInfo& runtime);

/// Header versions compiled in (DI-4).
void fill_tool_versions(ToolInfo& tool);

/// Runs `body` on `gpu` with a fresh stream in the context; synchronizes afterwards.
/// Exceptions propagate to the caller.
void run_on_device(const GpuInfo& gpu, Context& ctx, const std::function<void(Context&)>& body);

/// Keeps host->device copies running on `gpu` for a moment and calls `during` while they run, so
/// PCIe link readings see the link under load (an idle link drops its generation; MR-19).
/// False, without calling `during`, when no load could be made; never throws.
bool with_pcie_load(const GpuInfo& gpu, const std::function<void()>& during);

/// Classification of an exception thrown by a case.
struct ErrorClass {
  bool device_error = false;   ///< a CUDA/cuBLAS call failed
  bool sticky = false;         ///< the device context is unusable afterwards (FH-1)
  bool out_of_memory = false;  ///< skip, not failure (FH-5)
};
ErrorClass classify(const std::exception& e) noexcept;

}  // namespace gpb
