// SPDX-License-Identifier: Apache-2.0
#include <gpb/common/units.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace gpb {
namespace {
[[noreturn]] void bad(std::string_view what, std::string_view text, const char* why) {
  throw UsageError(std::string(what) + ": '" + std::string(text) + "' " + why);
}
}  // namespace

std::uint64_t parse_uint(std::string_view text, std::string_view what) {
  if (text.empty()) {
    bad(what, text, "is empty (expected a non-negative integer)");
  }
  if (text.front() == '+' || text.front() == '-') {
    bad(what, text, "must be a non-negative integer without sign");
  }
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 10);
  if (ec == std::errc::result_out_of_range) {
    bad(what, text, "is too large");
  }
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    bad(what, text, "is not a non-negative decimal integer");
  }
  return v;
}

double parse_double(std::string_view text, std::string_view what) {
  if (text.empty()) {
    bad(what, text, "is empty (expected a number)");
  }
  // strtod is locale-dependent and accepts hex/inf/nan; restrict the alphabet first.
  for (char c : text) {
    const bool ok =
        (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
    if (!ok) {
      bad(what, text, "is not a decimal number");
    }
  }
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) {
    bad(what, text, "is not a decimal number");
  }
  if (!std::isfinite(v)) {
    bad(what, text, "is out of range");
  }
  return v;
}

std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) {
    throw std::overflow_error("size arithmetic overflow");
  }
  return r;
}

std::uint64_t parse_size(std::string_view text, std::string_view what) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  if (digits == 0) {
    bad(what, text, "is not a size (expected e.g. 512M, 4GiB, 1048576)");
  }
  const std::uint64_t number = parse_uint(text.substr(0, digits), what);
  std::string_view suffix = text.substr(digits);
  if (!suffix.empty() && (suffix.back() == 'B' || suffix.back() == 'b')) {
    suffix.remove_suffix(1);
  }
  std::uint64_t scale = 1;
  if (!suffix.empty()) {
    const bool binary = suffix.size() == 2 && (suffix[1] == 'i' || suffix[1] == 'I');
    if (suffix.size() > 2 || (suffix.size() == 2 && !binary)) {
      bad(what, text, "has an unknown size suffix (use K, M, G, T, Ki, Mi, Gi, Ti)");
    }
    const std::uint64_t base = binary ? 1024 : 1000;
    int power = 0;
    switch (suffix[0]) {
      case 'k':
      case 'K':
        power = 1;
        break;
      case 'm':
      case 'M':
        power = 2;
        break;
      case 'g':
      case 'G':
        power = 3;
        break;
      case 't':
      case 'T':
        power = 4;
        break;
      default:
        bad(what, text, "has an unknown size suffix (use K, M, G, T, Ki, Mi, Gi, Ti)");
    }
    for (int i = 0; i < power; ++i) {
      scale *= base;
    }
  }
  try {
    return checked_mul(number, scale);
  } catch (const std::overflow_error&) {
    bad(what, text, "is too large");
  }
}

std::optional<double> rate(double units, double seconds, double floor_s) {
  // Zero work is a case that never declared its work model: no rate, never "0 GB/s".
  if (!std::isfinite(seconds) || !(seconds > floor_s) || !std::isfinite(units) || !(units > 0)) {
    return std::nullopt;
  }
  return units / seconds;
}

std::string format_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
  return buf;
}

}  // namespace gpb
