// SPDX-License-Identifier: Apache-2.0
// Text helpers shared by the report and compare renderers: escaping per output context
// (HTML text and attributes, Markdown tables; IN-5) and locale-free number formatting.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace gpb {

/// Tab, CR, LF, U+2028 and U+2029 become a space; other control characters (C0, DEL, C1) and
/// invalid UTF-8 become U+FFFD, so no input can inject terminal escapes or break a table row.
std::string sanitize_text(std::string_view text);

/// Escapes text for an HTML text node or a quoted attribute value (IN-5): & < > " ' / ` = { }
/// and ':' become character references, and every "http" (any case) loses its literal first
/// letter so the page contains no "http" at all (IN-8). Applies sanitize_text first.
std::string html_escape(std::string_view text);

/// Escapes text for a Markdown table cell: \ | * _ ` [ ] < > & and a leading # are neutralised;
/// applies sanitize_text first.
std::string md_escape(std::string_view text);

/// One Markdown table row of already-escaped cells: "| a | b |\n".
void md_row(std::ostream& out, const std::vector<std::string>& cells);
/// A header row and its "|---|" separator.
void md_header(std::ostream& out, const std::vector<std::string>& cells);

/// Human number: about 4 significant digits, no exponent, "C" decimal point
/// (12345.6 -> "12346", 123.456 -> "123.5", 1.23456 -> "1.235", 0.0123456 -> "0.01235").
/// Non-finite values give "n/a".
std::string format_human(double value);

/// Fixed decimals ("%.*f"), "n/a" for non-finite values.
std::string format_fixed(double value, int decimals);

/// Shortest text that reads back as the same double (std::to_chars); "n/a" when not finite.
std::string format_exact(double value);

}  // namespace gpb
