// SPDX-License-Identifier: Apache-2.0
#include <gpb/common/enum_names.hpp>
#include <gpb/result/metric_role.hpp>
#include <gpb/result/schema.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <utility>

namespace gpb {
namespace {

constexpr EnumNames<RoleKind, 13> kRoleNames{{
    {RoleKind::none, ""},
    {RoleKind::gemm_dense_sustained, "gemm_dense_sustained"},
    {RoleKind::gemm_dense_sustained_short, "gemm_dense_sustained_short"},
    {RoleKind::gemm_dense_burst, "gemm_dense_burst"},
    {RoleKind::hbm_triad, "hbm_triad"},
    {RoleKind::h2d, "h2d"},
    {RoleKind::d2h, "d2h"},
    {RoleKind::h2d_d2h_bidirectional, "h2d_d2h_bidirectional"},
    {RoleKind::peer_unidirectional, "peer_unidirectional"},
    {RoleKind::peer_bidirectional, "peer_bidirectional"},
    {RoleKind::all_gpus_to_host, "all_gpus_to_host"},
    {RoleKind::host_to_all_gpus, "host_to_all_gpus"},
    {RoleKind::all_reduce_busbw, "all_reduce_busbw"},
}};

bool dtype_ok(std::string_view d) {
  return !d.empty() && d.size() <= 32 && std::all_of(d.begin(), d.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
}

// ---- the mapping of files written before roles --------------------------------------------

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

/// The first segment of a case name `found` accepts (split at '/'), or nullopt.
template <class Found>
auto find_segment(const std::string& name, Found found) -> decltype(found(std::string_view())) {
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t slash = std::min(name.find('/', start), name.size());
    if (auto hit = found(std::string_view(name.data() + start, slash - start))) {
      return hit;
    }
    start = slash + 1;
  }
  return {};
}

/// The case's parameter `key`, from params or, in older or hand-made files, from the name.
std::optional<std::string> legacy_param(const CaseResult& c, std::string_view key) {
  for (const auto& [k, v] : c.params) {
    if (k == key) {
      return v;
    }
  }
  return find_segment(c.name, [&](std::string_view seg) -> std::optional<std::string> {
    const std::size_t eq = seg.find('=');
    if (eq != std::string_view::npos && seg.substr(0, eq) == key) {
      return std::string(seg.substr(eq + 1));
    }
    return std::nullopt;
  });
}

/// A name segment equal to `token`, or a k=v segment whose value is `token`.
bool legacy_token(const CaseResult& c, std::string_view token) {
  return find_segment(
             c.name,
             [&](std::string_view seg) -> std::optional<bool> {
               const std::size_t eq = seg.find('=');
               if (seg == token || (eq != std::string_view::npos && seg.substr(eq + 1) == token)) {
                 return true;
               }
               return std::nullopt;
             })
      .value_or(false);
}

void set_if_none(Metric& m, RoleKind kind, const std::string& dtype = "") {
  if (m.role.kind == RoleKind::none) {
    m.role = MetricRole{kind, dtype};
  }
}

void legacy_gemm_roles(CaseResult& c) {
  const auto dtype = legacy_param(c, "dtype");
  if (!dtype || !dtype_ok(*dtype)) {
    return;
  }
  for (Metric& m : c.metrics) {
    if (m.name == "throughput_sustained" && m.unit == "TFLOP/s") {
      // The window the case held: >= 2 s in the default profile, 0.5 s in the quick one.
      const auto w = c.notes.find("sustained_window_s");
      const bool full = w != c.notes.end() && std::atof(w->second.c_str()) >= kFullSustainedWindowS;
      set_if_none(
          m, full ? RoleKind::gemm_dense_sustained : RoleKind::gemm_dense_sustained_short, *dtype);
      if (const auto s = c.notes.find("sustained_steady"); s != c.notes.end() && !m.steady) {
        if (s->second == "true" || s->second == "false") {
          m.steady = s->second == "true";
        }
      }
    }
  }
  if (c.headline && c.headline->unit == "TFLOP/s") {
    set_if_none(*c.headline, RoleKind::gemm_dense_burst, *dtype);
  }
}

}  // namespace

bool role_needs_dtype(RoleKind kind) noexcept {
  return kind == RoleKind::gemm_dense_sustained || kind == RoleKind::gemm_dense_sustained_short ||
         kind == RoleKind::gemm_dense_burst;
}

std::string to_string(const MetricRole& role) {
  const std::string name(name_of(kRoleNames, role.kind, ""));
  return role_needs_dtype(role.kind) ? name + ":" + role.dtype : name;
}

std::optional<MetricRole> parse_metric_role(std::string_view text) {
  const std::size_t colon = text.find(':');
  const auto kind = value_of(kRoleNames, text.substr(0, colon));
  if (!kind || *kind == RoleKind::none) {
    return std::nullopt;
  }
  if (!role_needs_dtype(*kind)) {
    return colon == std::string_view::npos ? std::optional<MetricRole>(MetricRole{*kind, ""})
                                           : std::nullopt;
  }
  if (colon == std::string_view::npos || !dtype_ok(text.substr(colon + 1))) {
    return std::nullopt;
  }
  return MetricRole{*kind, std::string(text.substr(colon + 1))};
}

void assign_legacy_roles(CaseResult& c) {
  const std::string& f = c.family;
  if (f == "gemm" || starts_with(f, "gemm/") || starts_with(c.name, "gemm/")) {
    legacy_gemm_roles(c);
    return;
  }
  if (f == "host" || starts_with(f, "host/")) {
    return;
  }
  if ((f == "stream/hbm" || starts_with(c.name, "stream/hbm/")) &&
      legacy_param(c, "kernel").value_or("") == "triad" &&
      legacy_param(c, "dtype").value_or("") == "f32") {
    if (c.headline && c.headline->unit == "GB/s") {
      set_if_none(*c.headline, RoleKind::hbm_triad);
    }
    return;
  }
  if (legacy_token(c, "all_reduce") || legacy_token(c, "allreduce")) {
    for (Metric& m : c.metrics) {
      if (m.name == "busbw" && m.unit == "GB/s") {
        set_if_none(m, RoleKind::all_reduce_busbw);
        return;
      }
    }
    if (c.headline && c.headline->name == "busbw" && c.headline->unit == "GB/s") {
      set_if_none(*c.headline, RoleKind::all_reduce_busbw);
    }
    return;
  }
  const bool h2d = legacy_token(c, "h2d");
  const bool d2h = legacy_token(c, "d2h");
  if (h2d != d2h && c.headline && c.headline->unit == "GB/s" &&
      legacy_param(c, "memory").value_or("pinned") == "pinned") {
    set_if_none(*c.headline, h2d ? RoleKind::h2d : RoleKind::d2h);
  }
}

}  // namespace gpb
