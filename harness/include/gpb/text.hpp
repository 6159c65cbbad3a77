// SPDX-License-Identifier: Apache-2.0
// Small text helpers every part of gpubench shares (one definition each).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gpb {

/// The parts with `sep` between them ("" for none).
std::string join(const std::vector<std::string>& parts, std::string_view sep);

}  // namespace gpb
