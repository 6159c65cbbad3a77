// SPDX-License-Identifier: Apache-2.0
// Small text helpers every part of gpubench shares (one definition each).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gpb {

/// The parts with `sep` between them ("" for none).
std::string join(const std::vector<std::string>& parts, std::string_view sep);

/// Length (1 to 4) of the well-formed UTF-8 sequence `s` starts with, or 0 when it starts with
/// none (or is empty). Well-formed is RFC 3629: no overlong forms, no UTF-16 surrogates
/// (U+D800..U+DFFF), nothing above U+10FFFF. The one definition of valid UTF-8 in gpubench.
std::size_t utf8_sequence_length(std::string_view s) noexcept;

/// Offset of the first byte that does not start a well-formed UTF-8 sequence (see
/// utf8_sequence_length), or std::string_view::npos when all of `s` is well-formed.
std::size_t first_invalid_utf8(std::string_view s) noexcept;

}  // namespace gpb
