// SPDX-License-Identifier: Apache-2.0
// Device discovery and per-case device setup with the CUDA runtime.
#include <gpb/cuda_check.hpp>
#include <gpb/cuda_raii.hpp>
#include <gpb/device_runtime.hpp>
#include <gpb/machine/host_link.hpp>
#include <gpb/machine/nvml.hpp>
#include <gpb/measure/peaks.hpp>

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>

#if GPB_NCCL_HEADER_VERSION > 0
#include <nccl.h>
#endif

namespace gpb {
namespace {

std::string format_uuid(const cudaUUID_t& id) {
  const auto* b = reinterpret_cast<const unsigned char*>(id.bytes);
  char buf[64];
  std::snprintf(buf,
                sizeof buf,
                "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                b[0],
                b[1],
                b[2],
                b[3],
                b[4],
                b[5],
                b[6],
                b[7],
                b[8],
                b[9],
                b[10],
                b[11],
                b[12],
                b[13],
                b[14],
                b[15]);
  return buf;
}

std::string describe(cudaError_t e, const char* call) {
  return std::string(call) + ": " + cudaGetErrorName(e) + " (" +
         std::to_string(static_cast<int>(e)) + "): " + cudaGetErrorString(e);
}

DeviceProbe probe_cuda_devices(RuntimeInfo& runtime) {
  DeviceProbe probe;
  int v = 0;
  if (cudaRuntimeGetVersion(&v) == cudaSuccess) {
    runtime.cuda_runtime_version = v;
  }
  if (cudaDriverGetVersion(&v) == cudaSuccess && v > 0) {
    runtime.cuda_driver_version = v;
  } else {
    runtime.cuda_reason = "no_driver";
  }
  runtime.cublas_version = static_cast<int>(cublasLtGetVersion());

  int count = 0;
  if (const cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess) {
    probe.error = describe(e, "cudaGetDeviceCount");
    runtime.device_error = probe.error;
    return probe;
  }
  if (count == 0) {
    probe.error = "cudaGetDeviceCount: 0 devices";
    runtime.device_error = probe.error;
    return probe;
  }
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp prop{};
    if (const cudaError_t e = cudaGetDeviceProperties(&prop, d); e != cudaSuccess) {
      probe.error = describe(e, "cudaGetDeviceProperties");
      runtime.device_error = probe.error;
      continue;
    }
    GpuInfo g;
    g.ordinal = d;
    g.name = prop.name;
    g.uuid = format_uuid(prop.uuid);
    char bus[32] = {};
    if (cudaDeviceGetPCIBusId(bus, sizeof bus, d) == cudaSuccess) {
      g.pci_bus_id = bus;
    }
    g.cc_major = prop.major;
    g.cc_minor = prop.minor;
    g.sm_count = prop.multiProcessorCount;
    g.memory_bytes = prop.totalGlobalMem;
    g.l2_bytes = static_cast<std::uint64_t>(prop.l2CacheSize);
    g.ecc_enabled = prop.ECCEnabled != 0;
    g.memory_bus_width_bits = prop.memoryBusWidth;
    int khz = 0;
    // CUDA 13 removed clockRate/memoryClockRate from cudaDeviceProp: read the attributes (kHz).
    if (cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, d) == cudaSuccess && khz > 0) {
      g.sm_clock_max_mhz = khz / 1e3;
    }
    if (cudaDeviceGetAttribute(&khz, cudaDevAttrMemoryClockRate, d) == cudaSuccess && khz > 0) {
      g.mem_clock_max_mhz = khz / 1e3;
      if (auto peak = memory_peak_bytes_per_s(khz, g.memory_bus_width_bits)) {
        g.memory_bandwidth_peak_gbps = *peak / 1e9;
      }
    }
    g.numa_node = gpu_host_affinity("", g.pci_bus_id).numa_node;
    g.power_limit_reason = "nvml_not_queried";
    probe.gpus.push_back(g);
  }
  return probe;
}

}  // namespace

void fill_tool_versions(ToolInfo& tool) {
  tool.cuda_enabled = true;
  tool.cudart_header_version = CUDART_VERSION;
  tool.cublas_header_version = CUBLAS_VERSION;
#if GPB_NCCL_HEADER_VERSION > 0
  tool.nccl_header_version = NCCL_VERSION_CODE;
#endif
}

