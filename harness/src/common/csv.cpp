// SPDX-License-Identifier: Apache-2.0
// Strict RFC 4180 CSV reader and cell writer (METHODOLOGY IN-2, IN-3). One pass over the bytes
// with line tracking, so every error names origin:line; numbers go through std::from_chars
// (locale-free) after an alphabet check that keeps out hex, "inf", "nan" and comma decimals.
#include <gpb/common/csv.hpp>
#include <gpb/common/text.hpp>
#include <gpb/result/schema_json.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace gpb {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& origin, std::size_t line, const std::string& what) {
  throw InputError(origin + ":" + std::to_string(line) + ": " + what);
}

bool is_guard_char(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

}  // namespace

std::optional<std::size_t> CsvTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) {
      return i;
    }
  }
  return std::nullopt;
}

std::string quote_for_message(std::string_view text, std::size_t max_chars) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : text) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out;
}

CsvTable parse_csv(std::string_view text, const std::string& origin, const CsvLimits& limits) {
  if (text.size() > limits.max_bytes) {
    throw InputError(origin + ": " + std::to_string(text.size()) + " bytes, more than the " +
                     std::to_string(limits.max_bytes) + "-byte limit for a CSV file");
  }
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    text.remove_prefix(3);  // UTF-8 byte order mark (spreadsheet exports)
  }
  if (const std::size_t bad = first_invalid_utf8(text); bad != std::string_view::npos) {
    const std::size_t line =
        1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + bad, '\n'));
    fail(origin, line, "invalid UTF-8 (byte offset " + std::to_string(bad) + ")");
  }

  CsvTable t;
  t.origin = origin;
  std::vector<std::string> record;
  std::string field;
  bool field_has_content = false;  // any byte, or an opening quote, seen in this field
  bool in_quotes = false;
  bool after_quote = false;
  std::size_t line = 1;
  std::size_t record_line = 1;
  std::size_t quote_line = 1;
  std::size_t blank_line = 0;  // line of a pending empty line; an error unless only more follow
  bool have_header = false;

  const auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
    field_has_content = false;
    after_quote = false;
  };
  const auto end_record = [&] {
    const bool blank = record.empty() && field.empty() && !field_has_content;
    end_field();
    if (blank) {
      if (blank_line == 0) {
        blank_line = record_line;
      }
      record.clear();
      return;
    }
    if (blank_line != 0) {
      fail(origin, blank_line, "empty line");
    }
    if (!have_header) {
      for (std::size_t i = 0; i < record.size(); ++i) {
        if (record[i].empty()) {
          fail(origin, record_line, "empty column name (column " + std::to_string(i + 1) + ")");
        }
        for (std::size_t j = 0; j < i; ++j) {
          if (record[j] == record[i]) {
            fail(origin,
                 record_line,
                 "duplicate column '" + quote_for_message(record[i]) + "' (columns " +
                     std::to_string(j + 1) + " and " + std::to_string(i + 1) + ")");
          }
        }
      }
      t.header = std::move(record);
      have_header = true;
    } else {
      if (record.size() != t.header.size()) {
        fail(origin,
             record_line,
             std::to_string(record.size()) + " fields, but the header has " +
                 std::to_string(t.header.size()));
      }
      if (t.rows.size() >= limits.max_rows) {
        fail(origin, record_line, "more than " + std::to_string(limits.max_rows) + " rows");
      }
      t.rows.push_back(std::move(record));
      t.row_lines.push_back(record_line);
    }
    record.clear();
  };
  const auto push_char = [&](char c) {
    if (field.size() >= limits.max_field_bytes) {
      fail(origin, line, "field longer than " + std::to_string(limits.max_field_bytes) + " bytes");
    }
    field.push_back(c);
    field_has_content = true;
  };

  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = text[i];
    if (c == '\0') {
      fail(origin, line, "NUL byte");
    }
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < n && text[i + 1] == '"') {
          push_char('"');
          i += 2;
          continue;
        }
        in_quotes = false;
        after_quote = true;
        ++i;
        continue;
      }
      if (c == '\n') {
        ++line;
      }
      push_char(c);
      ++i;
      continue;
    }
    if (c == ',') {
      end_field();
      ++i;
      continue;
    }
    if (c == '\r') {
      if (i + 1 < n && text[i + 1] == '\n') {
        end_record();
        ++line;
        record_line = line;
        i += 2;
        continue;
      }
      fail(origin, line, "carriage return not followed by a line feed (outside quotes)");
    }
    if (c == '\n') {
      end_record();
      ++line;
      record_line = line;
      ++i;
      continue;
    }
    if (after_quote) {
      fail(origin,
           line,
           "unexpected '" + quote_for_message(std::string_view(&text[i], 1)) +
               "' after a closing quote (a quote inside a quoted field is written \"\")");
    }
    if (c == '"') {
      if (field_has_content) {
        fail(origin, line, "quote inside an unquoted field (quote the whole field)");
      }
      in_quotes = true;
      field_has_content = true;
      quote_line = line;
      ++i;
      continue;
    }
    push_char(c);
    ++i;
  }
  if (in_quotes) {
    fail(origin, quote_line, "quoted field not terminated before the end of the file");
  }
  if (field_has_content || !record.empty()) {
    end_record();  // last record without a line break
  }
  if (!have_header) {
    throw InputError(origin + ": empty file (expected a header line)");
  }
  return t;
}

