// SPDX-License-Identifier: Apache-2.0
// One way to name enum values in files and messages: a constexpr table of (value, name) pairs
// and two lookups, so each enum's names are written once and read back the same way.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace gpb {

template <class E, std::size_t N>
using EnumNames = std::array<std::pair<E, std::string_view>, N>;

/// The name of `value`, or `fallback` when the table lacks it.
template <class E, std::size_t N>
constexpr std::string_view name_of(const EnumNames<E, N>& names,
                                   E value,
                                   std::string_view fallback) noexcept {
  for (const auto& [v, name] : names) {
    if (v == value) {
      return name;
    }
  }
  return fallback;
}

/// The value named `name`; nullopt for a name the table lacks.
template <class E, std::size_t N>
constexpr std::optional<E> value_of(const EnumNames<E, N>& names, std::string_view name) noexcept {
  for (const auto& [v, n] : names) {
    if (n == name) {
      return v;
    }
  }
  return std::nullopt;
}

}  // namespace gpb
