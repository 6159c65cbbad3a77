// SPDX-License-Identifier: Apache-2.0
// Escaping per output context (IN-5, IN-8) and locale-free number text for the renderers.
#include <gpb/report_text.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>

namespace gpb {
namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD

/// Length of a valid UTF-8 sequence at s[i] and its code point; 0 when invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    cp = c & 0x1fu;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    cp = c & 0x0fu;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (s.size() - i < len) {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0u) != 0x80u) {
      return 0;
    }
    cp = (cp << 6) | (cc & 0x3fu);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return len;
}

bool starts_http(std::string_view s, std::size_t i) {
  static constexpr char kWord[] = "http";
  if (s.size() - i < 4) {
    return false;
  }
  for (std::size_t k = 0; k < 4; ++k) {
    char c = s[i + k];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != kWord[k]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string sanitize_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::uint32_t cp = 0;
    const std::size_t len = utf8_sequence(text, i, cp);
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029) {
      out += ' ';
    } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
      out += kReplacement;
    } else {
      out.append(text.data() + i, len);
    }
    i += len;
  }
  return out;
}

std::string html_escape(std::string_view text) {
  const std::string clean = sanitize_text(text);
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (std::size_t i = 0; i < clean.size(); ++i) {
    const char c = clean[i];
    if ((c == 'h' || c == 'H') && starts_http(clean, i)) {
      // IN-8: a source URL stays readable text, but the page never holds the letters "http".
      out += c == 'h' ? "&#104;" : "&#72;";
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '/':
        out += "&#47;";
        break;
      case '`':
        out += "&#96;";
        break;
      case '=':
        out += "&#61;";
        break;
      case '{':
        out += "&#123;";
        break;
      case '}':
        out += "&#125;";
        break;
      case ':':
        out += "&#58;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string md_escape(std::string_view text) {
  const std::string clean = sanitize_text(text);
  std::string out;
  out.reserve(clean.size() + 8);
  for (std::size_t i = 0; i < clean.size(); ++i) {
    const char c = clean[i];
    switch (c) {
      case '\\':
      case '|':
      case '*':
      case '_':
      case '`':
      case '[':
      case ']':
        out += '\\';
        out += c;
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '#':
        if (i == 0) {
          out += '\\';
        }
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_fixed(double value, int decimals) {
  if (!std::isfinite(value)) {
    return "n/a";
  }
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof buf) {
    return format_exact(value);
  }
  std::string s(buf, static_cast<std::size_t>(n));
  if (s == "-0" || s.find_first_not_of("-0.") == std::string::npos) {
    // Never print "-0.00".
    if (!s.empty() && s[0] == '-') {
      s.erase(0, 1);
    }
  }
  return s;
}

std::string format_human(double value) {
  if (!std::isfinite(value)) {
    return "n/a";
  }
  const double a = std::fabs(value);
  int decimals = 0;
  if (a >= 1000 || a == 0) {
    decimals = 0;
  } else if (a >= 100) {
    decimals = 1;
  } else if (a >= 10) {
    decimals = 2;
  } else if (a >= 1) {
    decimals = 3;
  } else {
    // Four significant digits below 1, capped so denormals stay short.
    decimals = 3 - static_cast<int>(std::floor(std::log10(a)));
    if (decimals > 12) {
      decimals = 12;
    }
  }
  return format_fixed(value, decimals);
}

std::string format_exact(double value) {
  if (!std::isfinite(value)) {
    return "n/a";
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, r.ptr);
}

void md_row(std::ostream& out, const std::vector<std::string>& cells) {
  out << '|';
  for (const auto& c : cells) {
    out << ' ' << c << " |";
  }
  out << '\n';
}

void md_header(std::ostream& out, const std::vector<std::string>& cells) {
  md_row(out, cells);
  out << '|';
  for (std::size_t i = 0; i < cells.size(); ++i) {
    out << "---|";
  }
  out << '\n';
}

}  // namespace gpb