std::string read_text_file(const std::string& path, std::size_t max_bytes) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec) {
    throw InputError(path + ": cannot open (" + ec.message() + ")");
  }
  if (!fs::is_regular_file(st)) {
    throw InputError(path + ": not a regular file");
  }
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    throw InputError(path + ": cannot read size (" + ec.message() + ")");
  }
  if (size > max_bytes) {
    throw InputError(path + ": " + std::to_string(size) + " bytes, more than the " +
                     std::to_string(max_bytes) + "-byte limit");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(path + ": cannot open (" + std::strerror(errno) + ")");
  }
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size || in.peek() != EOF) {
    throw InputError(path + ": file changed while reading");
  }
  return text;
}

CsvTable read_csv_file(const std::string& path, const CsvLimits& limits) {
  return parse_csv(read_text_file(path, limits.max_bytes), path, limits);
}

double csv_number(const CsvTable& t, std::size_t row, std::string_view column) {
  const auto col = t.column(column);
  const std::size_t line = row < t.row_lines.size() ? t.row_lines[row] : 0;
  const std::string where = "column '" + std::string(column) + "': ";
  if (!col) {
    throw InputError(t.origin + ": missing column '" + std::string(column) + "'");
  }
  if (row >= t.rows.size()) {
    throw std::out_of_range("csv_number: row index out of range");
  }
  const std::string& s = t.rows[row][*col];
  if (s.empty()) {
    fail(t.origin, line, where + "empty (expected a number)");
  }
  // from_chars accepts "inf", "nan" and (for hex format) more; allow only plain decimals.
  bool ok = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool digit = c >= '0' && c <= '9';
    const bool sign =
        (c == '-' || c == '+') && (i == 0 ? c == '-' : (s[i - 1] == 'e' || s[i - 1] == 'E'));
    if (!(digit || c == '.' || c == 'e' || c == 'E' || sign)) {
      ok = false;
      break;
    }
  }
  double v = 0;
  if (ok) {
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range) {
      fail(t.origin, line, where + "'" + quote_for_message(s) + "' is out of range");
    }
    ok = ec == std::errc() && ptr == s.data() + s.size();
  }
  if (!ok) {
    std::string hint;
    if (s.find(',') != std::string::npos) {
      hint = " (use '.' as the decimal separator and no thousands separators)";
    }
    fail(t.origin, line, where + "'" + quote_for_message(s) + "' is not a number" + hint);
  }
  if (!std::isfinite(v)) {
    fail(t.origin, line, where + "'" + quote_for_message(s) + "' is out of range");
  }
  return v;
}

void csv_require_columns(const CsvTable& t,
                         const std::vector<std::string_view>& required,
                         const std::vector<std::string_view>& optional,
                         bool allow_unknown) {
  for (std::string_view name : required) {
    if (!t.column(name)) {
      std::string all;
      for (std::string_view r : required) {
        all += all.empty() ? "" : ", ";
        all += r;
      }
      throw InputError(t.origin + ": missing column '" + std::string(name) +
                       "' (required columns: " + all + ")");
    }
  }
  if (allow_unknown) {
    return;
  }
  for (const std::string& h : t.header) {
    const auto known = [&h](const std::vector<std::string_view>& v) {
      return std::find(v.begin(), v.end(), std::string_view(h)) != v.end();
    };
    if (!known(required) && !known(optional)) {
      throw InputError(t.origin + ":1: unknown column '" + quote_for_message(h) + "'");
    }
  }
}

void csv_fail(const CsvTable& t,
              std::size_t row,
              std::string_view column,
              const std::string& what) {
  const std::size_t line = row < t.row_lines.size() ? t.row_lines[row] : 0;
  fail(t.origin, line, "column '" + std::string(column) + "': " + what);
}

std::string csv_text(const CsvTable& t, std::size_t row, std::string_view column) {
  const auto col = t.column(column);
  if (!col || row >= t.rows.size()) {
    return {};
  }
  return csv_unguard(t.rows[row][*col]);
}

std::string csv_cell(std::string_view value) {
  std::string v;
  // Spreadsheets would evaluate = + - @ (and TAB/CR tricks) as formulas. A cell that starts
  // with the guard quote itself is guarded too, so csv_unguard() restores every cell exactly.
  if (!value.empty() && (is_guard_char(value.front()) || value.front() == '\'')) {
    v.push_back('\'');
  }
  v.append(value);
  if (v.find_first_of(",\"\r\n") == std::string::npos) {
    return v;
  }
  std::string q = "\"";
  for (char c : v) {
    if (c == '"') {
      q.push_back('"');
    }
    q.push_back(c);
  }
  q.push_back('"');
  return q;
}

std::string csv_unguard(std::string_view cell) {
  if (cell.size() >= 2 && cell[0] == '\'' && (is_guard_char(cell[1]) || cell[1] == '\'')) {
    cell.remove_prefix(1);
  }
  return std::string(cell);
}

std::string csv_line(const std::vector<std::string>& cells) {
  if (cells.size() == 1 && cells[0].empty()) {
    return "\"\"\n";  // an empty line would read back as no row at all
  }
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    out += csv_cell(cells[i]);
  }
  out.push_back('\n');
  return out;
}

std::string csv_number_text(double v) {
  if (!std::isfinite(v)) {
    throw std::invalid_argument("csv_number_text: NaN or infinity is never written");
  }
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) {
    throw std::invalid_argument("csv_number_text: cannot format number");
  }
  return std::string(buf, ptr);
}

}  // namespace gpb
