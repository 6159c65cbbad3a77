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

namespace {

/// The whole-text checks before parsing: the size limit, a UTF-8 BOM dropped, valid UTF-8.
std::string_view checked_csv_text(std::string_view text,
                                  const std::string& origin,
                                  const CsvLimits& limits) {
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
  return text;
}

/// One pass over the bytes, a byte at a time, with the state of the field and record being
/// read and the line numbers that messages name.
class CsvParser {
 public:
  CsvParser(std::string_view text, const std::string& origin, const CsvLimits& limits)
      : text_(text), origin_(origin), limits_(limits) {
    t_.origin = origin;
  }

  CsvTable parse() {
    std::size_t i = 0;
    while (i < text_.size()) {
      if (text_[i] == '\0') {
        fail(origin_, line_, "NUL byte");
      }
      i = in_quotes_ ? quoted_byte(i) : unquoted_byte(i);
    }
    if (in_quotes_) {
      fail(origin_, quote_line_, "quoted field not terminated before the end of the file");
    }
    if (field_has_content_ || !record_.empty()) {
      end_record();  // last record without a line break
    }
    if (!have_header_) {
      throw InputError(origin_ + ": empty file (expected a header line)");
    }
    return std::move(t_);
  }

 private:
  bool followed_by(std::size_t i, char c) const {
    return i + 1 < text_.size() && text_[i + 1] == c;
  }

  /// Byte `i` inside a quoted field; returns the index of the next byte to read.
  std::size_t quoted_byte(std::size_t i) {
    const char c = text_[i];
    if (c == '"') {
      if (followed_by(i, '"')) {
        push_char('"');
        return i + 2;
      }
      in_quotes_ = false;
      after_quote_ = true;
      return i + 1;
    }
    if (c == '\n') {
      ++line_;
    }
    push_char(c);
    return i + 1;
  }

  /// Byte `i` outside quotes; returns the index of the next byte to read.
  std::size_t unquoted_byte(std::size_t i) {
    const char c = text_[i];
    if (c == ',') {
      end_field();
      return i + 1;
    }
    if (c == '\r') {
      if (followed_by(i, '\n')) {
        return end_line(i + 2);
      }
      fail(origin_, line_, "carriage return not followed by a line feed (outside quotes)");
    }
    if (c == '\n') {
      return end_line(i + 1);
    }
    if (after_quote_) {
      fail(origin_,
           line_,
           "unexpected '" + quote_for_message(text_.substr(i, 1)) +
               "' after a closing quote (a quote inside a quoted field is written \"\")");
    }
    if (c == '"') {
      if (field_has_content_) {
        fail(origin_, line_, "quote inside an unquoted field (quote the whole field)");
      }
      in_quotes_ = true;
      field_has_content_ = true;
      quote_line_ = line_;
      return i + 1;
    }
    push_char(c);
    return i + 1;
  }

  /// A record's line break; `next` is the index after it.
  std::size_t end_line(std::size_t next) {
    end_record();
    ++line_;
    record_line_ = line_;
    return next;
  }

  void push_char(char c) {
    if (field_.size() >= limits_.max_field_bytes) {
      fail(origin_,
           line_,
           "field longer than " + std::to_string(limits_.max_field_bytes) + " bytes");
    }
    field_.push_back(c);
    field_has_content_ = true;
  }

  void end_field() {
    record_.push_back(std::move(field_));
    field_.clear();
    field_has_content_ = false;
    after_quote_ = false;
  }

  void end_record() {
    const bool blank = record_.empty() && field_.empty() && !field_has_content_;
    end_field();
    if (blank) {
      if (blank_line_ == 0) {
        blank_line_ = record_line_;
      }
      record_.clear();
      return;
    }
    if (blank_line_ != 0) {
      fail(origin_, blank_line_, "empty line");
    }
    if (!have_header_) {
      take_header();
    } else {
      take_row();
    }
    record_.clear();
  }

  void take_header() {
    for (std::size_t i = 0; i < record_.size(); ++i) {
      if (record_[i].empty()) {
        fail(origin_, record_line_, "empty column name (column " + std::to_string(i + 1) + ")");
      }
      for (std::size_t j = 0; j < i; ++j) {
        if (record_[j] == record_[i]) {
          fail(origin_,
               record_line_,
               "duplicate column '" + quote_for_message(record_[i]) + "' (columns " +
                   std::to_string(j + 1) + " and " + std::to_string(i + 1) + ")");
        }
      }
    }
    t_.header = std::move(record_);
    have_header_ = true;
  }

  void take_row() {
    if (record_.size() != t_.header.size()) {
      fail(origin_,
           record_line_,
           std::to_string(record_.size()) + " fields, but the header has " +
               std::to_string(t_.header.size()));
    }
    if (t_.rows.size() >= limits_.max_rows) {
      fail(origin_, record_line_, "more than " + std::to_string(limits_.max_rows) + " rows");
    }
    t_.rows.push_back(std::move(record_));
    t_.row_lines.push_back(record_line_);
  }

  std::string_view text_;
  const std::string& origin_;
  const CsvLimits& limits_;
  CsvTable t_;
  std::vector<std::string> record_;
  std::string field_;
  bool field_has_content_ = false;  // any byte, or an opening quote, seen in this field
  bool in_quotes_ = false;
  bool after_quote_ = false;
  bool have_header_ = false;
  std::size_t line_ = 1;
  std::size_t record_line_ = 1;
  std::size_t quote_line_ = 1;
  std::size_t blank_line_ = 0;  // line of a pending empty line; an error unless only more follow
};

}  // namespace

CsvTable parse_csv(std::string_view text, const std::string& origin, const CsvLimits& limits) {
  return CsvParser(checked_csv_text(text, origin, limits), origin, limits).parse();
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
