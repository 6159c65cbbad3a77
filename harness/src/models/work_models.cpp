// SPDX-License-Identifier: Apache-2.0
#include <gpb/models/work_models.hpp>

#include <algorithm>
#include <array>
#include <utility>

namespace gpb {
namespace {
struct StreamRow {
  StreamKernel kernel;
  std::string_view name;
  int weight;
  int flops_per_element;
};
// BabelStream src/benchmark.h weights; FLOPs as BabelStream counts them.
constexpr std::array<StreamRow, 5> kStream{{
    {StreamKernel::copy, "copy", 2, 0},
    {StreamKernel::mul, "mul", 2, 1},
    {StreamKernel::add, "add", 3, 1},
    {StreamKernel::triad, "triad", 3, 2},
    {StreamKernel::dot, "dot", 2, 2},
}};
const StreamRow& row(StreamKernel k) noexcept {
  for (const auto& r : kStream) {
    if (r.kernel == k) {
      return r;
    }
  }
  return kStream[0];
}
}  // namespace

int stream_weight(StreamKernel k) noexcept {
  return row(k).weight;
}
std::string_view to_string(StreamKernel k) noexcept {
  return row(k).name;
}

std::optional<StreamKernel> stream_kernel_from_string(std::string_view name) noexcept {
  for (const auto& r : kStream) {
    if (r.name == name) {
      return r.kernel;
    }
  }
  return std::nullopt;
}

double stream_bytes(StreamKernel k, std::uint64_t n, std::size_t elem_bytes) noexcept {
  return static_cast<double>(row(k).weight) * static_cast<double>(elem_bytes) *
         static_cast<double>(n);
}

double stream_flops(StreamKernel k, std::uint64_t n) noexcept {
  return static_cast<double>(row(k).flops_per_element) * static_cast<double>(n);
}

double gemm_flops(std::int64_t m, std::int64_t n, std::int64_t k) noexcept {
  return 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
}

double copy_bytes(std::uint64_t size_bytes) noexcept {
  return static_cast<double>(size_bytes);
}

double link_copy_bytes(std::uint64_t size_bytes, int directions, int gpus) noexcept {
  return static_cast<double>(size_bytes) * static_cast<double>(directions) *
         static_cast<double>(gpus);
}

std::vector<double> lane_rates_gbps(double bytes_per_lane,
                                    const std::vector<double>& lane_median_s) {
  std::vector<double> out;
  for (const double t : lane_median_s) {
    out.push_back(t > 0 ? bytes_per_lane / t / 1e9 : 0.0);
  }
  return out;
}

std::vector<double> group_rates_gbps(double bytes_per_lane,
                                     const std::vector<double>& lane_median_s,
                                     const std::vector<std::size_t>& lane_group,
                                     std::size_t groups) {
  if (lane_group.size() != lane_median_s.size()) {
    return {};
  }
  std::vector<double> slowest(groups, 0.0);
  std::vector<int> lanes(groups, 0);
  std::vector<bool> untimed(groups, false);  // a lane without a time: the group has no rate
  for (std::size_t l = 0; l < lane_group.size(); ++l) {
    if (lane_group[l] >= groups) {
      return {};
    }
    slowest[lane_group[l]] = std::max(slowest[lane_group[l]], lane_median_s[l]);
    untimed[lane_group[l]] = untimed[lane_group[l]] || !(lane_median_s[l] > 0);
    ++lanes[lane_group[l]];
  }
  std::vector<double> out(groups, 0.0);
  for (std::size_t g = 0; g < groups; ++g) {
    if (slowest[g] > 0 && !untimed[g]) {
      out[g] = bytes_per_lane * lanes[g] / slowest[g] / 1e9;
    }
  }
  return out;
}

}  // namespace gpb
