// SPDX-License-Identifier: Apache-2.0
#include <gpb/common/text.hpp>

namespace gpb {

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out += sep;
    }
    out += parts[i];
  }
  return out;
}

std::size_t utf8_sequence_length(std::string_view s) noexcept {
  if (s.empty()) {
    return 0;
  }
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) {
    return 1;
  }
  // The lead byte gives the length; the range allowed for the second byte excludes overlong
  // forms (E0, F0), surrogates (ED) and code points above U+10FFFF (F4). C0, C1 and F5..FF
  // never start a sequence.
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    lo = b0 == 0xE0 ? 0xA0 : 0x80;
    hi = b0 == 0xED ? 0x9F : 0xBF;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    lo = b0 == 0xF0 ? 0x90 : 0x80;
    hi = b0 == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (s.size() < len) {
    return 0;
  }
  const auto b1 = static_cast<unsigned char>(s[1]);
  if (b1 < lo || b1 > hi) {
    return 0;
  }
  for (std::size_t k = 2; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[k]);
    if (b < 0x80 || b > 0xBF) {
      return 0;
    }
  }
  return len;
}

std::size_t first_invalid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {  // ASCII: the common case, no call
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(s.substr(i));
    if (len == 0) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace gpb
