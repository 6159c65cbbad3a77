// SPDX-License-Identifier: Apache-2.0
// Metric roles: the buyer-facing quantity a number of a case measures (sustained dense GEMM
// per dtype, HBM triad, host<->device, peer, all-reduce bus bandwidth, ...). A case declares
// the role of each number it produces; `report` selects numbers by role only, never by family
// prefixes, name tokens or note keys. In a result file a role is one string, "kind" or
// "kind:dtype" (schema 1.2); files written before carry none and are mapped once, in the
// loader (assign_legacy_roles).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gpb {

struct CaseResult;

/// A sustained GEMM window this long or longer (timed seconds) is the full window MR-8 asks
/// for (2 s, allowing for the last sub-window's rounding); shorter ones are the quick
/// profile's short window.
inline constexpr double kFullSustainedWindowS = 1.9;

enum class RoleKind {
  none,
  gemm_dense_sustained,        ///< dense GEMM held over the full sustained window (per dtype)
  gemm_dense_sustained_short,  ///< the same over a shorter window (quick profile)
  gemm_dense_burst,            ///< dense GEMM over short samples (per dtype)
  hbm_triad,                   ///< device memory bandwidth, BabelStream triad (f32)
  h2d,                         ///< host to one GPU, pinned memory, copy engine
  d2h,                         ///< one GPU to host, pinned memory, copy engine
  h2d_d2h_bidirectional,       ///< both directions at once, total of both
  peer_unidirectional,         ///< one GPU to another, one direction
  peer_bidirectional,          ///< between two GPUs, both directions at once, total
  all_gpus_to_host,            ///< every GPU to host at once, aggregate
  host_to_all_gpus,            ///< host to every GPU at once, aggregate
  all_reduce_busbw,            ///< NCCL all-reduce bus bandwidth (nccl-tests' busbw)
};

struct MetricRole {
  RoleKind kind = RoleKind::none;
  std::string dtype;  ///< for the GEMM kinds: the data type ("bf16", "fp8_e4m3", ...)

  bool operator==(const MetricRole& o) const { return kind == o.kind && dtype == o.dtype; }
  bool operator!=(const MetricRole& o) const { return !(*this == o); }
};

/// True for kinds that name a data type ("gemm_dense_sustained:bf16").
bool role_needs_dtype(RoleKind kind) noexcept;
/// "" for none, "hbm_triad", "gemm_dense_burst:bf16".
std::string to_string(const MetricRole& role);
/// The inverse of to_string; nullopt for an unknown kind, a missing or unexpected dtype, or a
/// dtype outside [a-z0-9_].
std::optional<MetricRole> parse_metric_role(std::string_view text);

/// Files before schema 1.2 carry no roles: gives the headline and metrics of `c` the roles
/// its case declares now, from its family, parameters and notes (the one place those strings
/// still mean something). Roles already set are kept.
void assign_legacy_roles(CaseResult& c);

}  // namespace gpb
