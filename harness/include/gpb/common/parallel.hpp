// SPDX-License-Identifier: Apache-2.0
// A minimal parallel loop for host-side verification and host benchmarks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace gpb {

/// Calls fn(begin, end, worker) on `workers` contiguous slices of [0, n). workers = 0 uses every
/// hardware thread. Returns after all slices finish.
template <class Fn>
void parallel_for(std::uint64_t n, unsigned workers, Fn&& fn) {
  if (workers == 0) {
    workers = std::max(1u, std::thread::hardware_concurrency());
  }
  workers = static_cast<unsigned>(std::min<std::uint64_t>(workers, std::max<std::uint64_t>(1, n)));
  std::vector<std::thread> threads;
  const std::uint64_t per = (n + workers - 1) / workers;
  for (unsigned w = 0; w < workers; ++w) {
    const std::uint64_t begin = std::min(n, per * w);
    const std::uint64_t end = std::min(n, begin + per);
    threads.emplace_back([&fn, begin, end, w] { fn(begin, end, w); });
  }
  for (auto& t : threads) {
    t.join();
  }
}

}  // namespace gpb
