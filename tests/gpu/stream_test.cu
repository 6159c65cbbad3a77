// SPDX-License-Identifier: Apache-2.0
// GPU tests of the stream kernels against a host replay, the launch gate's timeout, the clock
// probe, and the quick stream suite's results against the device's theoretical peak.
#include <gpb/common/fill_hash.hpp>
#include <gpb/cuda_check.hpp>
#include <gpb/cuda_raii.hpp>
#include <gpb/kernels/fill.cuh>
#include <gpb/kernels/stream.cuh>
#include <gpb/kernels/timing.cuh>
#include <gpb/result/schema_json.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <vector>

#include "gpu_test_util.hpp"

namespace gpb {
namespace {

template <class T>
void check_op(StreamOp op,
              int passes,
              int unroll,
              CacheHint hint,
              bool tiled = false,
              bool one_pass = false) {
  const std::size_t n = (1u << 20) + 64;  // not a multiple of the grid: tail handling
  DeviceBuffer<T> a(n), b(n), c(n);
  StreamLaunch cfg;
  GPB_CUDA_CHECK(stream_launch_config<T>(0, &cfg));
  cfg.unroll = unroll;
  cfg.hint = hint;
  cfg.tiled = tiled;
  if (one_pass) {
    cfg.blocks = stream_one_pass_blocks(n, sizeof(T), cfg);
  }
  DeviceBuffer<T> partials(static_cast<std::size_t>(cfg.blocks));
  GPB_CUDA_CHECK(launch_fill_hash<T>(a.data(), n, 11, T(0.5), nullptr));
  GPB_CUDA_CHECK(launch_fill_hash<T>(b.data(), n, 12, T(0.5), nullptr));
  GPB_CUDA_CHECK(launch_fill_hash<T>(c.data(), n, 13, T(0.5), nullptr));
  const T s = T(0.4);
  GPB_CUDA_CHECK(launch_stream<T>(
      op, a.data(), b.data(), c.data(), s, partials.data(), n, passes, cfg, nullptr));
  GPB_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<T> ha(n), hb(n), hc(n);
  GPB_CUDA_CHECK(cudaMemcpy(ha.data(), a.data(), n * sizeof(T), cudaMemcpyDeviceToHost));
  GPB_CUDA_CHECK(cudaMemcpy(hb.data(), b.data(), n * sizeof(T), cudaMemcpyDeviceToHost));
  GPB_CUDA_CHECK(cudaMemcpy(hc.data(), c.data(), n * sizeof(T), cudaMemcpyDeviceToHost));
  const double tol = 100 * std::numeric_limits<T>::epsilon();
  double dot = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const T ga = hash_value(11, i, T(0.5)), gb = hash_value(12, i, T(0.5)),
            gc = hash_value(13, i, T(0.5));
    double want = 0, got = 0;
    switch (op) {
      case StreamOp::copy:
        want = ga;
        got = hc[i];
        break;
      case StreamOp::mul:
        want = s * gc;
        got = hb[i];
        break;
      case StreamOp::add:
        want = ga + gb;
        got = hc[i];
        break;
      case StreamOp::triad:
        want = gb + s * gc;
        got = ha[i];
        break;
      case StreamOp::dot:
        dot += static_cast<double>(ga) * gb;
        continue;
    }
    ASSERT_LE(std::fabs(got - want) / want, tol) << "element " << i;
  }
  if (op == StreamOp::dot) {
    std::vector<T> hp(partials.size());
    GPB_CUDA_CHECK(
        cudaMemcpy(hp.data(), partials.data(), hp.size() * sizeof(T), cudaMemcpyDeviceToHost));
    double got = 0;
    for (T v : hp) {
      got += v;
    }
    EXPECT_NEAR(got / (dot * passes), 1.0, 1e-4);
  }
}

TEST(GpuStream, KernelsMatchHostReplay) {
  GPB_REQUIRE_GPU();
  for (StreamOp op :
       {StreamOp::copy, StreamOp::mul, StreamOp::add, StreamOp::triad, StreamOp::dot}) {
    for (int passes : {1, 3}) {
      for (int unroll : {1, 2, 4}) {
        for (CacheHint hint : {CacheHint::plain, CacheHint::evict_first, CacheHint::prefetch}) {
          SCOPED_TRACE("op " + std::to_string(static_cast<int>(op)) + " passes " +
                       std::to_string(passes) + " unroll " + std::to_string(unroll) + " hint " +
                       std::to_string(static_cast<int>(hint)));
          check_op<float>(op, passes, unroll, hint);
          check_op<double>(op, passes, unroll, hint);
        }
      }
      for (int unroll : {1, 2, 4, 8}) {
        SCOPED_TRACE("tiled, op " + std::to_string(static_cast<int>(op)) + " passes " +
                     std::to_string(passes) + " unroll " + std::to_string(unroll));
        check_op<float>(op, passes, unroll, CacheHint::plain, true);
        check_op<double>(op, passes, unroll, CacheHint::plain, true);
      }
      // The one-pass launch (the HBM default): no loop, the last block partly past the end.
      for (CacheHint hint : {CacheHint::plain, CacheHint::evict_first, CacheHint::prefetch}) {
        SCOPED_TRACE("one pass, op " + std::to_string(static_cast<int>(op)) + " hint " +
                     std::to_string(static_cast<int>(hint)));
        check_op<float>(op, passes, 1, hint, false, true);
        check_op<double>(op, passes, 1, hint, false, true);
      }
      for (int unroll : {2, 4}) {
        SCOPED_TRACE("one pass in tiles, op " + std::to_string(static_cast<int>(op)) + " unroll " +
                     std::to_string(unroll));
        check_op<float>(op, passes, unroll, CacheHint::plain, true, true);
        check_op<double>(op, passes, unroll, CacheHint::plain, true, true);
      }
    }
  }
}

TEST(GpuStream, RejectsBadLaunchShapes) {
  GPB_REQUIRE_GPU();
  StreamLaunch cfg;
  GPB_CUDA_CHECK(stream_launch_config<float>(0, &cfg));
  StreamLaunch bad_unroll = cfg;
  bad_unroll.unroll = 3;
  EXPECT_EQ(launch_stream<float>(
                StreamOp::copy, nullptr, nullptr, nullptr, 1.f, nullptr, 8, 1, bad_unroll, nullptr),
            cudaErrorInvalidValue);
  EXPECT_EQ(launch_stream<float>(
                StreamOp::copy, nullptr, nullptr, nullptr, 1.f, nullptr, 7, 1, cfg, nullptr),
            cudaErrorInvalidValue);
  StreamLaunch hinted_tiles = cfg;  // tiles are measured with plain accesses only
  hinted_tiles.tiled = true;
  hinted_tiles.hint = CacheHint::prefetch;
  EXPECT_EQ(
      launch_stream<float>(
          StreamOp::copy, nullptr, nullptr, nullptr, 1.f, nullptr, 8, 1, hinted_tiles, nullptr),
      cudaErrorInvalidValue);
}

// The bulk-copy (TMA) variant: every byte lands, including a last tile shorter than 16 KiB and
// more tiles than blocks; refused below compute capability 9.0 and for unaligned sizes.
TEST(GpuStream, BulkCopyMovesEveryByte) {
  GPB_REQUIRE_GPU();
  int major = 0;
  GPB_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0));
  const std::size_t n = (std::size_t{3} << 20) + 1234 * 4;  // floats: 12 MiB + a partial tile
  DeviceBuffer<float> src(n), dst(n);
  GPB_CUDA_CHECK(launch_fill_hash<float>(src.data(), n, 77, 0.5f, nullptr));
  GPB_CUDA_CHECK(cudaMemset(dst.data(), 0, n * sizeof(float)));
  const cudaError_t e = launch_bulk_copy(src.data(), dst.data(), n * sizeof(float), nullptr);
  if (major < 9) {
    EXPECT_EQ(e, cudaErrorNotSupported);
    return;
  }
  ASSERT_EQ(e, cudaSuccess);
  GPB_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<float> got(n);
  GPB_CUDA_CHECK(cudaMemcpy(got.data(), dst.data(), n * sizeof(float), cudaMemcpyDeviceToHost));
  std::size_t bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    bad += got[i] != hash_value(std::uint64_t{77}, i, 0.5f) ? 1 : 0;
  }
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(launch_bulk_copy(src.data(), dst.data(), 40, nullptr), cudaErrorInvalidValue);
}

