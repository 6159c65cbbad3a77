// SPDX-License-Identifier: Apache-2.0
// Private to the price data code (prices.cpp, aliases.cpp): the message and validation helpers
// both the price table and the alias table use.
#pragma once

#include <string>
#include <string_view>

namespace gpb::prices_detail {

/// True when `s` holds an ASCII control character (below 0x20, or DEL).
bool has_control_char(std::string_view s);

/// `v` with up to 6 significant digits, for an error message.
std::string number_for_message(double v);

}  // namespace gpb::prices_detail
