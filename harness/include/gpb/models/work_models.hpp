// SPDX-License-Identifier: Apache-2.0
// Byte and FLOP models (METHODOLOGY §2). One constexpr table per concept; each formula tested.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace gpb {

/// BabelStream kernels (METHODOLOGY §2.3).
enum class StreamKernel { copy, mul, add, triad, dot };

/// Arrays touched per element: copy c=a (2), mul b=s*c (2), add c=a+b (3), triad a=b+s*c (3),
/// dot sum(a*b) (2). Same weights as BabelStream, so results compare one to one.
int stream_weight(StreamKernel k) noexcept;
std::string_view to_string(StreamKernel k) noexcept;
std::optional<StreamKernel> stream_kernel_from_string(std::string_view name) noexcept;
/// Bytes one kernel pass moves: weight * elem_bytes * n.
double stream_bytes(StreamKernel k, std::uint64_t n, std::size_t elem_bytes) noexcept;
/// FLOPs of one pass (mul 1, add 1, triad 2, dot 2 per element; copy 0).
double stream_flops(StreamKernel k, std::uint64_t n) noexcept;

/// 2*M*N*K (METHODOLOGY §2.2).
double gemm_flops(std::int64_t m, std::int64_t n, std::int64_t k) noexcept;

/// Host copy counts each byte once (a copy of S bytes moved S bytes), like bandwidthTest.
double copy_bytes(std::uint64_t size_bytes) noexcept;

/// Bytes of one op of a link copy (METHODOLOGY §2.5): S in each of `directions` (1 or 2)
/// directions on each of `gpus` GPUs, each byte counted once: S, 2S, N x S, 2 x N x S.
double link_copy_bytes(std::uint64_t size_bytes, int directions, int gpus) noexcept;

/// Each lane's own rate in GB/s, `bytes_per_lane` over its median seconds per op (a direction
/// of a bidirectional copy while the other runs); 0 for a lane without a time.
std::vector<double> lane_rates_gbps(double bytes_per_lane,
                                    const std::vector<double>& lane_median_s);

/// The rate of each group of lanes (a GPU's lanes in an all-GPU copy): the group's bytes over
/// its slowest lane, `lane_group[l]` naming lane l's group among `groups`; 0 for a group with
/// an untimed lane. Empty when the two lane lists differ in length or a group is out of range.
std::vector<double> group_rates_gbps(double bytes_per_lane,
                                     const std::vector<double>& lane_median_s,
                                     const std::vector<std::size_t>& lane_group,
                                     std::size_t groups);

}  // namespace gpb
