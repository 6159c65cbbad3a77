// SPDX-License-Identifier: Apache-2.0
// Byte and FLOP models (METHODOLOGY §2). One constexpr table per concept; each formula tested.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

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

}  // namespace gpb
