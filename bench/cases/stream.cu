// SPDX-License-Identifier: Apache-2.0
// Device memory bandwidth with BabelStream's kernels (copy, mul, add, triad, dot) in f32/f64.
// bytes per op = weight * sizeof(T) * N * passes (METHODOLOGY §2.3); GB/s = bytes / t / 1e9.
// stream/hbm: each array >= max(1-4 GiB, 4*L2/3), so the working set is >= 4x L2 (MR-5).
// stream/l2: all three arrays <= L2/2, several passes per launch; labelled L2 bandwidth.
#include <gpb/common/fill_hash.hpp>
#include <gpb/common/parallel.hpp>
#include <gpb/cuda_check.hpp>
#include <gpb/cuda_raii.hpp>
#include <gpb/kernels/fill.cuh>
#include <gpb/kernels/stream.cuh>
#include <gpb/models/planner.hpp>
#include <gpb/models/work_models.hpp>
#include <gpb/registry.hpp>

#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

namespace gpb {
namespace {

// Launch shape of the stream/hbm and stream/l2 cases; stream/variant measures the others.
// On an H200 (2026-11-26, 4 GiB arrays) unroll 1 was best: copy 3968 vs 3955 (2) and 3897 (4)
// GB/s, triad 4168 vs 4059 (2) and 4160 (4); the evict-first hint changed nothing (< 0.3 %).
// The 2026-11-27 H200 run settled the layout: one vector per thread over as many blocks as
// that takes (BabelStream's launch) gave copy 4285 and triad 4384 GB/s against 3975 and 4130
// for the resident grid-stride grid, level with the driver's own copy (cudaMemcpyAsync, 4291)
// and above PyTorch (copy_ 4133, add triad 4275); the L2 prefetch hint (3880/3914), block
// tiles (<= 3892/4105) and the bulk-copy unit (3917) were all slower. So the HBM elementwise
// kernels use it; dot keeps the grid (93.6 % already, one partial per block) and so do the L2
// cases (several passes per launch, measured on the grid).
constexpr int kDefaultUnroll = 1;
constexpr CacheHint kDefaultHint = CacheHint::plain;

struct StreamPoint {
  StreamTarget target;
  StreamKernel kernel;
  bool f64;
  unsigned profiles;
  int unroll = kDefaultUnroll;
  CacheHint hint = kDefaultHint;
  bool variant = false;        // part of stream/variant (names carry unroll, hint and layout)
  bool tiled = false;          // block-owned tiles (kernels/stream.cuh StreamLaunch::tiled)
  bool one_pass_grid = false;  // one vector per thread, as many blocks as that takes (BabelStream)
  // copy through cudaMemcpyAsync (device to device) instead of our kernel: the driver's own
  // copy is the bar our copy kernel has to reach on this card (PyTorch's copy_ is this call).
  bool driver_memcpy = false;
  // copy through the Hopper bulk-copy (TMA) unit (kernels/stream.cuh launch_bulk_copy), CC >= 9.0.
  bool bulk_copy = false;
};

std::vector<StreamPoint> stream_sweep() {
  std::vector<StreamPoint> points;
  for (StreamKernel k : {StreamKernel::copy,
                         StreamKernel::mul,
                         StreamKernel::add,
                         StreamKernel::triad,
                         StreamKernel::dot}) {
    for (bool f64 : {false, true}) {
      StreamPoint p{StreamTarget::hbm, k, f64, kAllProfiles};
      p.one_pass_grid = k != StreamKernel::dot;
      points.push_back(p);
    }
  }
  for (StreamKernel k : {StreamKernel::copy, StreamKernel::triad}) {
    points.push_back({StreamTarget::l2, k, false, kAllProfiles});
  }
  points.push_back({StreamTarget::l2, StreamKernel::dot, false, kDefault | kFull});
  return points;
}

// Launch-shape variants of the HBM kernels (full profile): the evidence for the defaults above.
std::vector<StreamPoint> variant_sweep() {
  struct Shape {
    int unroll;
    CacheHint hint;
    bool tiled;
    bool one_pass_grid;
  };
  constexpr CacheHint plain = CacheHint::plain;
  const Shape shapes[] = {{1, plain, false, false},
                          {2, plain, false, false},
                          {4, plain, false, false},
                          {1, CacheHint::evict_first, false, false},
                          {1, CacheHint::prefetch, false, false},
                          {2, CacheHint::prefetch, false, false},
                          {4, CacheHint::prefetch, false, false},
                          {2, plain, true, false},
                          {4, plain, true, false},
                          {8, plain, true, false},
                          {1, plain, false, true},
                          {1, CacheHint::evict_first, false, true},
                          {1, CacheHint::prefetch, false, true},
                          {2, plain, true, true},
                          {4, plain, true, true}};
  std::vector<StreamPoint> points;
  for (StreamKernel k : {StreamKernel::copy, StreamKernel::triad}) {
    for (const Shape& sh : shapes) {
      StreamPoint p{StreamTarget::hbm, k, false, kFull, sh.unroll, sh.hint, true};
      p.tiled = sh.tiled;
      p.one_pass_grid = sh.one_pass_grid;
      points.push_back(p);
    }
  }
  StreamPoint memcpy_point{
      StreamTarget::hbm, StreamKernel::copy, false, kFull, 1, CacheHint::plain, true};
  memcpy_point.driver_memcpy = true;
  points.push_back(memcpy_point);
  StreamPoint bulk_point = memcpy_point;
  bulk_point.driver_memcpy = false;
  bulk_point.bulk_copy = true;
  points.push_back(bulk_point);
  return points;
}

const char* hint_name(CacheHint h) {
  switch (h) {
    case CacheHint::evict_first:
      return "cs";
    case CacheHint::prefetch:
      return "prefetch";
    case CacheHint::plain:
      break;
  }
  return "plain";
}

const char* layout_name(const StreamPoint& p) {
  if (p.one_pass_grid) {
    return p.tiled ? "onepass-tile" : "onepass";
  }
  return p.tiled ? "tile" : "grid";
}

CaseDesc describe(const StreamPoint& p) {
  CaseDesc d{{{"kernel", std::string(to_string(p.kernel))}, {"dtype", p.f64 ? "f64" : "f32"}},
             p.profiles};
  if (p.driver_memcpy || p.bulk_copy) {
    d.params.emplace_back("layout", p.driver_memcpy ? "memcpy" : "bulk");
  } else if (p.variant) {
    d.params.emplace_back("unroll", std::to_string(p.unroll));
    d.params.emplace_back("hint", hint_name(p.hint));
    d.params.emplace_back("layout", layout_name(p));
  }
  return d;
}

StreamOp to_op(StreamKernel k) {
  switch (k) {
    case StreamKernel::copy:
      return StreamOp::copy;
    case StreamKernel::mul:
      return StreamOp::mul;
    case StreamKernel::add:
      return StreamOp::add;
    case StreamKernel::triad:
      return StreamOp::triad;
    case StreamKernel::dot:
      break;
  }
  return StreamOp::dot;
}

constexpr double kScalar = 0.4;  // BabelStream's startScalar
constexpr float kLow = 0.5f;     // inputs uniform in [0.5, 1.5): no cancellation in the check

struct Seeds {
  std::uint64_t a, b, c;
};
Seeds seeds_from(std::uint64_t base) {
  return {base * 3 + 1, base * 3 + 2, base * 3 + 3};
}

template <class T>
void fill_arrays(T* a, T* b, T* c, std::size_t n, Seeds s, cudaStream_t stream) {
  GPB_CUDA_CHECK(launch_fill_hash<T>(a, n, s.a, static_cast<T>(kLow), stream));
  GPB_CUDA_CHECK(launch_fill_hash<T>(b, n, s.b, static_cast<T>(kLow), stream));
  GPB_CUDA_CHECK(launch_fill_hash<T>(c, n, s.c, static_cast<T>(kLow), stream));
}

/// Host replay of one op on element i (the inputs are re-generated from their seeds).
template <class T>
T expected_element(StreamKernel k, std::uint64_t i, Seeds s) {
  const T a = hash_value(s.a, i, static_cast<T>(kLow));
  const T b = hash_value(s.b, i, static_cast<T>(kLow));
  const T c = hash_value(s.c, i, static_cast<T>(kLow));
  const T scalar = static_cast<T>(kScalar);
  switch (k) {
    case StreamKernel::copy:
      return a;  // c = a
    case StreamKernel::mul:
      return scalar * c;  // b = s*c
    case StreamKernel::add:
      return a + b;  // c = a + b
    case StreamKernel::triad:
      return b + scalar * c;  // a = b + s*c
    case StreamKernel::dot:
      break;
  }
  return a * b;
}

/// Which array the op writes (the one to check).
template <class T>
T* output_of(StreamKernel k, T* a, T* b, T* c) {
  switch (k) {
    case StreamKernel::copy:
    case StreamKernel::add:
      return c;
    case StreamKernel::mul:
      return b;
    default:
      return a;
  }
}

template <class T>
void verify(Context& ctx,
            StreamKernel k,
            T* a,
            T* b,
            T* c,
            T* partials,
            int blocks,
            std::size_t n,
            int passes,
            const std::function<void(cudaStream_t)>& launch_once) {
  const Seeds s = seeds_from(ctx.seed() + 1000);  // fresh data, same configuration (MR-11)
  cudaStream_t stream = ctx.stream();
  fill_arrays(a, b, c, n, s, stream);
  launch_once(stream);
  GPB_CUDA_CHECK(cudaStreamSynchronize(stream));
  const double eps = std::numeric_limits<T>::epsilon();
  std::ostringstream detail;
  if (k == StreamKernel::dot) {
    std::vector<T> host_partials(static_cast<std::size_t>(blocks));
    GPB_CUDA_CHECK(cudaMemcpy(
        host_partials.data(), partials, sizeof(T) * host_partials.size(), cudaMemcpyDeviceToHost));
    double got = 0;
    for (T v : host_partials) {
      got += static_cast<double>(v);
    }
    // One slot per worker: parallel_for(…, 0, …) uses at most hardware_concurrency() workers.
    std::vector<double> sums(std::max(1u, std::thread::hardware_concurrency()), 0.0);
    parallel_for(n, 0, [&](std::uint64_t begin, std::uint64_t end, unsigned w) {
      double sum = 0;
      for (std::uint64_t i = begin; i < end; ++i) {
        sum += static_cast<double>(expected_element<T>(k, i, s));
      }
      sums[w] = sum;
    });
    double want = 0;
    for (double v : sums) {
      want += v;
    }
    want *= passes;
    // MR-10 allows 1e7*eps for dot; cap at 1e-4 so an f32 check still means something.
    const double tol = std::min(1e7 * eps, 1e-4);
    const double rel = std::fabs(got - want) / std::fabs(want);
    const bool ok = rel <= tol;  // false for NaN
    detail << "dot " << got << " vs host replay " << want << ", rel err " << rel << " (tol " << tol
           << ")";
    ctx.verified(ok, detail.str());
    return;
  }
  std::unique_ptr<T[]> host(new T[n]);
  GPB_CUDA_CHECK(
      cudaMemcpy(host.get(), output_of(k, a, b, c), sizeof(T) * n, cudaMemcpyDeviceToHost));
  const double tol = 100 * eps;  // MR-10: host replay at 100 eps relative
  std::atomic<std::uint64_t> bad{0};
  std::mutex worst_mutex;
  double worst = 0;
  std::uint64_t worst_i = 0;
  parallel_for(n, 0, [&](std::uint64_t begin, std::uint64_t end, unsigned) {
    double local_worst = 0;
    std::uint64_t local_i = begin;
    std::uint64_t local_bad = 0;
    for (std::uint64_t i = begin; i < end; ++i) {
      const double want = static_cast<double>(expected_element<T>(k, i, s));
      const double rel = std::fabs(static_cast<double>(host[i]) - want) / std::fabs(want);
      if (!(rel <= tol)) {
        ++local_bad;
      }
      if (!(rel <= local_worst)) {
        local_worst = std::isnan(rel) ? std::numeric_limits<double>::infinity() : rel;
        local_i = i;
      }
    }
    bad += local_bad;
    std::lock_guard<std::mutex> lock(worst_mutex);
    if (local_worst > worst) {
      worst = local_worst;
      worst_i = local_i;
    }
  });
  detail << "all " << n << " elements vs host replay: " << bad.load() << " over tol " << tol
         << ", worst rel err " << worst << " at " << worst_i;
  ctx.verified(bad.load() == 0, detail.str());
}

template <class T>
void run_typed(Context& ctx, const StreamPoint& p) {
  const GpuInfo& gpu = ctx.gpu();
  if (p.bulk_copy && gpu.cc_major < 9) {
    ctx.skip(Status::not_supported,
             "compute_capability_below_90",
             "the bulk-copy (TMA) unit needs compute capability 9.0");
  }
  const std::size_t width = 16 / sizeof(T);
  const std::uint64_t min_array_bytes = ctx.profile() == Profile::quick  ? (1ull << 30)
                                        : ctx.profile() == Profile::full ? (4ull << 30)
                                                                         : (2ull << 30);
  const auto plan = plan_stream(p.target, gpu.l2_bytes, sizeof(T), 3, min_array_bytes, width);
  if (!plan) {
    ctx.skip(Status::not_supported, "l2_size_unknown", "the device reports no L2 size");
  }
  StreamLaunch cfg;
  GPB_CUDA_CHECK(stream_launch_config<T>(ctx.device(), &cfg));
  cfg.unroll = p.unroll;
  cfg.hint = p.hint;
  cfg.tiled = p.tiled;
  if (p.one_pass_grid) {
    cfg.blocks = stream_one_pass_blocks(plan->elements, sizeof(T), cfg);
  }
  ctx.require_device_bytes(plan->working_set_bytes +
                           sizeof(T) * static_cast<std::uint64_t>(cfg.blocks));

  const std::size_t n = plan->elements;
  DeviceBuffer<T> a(n), b(n), c(n), partials(static_cast<std::size_t>(cfg.blocks));
  fill_arrays(a.data(), b.data(), c.data(), n, seeds_from(ctx.seed()), ctx.stream());

  const double bytes = stream_bytes(p.kernel, n, sizeof(T)) * plan->passes;
  std::ostringstream model;
  model << stream_weight(p.kernel) << " * " << sizeof(T) << " B * N (" << n << ")";
  if (plan->passes > 1) {
    model << " * passes (" << plan->passes << ")";
  }
  ctx.set_work({stream_flops(p.kernel, n) * plan->passes, bytes, model.str()}, RateKind::bandwidth);
  if (p.target == StreamTarget::hbm && !p.variant && p.kernel == StreamKernel::triad && !p.f64) {
    ctx.set_headline_role({RoleKind::hbm_triad, ""});  // the device-memory headline (f32 triad)
  }
  ctx.set_convention({"uni",
                      p.driver_memcpy ? "driver" : "sm",
                      "stream_weights",
                      p.target == StreamTarget::hbm ? "working_set_over_4x_l2" : "l2_resident"});
  if (p.target == StreamTarget::hbm && gpu.memory_bandwidth_peak_gbps) {
    ctx.set_peak(
        *gpu.memory_bandwidth_peak_gbps,
        "2 x max memory clock x bus width / 8 (cudaDevAttrMemoryClockRate, memoryBusWidth)");
  } else {
    ctx.set_peak_unknown(p.target == StreamTarget::l2 ? "no_l2_bandwidth_model"
                                                      : "memory_clock_unknown");
  }
  ctx.note("elements_per_array", std::to_string(n));
  ctx.note("bytes_per_array", std::to_string(plan->bytes_per_array));
  ctx.note("passes_per_launch", std::to_string(plan->passes));
  if (p.driver_memcpy) {
    ctx.note("layout", "memcpy (cudaMemcpyAsync device to device, the driver's copy)");
  } else if (p.bulk_copy) {
    ctx.note("layout", "bulk (TMA cp.async.bulk, 16 KiB tiles, 4 stages, 3 blocks per SM)");
  } else {
    ctx.note("grid", std::to_string(cfg.blocks) + "x" + std::to_string(cfg.threads));
    ctx.note("unroll", std::to_string(cfg.unroll));
    ctx.note("cache_hint",
             cfg.hint == CacheHint::evict_first ? "cs (evict-first)"
             : cfg.hint == CacheHint::prefetch  ? "nc + L2::256B prefetch on loads"
                                                : "plain");
    ctx.note("layout",
             std::string(layout_name(p)) + (p.one_pass_grid
                                                ? " (unroll vectors per thread, one pass, no loop)"
                                            : cfg.tiled ? " (block-owned tiles, resident grid)"
                                                        : " (grid-stride, resident grid)"));
  }

  T* pa = a.data();
  T* pb = b.data();
  T* pc = c.data();
  T* pp = partials.data();
  const StreamOp op = to_op(p.kernel);
  const int passes = plan->passes;
  const bool driver_memcpy = p.driver_memcpy;
  const bool bulk_copy = p.bulk_copy;
  const auto launch_once = [=](cudaStream_t s) {
    if (driver_memcpy) {
      for (int i = 0; i < passes; ++i) {
        GPB_CUDA_CHECK(cudaMemcpyAsync(pc, pa, sizeof(T) * n, cudaMemcpyDeviceToDevice, s));
      }
    } else if (bulk_copy) {
      for (int i = 0; i < passes; ++i) {
        GPB_CUDA_CHECK(launch_bulk_copy(pa, pc, sizeof(T) * n, s));
      }
    } else {
      GPB_CUDA_CHECK(
          launch_stream<T>(op, pa, pb, pc, static_cast<T>(kScalar), pp, n, passes, cfg, s));
    }
  };
  ctx.measure([=](cudaStream_t s, std::int64_t ops) {
    for (std::int64_t i = 0; i < ops; ++i) {
      launch_once(s);
    }
  });
  if (ctx.options().verify) {
    verify<T>(ctx, p.kernel, pa, pb, pc, pp, cfg.blocks, n, passes, launch_once);
  }
}

void run(Context& ctx, const StreamPoint& p) {
  if (p.f64) {
    run_typed<double>(ctx, p);
  } else {
    run_typed<float>(ctx, p);
  }
}

std::vector<StreamPoint> only(StreamTarget t) {
  std::vector<StreamPoint> out;
  for (const auto& p : stream_sweep()) {
    if (p.target == t) {
      out.push_back(p);
    }
  }
  return out;
}

GPB_REGISTER("stream/hbm", 2, only(StreamTarget::hbm), describe, Requires{}, run);
GPB_REGISTER("stream/l2", 1, only(StreamTarget::l2), describe, Requires{}, run);
GPB_REGISTER("stream/variant", 1, variant_sweep(), describe, Requires{}, run);

}  // namespace
}  // namespace gpb
