// SPDX-License-Identifier: Apache-2.0
// Strict parsing of user-typed numbers and sizes (IN-1) and rates (MR-1, §2.1).
// Throughput is decimal (GB = 1e9, TFLOP = 1e12); binary suffixes only in sizes users type.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gpb {

/// A malformed value typed by the user; what() is one line naming the problem.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Non-negative integer in decimal, whole string consumed ("0x10", "1e3", "-1", "" rejected).
/// `what` names the flag in the message.
std::uint64_t parse_uint(std::string_view text, std::string_view what);
/// Finite double, whole string consumed, no locale ("1,5" rejected).
double parse_double(std::string_view text, std::string_view what);
/// Byte size: an integer with an optional suffix K M G T (decimal) or Ki Mi Gi Ti (binary),
/// an optional trailing B. Overflow-checked; fractions ("1.5M") rejected.
std::uint64_t parse_size(std::string_view text, std::string_view what);

/// units / seconds, or nullopt when seconds is not finite or <= floor (MR-1), or units <= 0.
std::optional<double> rate(double units, double seconds, double floor_s = 2e-6);

/// Checked multiplication for size math (MR-14); throws std::overflow_error.
std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b);

/// "1.50 GiB"-style text for sizes in messages.
std::string format_bytes(std::uint64_t bytes);

}  // namespace gpb