TEST(GpuGate, NeverReleasedGateTimesOut) {
  GPB_REQUIRE_GPU();
  PinnedBuffer<int> flags(2);
  flags.data()[0] = 0;
  flags.data()[1] = 0;
  const auto start = std::chrono::steady_clock::now();
  GPB_CUDA_CHECK(launch_gate(&flags.data()[0], &flags.data()[1], 200'000'000ull, nullptr));
  GPB_CUDA_CHECK(cudaDeviceSynchronize());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(flags.data()[1], 1);
  EXPECT_LT(s, 1.2);  // timeout + 1 s (MR-6)
}

TEST(GpuClock, ProbeGivesPlausibleClock) {
  GPB_REQUIRE_GPU();
  PinnedBuffer<unsigned long long> out(2);
  GPB_CUDA_CHECK(launch_clock_probe(out.data(), 50'000, nullptr));
  GPB_CUDA_CHECK(cudaDeviceSynchronize());
  ASSERT_GT(out.data()[1], 0u);
  const double mhz = static_cast<double>(out.data()[0]) / static_cast<double>(out.data()[1]) * 1e3;
  EXPECT_GT(mhz, 100);
  EXPECT_LT(mhz, 4000);
}

// The real binary on the quick stream suite: every HBM case valid within 10-105 % of the
// theoretical peak (MR-13), and L2 bandwidth above HBM bandwidth (MR-5).
TEST(GpuPipeline, QuickStreamSuiteWithinPeak) {
  GPB_REQUIRE_GPU();
  const auto out = std::filesystem::temp_directory_path() / "gpb_gpu_stream.json";
  std::filesystem::remove(out);
  const std::string cmd = gpb::test::gpubench_path() +
                          " run --quick --family stream --quiet --out " + out.string() +
                          " > /dev/null";
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc)) << cmd;
  EXPECT_EQ(WEXITSTATUS(rc), 0);
  const RunRecord rec = load_run(out);
  double hbm_triad = 0, l2_triad = 0;
  for (const auto& r : rec.results) {
    SCOPED_TRACE(r.name + ": " + r.message);
    EXPECT_EQ(r.status, Status::valid);
    EXPECT_TRUE(r.verified);
    ASSERT_TRUE(r.headline.has_value());
    if (r.family == "stream/hbm") {
      ASSERT_TRUE(r.peak.fraction.has_value());
      EXPECT_GE(*r.peak.fraction, 0.10);
      EXPECT_LE(*r.peak.fraction, 1.05);
    }
    if (r.name.find("kernel=triad/dtype=f32") != std::string::npos) {
      (r.family == "stream/hbm" ? hbm_triad : l2_triad) = r.headline->value;
    }
  }
  EXPECT_GT(l2_triad, hbm_triad);
}

}  // namespace
}  // namespace gpb
