// SPDX-License-Identifier: Apache-2.0
// Host memory copy bandwidth: memcpy of S bytes split over T threads (one slice each).
// bytes per op = S (each byte copied counted once, like bandwidthTest); GB/s = S / t / 1e9.
// Runs without a GPU, so the whole run -> result file -> summary path is exercised in CI.
#include <gpb/common/fill_hash.hpp>
#include <gpb/common/parallel.hpp>
#include <gpb/models/work_models.hpp>
#include <gpb/registry.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <thread>

namespace gpb {
namespace {

struct HostCopyPoint {
  std::uint64_t size_bytes;
  unsigned threads;  // 0 = every hardware thread
  unsigned profiles;
};

std::vector<HostCopyPoint> host_copy_sweep() {
  return {{256ull << 20, 1, kQuick | kDefault | kFull},
          {256ull << 20, 0, kQuick | kDefault | kFull},
          {1ull << 30, 0, kFull}};
}

CaseDesc describe(const HostCopyPoint& p) {
  return {{{"size", std::to_string(p.size_bytes >> 20) + "MiB"},
           {"threads", p.threads == 0 ? "all" : std::to_string(p.threads)}},
          p.profiles};
}

void fill(unsigned char* p, std::uint64_t n, std::uint64_t seed) {
  parallel_for(n / 8, 0, [&](std::uint64_t begin, std::uint64_t end, unsigned) {
    for (std::uint64_t i = begin; i < end; ++i) {
      const std::uint64_t v = hash64(seed, i);
      std::memcpy(p + i * 8, &v, 8);
    }
  });
}

void run(Context& ctx, const HostCopyPoint& p) {
  const std::uint64_t n = p.size_bytes;
  const unsigned threads =
      p.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : p.threads;
  std::unique_ptr<unsigned char[]> src(new unsigned char[n]);
  std::unique_ptr<unsigned char[]> dst(new unsigned char[n]);
  fill(src.get(), n, ctx.seed());
  std::memset(dst.get(), 0, n);  // first touch outside the timed region

  ctx.set_work({0, copy_bytes(n), "S (bytes copied, counted once)"}, RateKind::bandwidth);
  ctx.set_convention(
      {"uni", "cpu", "once", "working_set_" + std::to_string((2 * n) >> 20) + "MiB"});
  ctx.set_peak_unknown("no_host_memory_peak_model");
  ctx.note("threads", std::to_string(threads));

  const auto copy_once = [&] {
    parallel_for(n, threads, [&](std::uint64_t begin, std::uint64_t end, unsigned) {
      std::memcpy(dst.get() + begin, src.get() + begin, end - begin);
    });
  };
  ctx.measure_host([&](std::int64_t ops) {
    for (std::int64_t i = 0; i < ops; ++i) {
      copy_once();
    }
  });

  if (ctx.options().verify) {
    // Fresh data for the check (MR-11): a different seed, one more copy, full comparison.
    fill(src.get(), n, ctx.seed() + 1);
    copy_once();
    const bool ok = std::memcmp(src.get(), dst.get(), n) == 0;
    ctx.verified(ok,
                 ok ? "all " + std::to_string(n) + " bytes equal the source"
                    : "destination differs from source");
  }
}

GPB_REGISTER("host/memcpy", 1, host_copy_sweep(), describe, Requires{false, 0, ""}, run);

}  // namespace
}  // namespace gpb
