// SPDX-License-Identifier: Apache-2.0
// Strict CSV (RFC 4180, METHODOLOGY IN-3): quoted fields with commas, quotes and newlines,
// CRLF or LF, an optional UTF-8 BOM, header validation, locale-free numbers, and a formula
// guard for cells we write.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpb {

/// A parsed table; `line` of each row is its first physical line (1-based) for messages.
struct CsvTable {
  std::string origin;  ///< file name for messages
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> row_lines;
  /// Column index by header name; nullopt when absent.
  std::optional<std::size_t> column(std::string_view name) const;
};

struct CsvLimits {
  std::size_t max_bytes = 64u << 20;
  std::size_t max_field_bytes = 64u << 10;
  std::size_t max_rows = 1000000;
};

/// Parses text. Throws InputError "origin:line: ..." on an unterminated quote, a stray quote,
/// a row with a different number of fields than the header, duplicate or empty header names,
/// a NUL byte, a bare CR outside quotes, invalid UTF-8, an empty line before the end, or a
/// limit exceeded. A UTF-8 BOM is dropped; records end in LF or CRLF (the last one may end
/// at end of file); CR and LF inside quoted fields are kept verbatim; trailing empty lines at
/// the end of the file are ignored. An empty text (or one holding only a BOM) has no header
/// and is rejected.
CsvTable parse_csv(std::string_view text, const std::string& origin, const CsvLimits& limits = {});
/// Reads a whole regular file whose size is at most `max_bytes` (checked before reading).
/// Throws InputError "path: ..." when it cannot be opened, is not a regular file or is larger.
std::string read_text_file(const std::string& path, std::size_t max_bytes);
/// Reads a file (size checked first) and parses it.
CsvTable read_csv_file(const std::string& path, const CsvLimits& limits = {});

/// A finite number in plain decimal notation, optionally with a '-' sign and an exponent
/// ("1.5", "-2", "3e-4", ".5"). "1,23", "NaN", "inf", "", "0x10", "+1", spaces and values out
/// of double range are rejected: throws InputError "origin:line: column 'name': '...' is not a
/// number" (or "... is missing" when the table lacks the column). `row` indexes `t.rows`.
double csv_number(const CsvTable& t, std::size_t row, std::string_view column);

/// Checks the header: every `required` column is present (else InputError "origin: missing
/// column 'x'"), and unless `allow_unknown` every column is in `required` or `optional` (else
/// InputError "origin:1: unknown column 'y'").
void csv_require_columns(const CsvTable& t,
                         const std::vector<std::string_view>& required,
                         const std::vector<std::string_view>& optional,
                         bool allow_unknown);

/// Throws InputError "origin:line: column 'name': what" for row `row` of `t`.
[[noreturn]] void csv_fail(const CsvTable& t,
                           std::size_t row,
                           std::string_view column,
                           const std::string& what);

/// The cell of row `row` in `column`, csv_unguard-ed; "" when the table lacks the column.
std::string csv_text(const CsvTable& t, std::size_t row, std::string_view column);

/// Quotes a cell for output when needed, and prefixes ' to cells starting with = + - @ TAB CR
/// so spreadsheets never evaluate them (IN-3).
std::string csv_cell(std::string_view value);

/// Undoes csv_cell's formula guard: a leading ' followed by = + - @ TAB or CR is dropped, so a
/// text cell written by csv_cell reads back unchanged. Other text is returned as is.
std::string csv_unguard(std::string_view cell);

/// One output record: csv_cell of each value, joined by ',', terminated by "\n".
std::string csv_line(const std::vector<std::string>& cells);

/// Shortest text that parses back to exactly `v` ("0.25", "8", "1e-07"); locale-free.
/// Throws std::invalid_argument for NaN or infinity (never written, DI-2).
std::string csv_number_text(double v);

/// `text` for an error message: at most `max_chars` bytes, control and non-ASCII bytes as
/// \xNN, so a hostile cell cannot forge terminal output or span lines.
std::string quote_for_message(std::string_view text, std::size_t max_chars = 80);

}  // namespace gpb
