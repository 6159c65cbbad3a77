// SPDX-License-Identifier: Apache-2.0
// Escaping per output context (IN-5, IN-8) and locale-free number text for the renderers.
#include <gpb/common/text.hpp>
#include <gpb/render/report_text.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>

namespace gpb {
namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD

/// The code point of a sequence utf8_sequence_length accepted (its length is seq.size()).
std::uint32_t code_point(std::string_view seq) {
  static constexpr unsigned char kLeadBits[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
  std::uint32_t cp = static_cast<unsigned char>(seq[0]) & kLeadBits[seq.size()];
  for (std::size_t k = 1; k < seq.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(seq[k]) & 0x3fu);
  }
  return cp;
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
    const std::size_t len = utf8_sequence_length(text.substr(i));
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    const std::uint32_t cp = code_point(text.substr(i, len));
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
