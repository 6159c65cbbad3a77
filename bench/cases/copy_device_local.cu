// SPDX-License-Identifier: Apache-2.0
// Device-local copy on one GPU: cudaMemcpyAsync device -> device (engine=driver: the driver
// picks a copy engine or its own kernel) and an SM copy kernel (engine=sm), S bytes from one buffer
// to another. Byte counting is stated because the field disagrees on it: a copy of S bytes reads S
// and writes S, and the headline counts both (2 x S per copy, read_plus_write), as BabelStream's
// copy and this tool's stream family do, so it compares with HBM bandwidth and its peak.
// nvbandwidth's device_local_copy reports S / t, half of this number; that figure is recorded
// beside it as a metric so both can be read off one result.
#include <gpb/cuda_check.hpp>
#include <gpb/kernels/interconnect.cuh>
#include <gpb/measure/stats.hpp>

#include <algorithm>
#include <vector>

#include "link_support.hpp"

namespace gpb {
namespace {

using namespace link_cases;

struct LocalPoint {
  bool copy_engine;
  std::uint64_t bytes;
};

CaseDesc describe(const LocalPoint& p) {
  return {{{"engine", p.copy_engine ? "driver" : "sm"}, {"size", size_text(p.bytes)}},
          kDefault | kFull};
}

void run(Context& ctx, const LocalPoint& p) {
  const GpuInfo& gpu = ctx.gpu();
  const std::uint64_t bytes = p.bytes;
  ctx.require_device_bytes(2 * bytes);
  DeviceBuffer<unsigned char> src(static_cast<std::size_t>(bytes));
  DeviceBuffer<unsigned char> dst(static_cast<std::size_t>(bytes));
  cudaStream_t stream = ctx.stream();
  GPB_CUDA_CHECK(launch_fill_pattern(src.data(), bytes, ctx.seed(), stream));
  GPB_CUDA_CHECK(cudaStreamSynchronize(stream));

  ctx.set_work({0.0,
                2.0 * static_cast<double>(bytes),
                "2 x S: the S bytes read and the S bytes written, each counted once"},
               RateKind::bandwidth);
  ctx.set_convention({"uni", p.copy_engine ? "driver" : "sm", "read_plus_write", "warm"});
  ctx.note("byte_counting",
           "read + write counted once each (2 x S per copy of S), as BabelStream's copy; "
           "nvbandwidth's device_local_copy reports S / t, half of this "
           "(metric size_over_time)");
  const unsigned char* from = src.data();
  unsigned char* to = dst.data();
  const bool ce = p.copy_engine;
  const auto copy = [=](cudaStream_t s) {
    if (ce) {
      GPB_CUDA_CHECK(cudaMemcpyAsync(to, from, bytes, cudaMemcpyDeviceToDevice, s));
    } else {
      GPB_CUDA_CHECK(launch_sm_copy(from, to, bytes, s));
    }
  };
  ctx.measure([=](cudaStream_t s, std::int64_t ops) {
    for (std::int64_t i = 0; i < ops; ++i) {
      copy(s);
    }
  });
  if (!ctx.result().sample_s.empty()) {
    ctx.add_metric({"size_over_time",
                    static_cast<double>(bytes) / median_of(ctx.result().sample_s) / 1e9,
                    "GB/s",
                    "S / median_s (the copy's size once, nvbandwidth's device_local_copy)"});
  }
  if (gpu.memory_bandwidth_peak_gbps) {
    ctx.set_peak(*gpu.memory_bandwidth_peak_gbps,
                 "device memory: 2 x memory clock x bus width / 8 (reads and writes share it)");
  } else {
    ctx.set_peak_unknown("memory_peak_unknown");
  }

  if (ctx.options().verify) {
    const std::uint64_t seed = ctx.seed() + 1;  // fresh data for the checked copy (MR-11)
    GPB_CUDA_CHECK(launch_fill_pattern(src.data(), bytes, seed, stream));
    copy(stream);
    GPB_CUDA_CHECK(cudaStreamSynchronize(stream));
    record_checks(ctx, {{"destination", check_on_device(ctx.device(), to, bytes, seed)}});
  }
}

GPB_REGISTER("copy/device_local",
             1,
             std::vector<LocalPoint>{{true, 1 * kGiB}, {false, 1 * kGiB}},
             describe,
             Requires{},
             run);

}  // namespace
}  // namespace gpb