namespace {

class CudaDeviceRuntime final : public DeviceRuntime {
 public:
  DeviceProbe probe(RuntimeInfo& runtime) override { return probe_cuda_devices(runtime); }

  PeerLink peer_link(const GpuInfo& from, const GpuInfo& to) override {
    int can = 0;
    if (const cudaError_t e = cudaDeviceCanAccessPeer(&can, from.ordinal, to.ordinal);
        e != cudaSuccess) {
      cudaGetLastError();  // a failed query is reported in the link, not left pending
      return {false, describe(e, "cudaDeviceCanAccessPeer")};
    }
    if (can == 0) {
      // NVML says why, where it knows (the chipset, the IOH topology, a registry key).
      std::string why = "cudaDeviceCanAccessPeer reports no access";
      std::string unused;
      if (const auto nvml = Nvml::load(unused)) {
        const auto p2p = nvml->p2p_read_supported(from.pci_bus_id, to.pci_bus_id);
        if (p2p.value && !*p2p.value && !p2p.reason.empty()) {
          why += "; NVML P2P read status: " + p2p.reason;
        }
      }
      return {false, why};
    }
    return {true, ""};
  }

  void run(Context& ctx, const std::function<void(Context&)>& body) override {
    std::vector<Stream> streams;
    std::vector<cudaStream_t> handles;
    for (const GpuInfo* g : ctx.gpus()) {
      GPB_CUDA_CHECK(cudaSetDevice(g->ordinal));
      streams.push_back(make_stream());
      handles.push_back(streams.back().get());
    }
    GPB_CUDA_CHECK(cudaSetDevice(ctx.device()));  // the first device of the set is current
    ctx.set_streams(handles);
    body(ctx);
    for (std::size_t i = 0; i < handles.size(); ++i) {
      GPB_CUDA_CHECK(cudaSetDevice(ctx.device(i)));
      GPB_CUDA_CHECK(cudaStreamSynchronize(handles[i]));
    }
    ctx.set_streams({});
  }

  ErrorClass classify(const std::exception& e) const noexcept override {
    ErrorClass c;
    if (const auto* g = dynamic_cast<const GpuError*>(&e)) {
      c.device_error = true;
      c.sticky = g->sticky();
      c.out_of_memory = g->out_of_memory();
    }
    return c;
  }
};

}  // namespace

std::unique_ptr<DeviceRuntime> make_device_runtime() {
  return std::make_unique<CudaDeviceRuntime>();
}

bool with_pcie_load(const GpuInfo& gpu, const std::function<void()>& during) {
  // 32 copies of 64 MiB from pinned memory: ~40 ms at PCIe 5 speed, long enough for the link to
  // train up; the reading is taken once 8 of them have finished.
  constexpr std::size_t kBytes = 64u << 20;
  constexpr int kCopies = 32;
  constexpr int kReadAfter = 8;
  void* host = nullptr;
  void* device = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t warmed = nullptr;
  bool ok = cudaSetDevice(gpu.ordinal) == cudaSuccess &&
            cudaMallocHost(&host, kBytes) == cudaSuccess &&
            cudaMalloc(&device, kBytes) == cudaSuccess &&
            cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess &&
            cudaEventCreateWithFlags(&warmed, cudaEventDisableTiming) == cudaSuccess;
  for (int i = 0; ok && i < kCopies; ++i) {
    ok = cudaMemcpyAsync(device, host, kBytes, cudaMemcpyHostToDevice, stream) == cudaSuccess &&
         (i + 1 != kReadAfter || cudaEventRecord(warmed, stream) == cudaSuccess);
  }
  ok = ok && cudaEventSynchronize(warmed) == cudaSuccess;
  if (ok) {
    during();
  }
  if (stream != nullptr) {
    cudaStreamSynchronize(stream);
    cudaStreamDestroy(stream);
  }
  if (warmed != nullptr) {
    cudaEventDestroy(warmed);
  }
  cudaFree(device);
  cudaFreeHost(host);
  cudaGetLastError();  // a failed load is reported by the return value, not left pending
  return ok;
}

}  // namespace gpb
