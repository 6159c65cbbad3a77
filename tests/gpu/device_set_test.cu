// SPDX-License-Identifier: Apache-2.0
// Multi-device timing and the case executor on the real device runtime. On a one-GPU machine
// a set is one device, or two streams of the same device standing in for two devices: the
// sample must be the slower lane's span and the record must name every device of the set.
#include <gpb/case_executor.hpp>
#include <gpb/cuda_check.hpp>
#include <gpb/cuda_raii.hpp>
#include <gpb/cuda_timing.hpp>
#include <gpb/device_runtime.hpp>
#include <gpb/kernels/stream.cuh>

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "gpu_test_util.hpp"

namespace gpb {
namespace {

constexpr std::size_t kFloats = std::size_t{64} << 20;  // 256 MiB per array

/// One stream-copy launch of `n` floats on `stream`.
struct CopyLane {
  DeviceBuffer<float> a{kFloats}, c{kFloats};
  StreamLaunch cfg;
  explicit CopyLane(int device) {
    EXPECT_EQ(stream_launch_config<float>(device, &cfg), cudaSuccess);
    GPB_CUDA_CHECK(cudaMemset(a.data(), 0, a.size_bytes()));
  }
  void enqueue(cudaStream_t s, std::int64_t ops) {
    for (std::int64_t i = 0; i < ops; ++i) {
      GPB_CUDA_CHECK(launch_stream<float>(
          StreamOp::copy, a.data(), nullptr, c.data(), 0.f, nullptr, kFloats, 1, cfg, s));
    }
  }
};

MeasurePolicy short_policy() {
  MeasurePolicy p;
  p.min_time_s = 0.05;
  p.timeout_s = 3;
  p.max_noise = 0.05;
  return p;
}

TEST(GpuDeviceSet, TwoLanesSampleTheSlowerSpan) {
  GPB_REQUIRE_GPU();
  GPB_CUDA_CHECK(cudaSetDevice(0));
  CopyLane one(0), two(0);
  Stream s1 = make_stream();
  Stream s2 = make_stream();
  CudaTimingBackend single(
      s1.get(), [&](cudaStream_t s, std::int64_t ops) { one.enqueue(s, ops); }, std::nullopt);
  single.warmup(1);
  const double alone = single.sample(4).elapsed_s;
  CudaSetTimingBackend both(
      {{0, s1.get()}, {0, s2.get()}},
      [&](std::size_t lane, cudaStream_t s, std::int64_t ops) {
        (lane == 0 ? one : two).enqueue(s, ops);
      },
      std::nullopt);
  both.warmup(1);
  const TimedSample t = both.sample(4);
  EXPECT_FALSE(t.gate_timeout);
  ASSERT_TRUE(t.sm_clock_mhz.has_value());
  EXPECT_GT(*t.sm_clock_mhz, 100.0);
  // Two copies share one GPU's memory bandwidth: the slower lane's span is at least the span of
  // one copy alone (within noise), and never more than both back to back plus a margin.
  EXPECT_GE(t.elapsed_s, 0.9 * alone) << "alone " << alone;
  EXPECT_LE(t.elapsed_s, 2.5 * alone) << "alone " << alone;
}

TEST(GpuDeviceSet, AllLocalCaseRecordsEveryDeviceAndMeasuresOnEach) {
  GPB_REQUIRE_GPU();
  const std::unique_ptr<DeviceRuntime> runtime = make_device_runtime();
  RuntimeInfo info;
  const DeviceProbe probe = runtime->probe(info);
  ASSERT_FALSE(probe.gpus.empty()) << probe.error;
  const DeviceTopology topology = probe_topology(*runtime, probe.gpus);
  CaseSpec spec;
  spec.family = "test/all_local_copy";
  spec.name = spec.family;
  spec.requires_.devices = DeviceSet::all_local;
  spec.body = [](Context& ctx) {
    std::vector<std::unique_ptr<CopyLane>> lanes;
    for (std::size_t i = 0; i < ctx.device_count(); ++i) {
      GPB_CUDA_CHECK(cudaSetDevice(ctx.device(i)));
      lanes.push_back(std::make_unique<CopyLane>(ctx.device(i)));
    }
    ctx.set_work({0, 2.0 * sizeof(float) * kFloats * static_cast<double>(lanes.size()), "copy"},
                 RateKind::bandwidth);
    ctx.measure_all(
        [&](std::size_t i, cudaStream_t s, std::int64_t ops) { lanes[i]->enqueue(s, ops); });
    ctx.verified(true, "timing only");
  };
  RunOptions options;
  options.policy = short_policy();
  CaseExecutor executor(options, *runtime, topology.gpus, nullptr, "not loaded in this test", "");
  const std::vector<Instance> instances = expand({&spec}, topology);
  ASSERT_EQ(instances.size(), 1u);
  const CaseResult r = executor.execute(instances[0]);
  EXPECT_NE(r.status, Status::error) << r.message;
  EXPECT_EQ(r.name, "test/all_local_copy/gpus=all" + std::to_string(topology.gpus.size()));
  EXPECT_EQ(r.devices.size(), topology.gpus.size());
  EXPECT_EQ(r.device_uuids.front(), topology.gpus.front().uuid);
  ASSERT_TRUE(r.headline.has_value());
  EXPECT_GT(r.headline->value, 10.0) << "GB/s over every GPU at once";
}

}  // namespace
}  // namespace gpb
