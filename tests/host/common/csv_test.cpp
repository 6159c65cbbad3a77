// SPDX-License-Identifier: Apache-2.0
// Strict CSV (METHODOLOGY IN-2, IN-3): the RFC 4180 matrix (quoted commas, newlines and
// doubled quotes; CRLF; BOM), rejections with origin:line (NUL, ragged rows, bad quotes,
// duplicate or empty header names, limits, invalid UTF-8), locale-free numbers and the
// formula guard on output.
#include <gpb/common/csv.hpp>
#include <gpb/result/schema_json.hpp>

#include <gtest/gtest.h>

#include <clocale>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace gpb {
namespace {

::testing::AssertionResult HasSubstr(const std::string& text, const std::string& needle) {
  if (text.find(needle) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << needle << "'";
}

// The InputError message of parsing `text`; fails the test when it parses.
std::string parse_error(const std::string& text, const CsvLimits& limits = {}) {
  try {
    parse_csv(text, "t.csv", limits);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "parsed without error: " << text;
  return {};
}

std::string number_error(const std::string& cell) {
  const CsvTable t = parse_csv("a,price\nx,\"" + cell + "\"\n", "p.csv");
  try {
    csv_number(t, 0, "price");
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted '" << cell << "'";
  return {};
}

TEST(Csv, PlainTableWithLineNumbers) {
  const CsvTable t = parse_csv("a,b\n1,2\n3,4\n", "t.csv");
  EXPECT_EQ(t.origin, "t.csv");
  ASSERT_EQ(t.header, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(t.row_lines, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(t.column("b"), std::optional<std::size_t>(1));
  EXPECT_FALSE(t.column("c").has_value());
}

TEST(Csv, QuotedCommasDoubledQuotesAndEmbeddedNewlines) {
  const CsvTable t = parse_csv(
      "name,region\n\"a,b\",\"Florida, US, NA\"\n\"say \"\"hi\"\"\",\"two\nlines\"\nz,\"\"\n",
      "t.csv");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0][0], "a,b");
  EXPECT_EQ(t.rows[0][1], "Florida, US, NA");
  EXPECT_EQ(t.rows[1][0], "say \"hi\"");
  EXPECT_EQ(t.rows[1][1], "two\nlines");
  EXPECT_EQ(t.rows[2][1], "");
  // A row's line is where it starts; the embedded newline moves the next row down.
  EXPECT_EQ(t.row_lines, (std::vector<std::size_t>{2, 3, 5}));
}

TEST(Csv, CrlfLfMixedAndNoFinalNewline) {
  const CsvTable crlf = parse_csv("a,b\r\n1,2\r\n3,4\r\n", "t.csv");
  EXPECT_EQ(crlf.rows.size(), 2u);
  EXPECT_EQ(crlf.rows[1][1], "4");  // no stray \r
  const CsvTable last = parse_csv("a,b\n1,2", "t.csv");
  ASSERT_EQ(last.rows.size(), 1u);
  EXPECT_EQ(last.rows[0][1], "2");
  const CsvTable quoted_crlf = parse_csv("a\r\n\"x\r\ny\"\r\n", "t.csv");
  EXPECT_EQ(quoted_crlf.rows[0][0], "x\r\ny");  // kept verbatim inside quotes
}

TEST(Csv, BomIsDropped) {
  const CsvTable t = parse_csv("\xEF\xBB\xBFprovider,price\nx,1\n", "t.csv");
  EXPECT_EQ(t.header[0], "provider");
  EXPECT_TRUE(t.column("provider").has_value());
}

TEST(Csv, TrailingEmptyLinesIgnoredButNotInTheMiddle) {
  EXPECT_EQ(parse_csv("a\n1\n\n\n", "t.csv").rows.size(), 1u);
  EXPECT_TRUE(HasSubstr(parse_error("a\n1\n\n2\n"), "t.csv:3: empty line"));
  EXPECT_TRUE(HasSubstr(parse_error("\na\n1\n"), "t.csv:1: empty line"));
  // A quoted empty field is a record, not an empty line.
  EXPECT_EQ(parse_csv("a\n\"\"\n1\n", "t.csv").rows.size(), 2u);
}

TEST(Csv, RejectsNulByte) {
  EXPECT_TRUE(HasSubstr(parse_error(std::string("a,b\n1,2\n3,\0\n", 12)), "t.csv:3: NUL byte"));
  EXPECT_TRUE(HasSubstr(parse_error(std::string("a\n\"x\0\"\n", 7)), "t.csv:2: NUL byte"));
}

TEST(Csv, RejectsRaggedRowsWithLineNumber) {
  EXPECT_TRUE(
      HasSubstr(parse_error("a,b,c\n1,2,3\n4,5\n"), "t.csv:3: 2 fields, but the header has 3"));
  EXPECT_TRUE(HasSubstr(parse_error("a,b\n1,2\n3,4,5\n"), "t.csv:3: 3 fields"));
  // The line of a row after a multi-line field is counted correctly.
  EXPECT_TRUE(HasSubstr(parse_error("a,b\n\"x\ny\",2\n3\n"), "t.csv:4:"));
}

TEST(Csv, RejectsBadQuoting) {
  EXPECT_TRUE(
      HasSubstr(parse_error("a,b\n1,\"open\n2,3\n"), "t.csv:2: quoted field not terminated"));
  EXPECT_TRUE(HasSubstr(parse_error("a,b\n1,ab\"c\n"), "t.csv:2: quote inside an unquoted field"));
  EXPECT_TRUE(
      HasSubstr(parse_error("a,b\n1,\"ab\"c\n"), "t.csv:2: unexpected 'c' after a closing quote"));
  EXPECT_TRUE(HasSubstr(parse_error("a,b\n1,2\r3,4\n"), "t.csv:2: carriage return"));
}

TEST(Csv, RejectsDuplicateEmptyAndMissingHeaders) {
  EXPECT_TRUE(HasSubstr(parse_error("price,region,price\n1,x,2\n"),
                        "t.csv:1: duplicate column 'price' (columns 1 and 3)"));
  EXPECT_TRUE(HasSubstr(parse_error("a,,c\n1,2,3\n"), "t.csv:1: empty column name (column 2)"));
  EXPECT_TRUE(HasSubstr(parse_error(""), "t.csv: empty file"));
  EXPECT_TRUE(HasSubstr(parse_error("\xEF\xBB\xBF"), "t.csv: empty file"));
  const CsvTable t = parse_csv("a,b\n1,2\n", "t.csv");
  try {
    csv_require_columns(t, {"a", "price"}, {}, false);
    ADD_FAILURE() << "missing column accepted";
  } catch (const InputError& e) {
    EXPECT_TRUE(HasSubstr(e.what(), "t.csv: missing column 'price'"));
  }
  try {
    csv_require_columns(t, {"a"}, {}, false);
    ADD_FAILURE() << "unknown column accepted";
  } catch (const InputError& e) {
    EXPECT_TRUE(HasSubstr(e.what(), "t.csv:1: unknown column 'b'"));
  }
  EXPECT_NO_THROW(csv_require_columns(t, {"a"}, {"b"}, false));
  EXPECT_NO_THROW(csv_require_columns(t, {"a"}, {}, true));
}

TEST(Csv, RejectsInvalidUtf8) {
  EXPECT_TRUE(HasSubstr(parse_error("a\nok\n\xFF\n"), "t.csv:3: invalid UTF-8"));
  EXPECT_TRUE(HasSubstr(parse_error("a\n\xC0\xAF\n"), "invalid UTF-8"));      // overlong '/'
  EXPECT_TRUE(HasSubstr(parse_error("a\n\xED\xA0\x80\n"), "invalid UTF-8"));  // surrogate
  EXPECT_TRUE(HasSubstr(parse_error("a\n\xE2\x82\n"), "invalid UTF-8"));      // truncated
  EXPECT_EQ(parse_csv("a\n\xE2\x82\xAC \xF0\x9F\x98\x80\n", "t.csv").rows[0][0],
            "\xE2\x82\xAC \xF0\x9F\x98\x80");
}

TEST(Csv, Limits) {
  CsvLimits small;
  small.max_bytes = 16;
  EXPECT_TRUE(
      HasSubstr(parse_error("a,b\n1234567890,1234\n", small), "more than the 16-byte limit"));
  CsvLimits field;
  field.max_field_bytes = 4;
  EXPECT_TRUE(HasSubstr(parse_error("a\n12345\n", field), "t.csv:2: field longer than 4 bytes"));
  CsvLimits rows;
  rows.max_rows = 2;
  EXPECT_TRUE(HasSubstr(parse_error("a\n1\n2\n3\n", rows), "t.csv:4: more than 2 rows"));
  EXPECT_EQ(parse_csv("a\n1\n2\n", "t.csv", rows).rows.size(), 2u);
}

TEST(Csv, ReadFileChecksSizeAndKind) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "gpb_csv_test";
  fs::create_directories(dir);
  const fs::path file = dir / "big.csv";
  {
    std::ofstream out(file, std::ios::binary);
    out << "a\n" << std::string(100, '1') << "\n";
  }
  CsvLimits limits;
  limits.max_bytes = 50;
  try {
    read_csv_file(file.string(), limits);
    ADD_FAILURE() << "oversized file accepted";
  } catch (const InputError& e) {
    EXPECT_TRUE(HasSubstr(e.what(), "big.csv: 103 bytes, more than the 50-byte limit"));
  }
  EXPECT_EQ(read_csv_file(file.string()).rows.size(), 1u);
  EXPECT_THROW(read_csv_file(dir.string()), InputError);                   // a directory
  EXPECT_THROW(read_csv_file((dir / "absent.csv").string()), InputError);  // missing
  fs::remove_all(dir);
}

TEST(CsvNumber, AcceptsPlainDecimalsAndExponents) {
  const CsvTable t = parse_csv("v\n1\n-2.5\n0.36979999999999996\n3e-4\n1E+3\n.5\n8.0\n", "t.csv");
  const double expected[] = {1, -2.5, 0.36979999999999996, 3e-4, 1e3, 0.5, 8.0};
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    EXPECT_DOUBLE_EQ(csv_number(t, i, "v"), expected[i]) << t.rows[i][0];
  }
}

TEST(CsvNumber, RejectsCommaDecimalsNanInfHexSignsAndEmpty) {
  EXPECT_TRUE(HasSubstr(number_error("1,23"),
                        "p.csv:2: column 'price': '1,23' is not a number (use '.' as the decimal"));
  EXPECT_TRUE(HasSubstr(number_error("1,234.5"), "is not a number"));
  for (const char* bad : {"NaN",
                          "nan",
                          "inf",
                          "-inf",
                          "Infinity",
                          "0x10",
                          "+1",
                          " 1",
                          "1 ",
                          "1.2.3",
                          "1e",
                          "--1",
                          "1-",
                          "e5",
                          "$3",
                          "3 USD",
                          "1_000",
                          "٣"}) {
    EXPECT_TRUE(HasSubstr(number_error(bad), "is not a number")) << bad;
  }
  EXPECT_TRUE(HasSubstr(number_error(""), "p.csv:2: column 'price': empty (expected a number)"));
  EXPECT_TRUE(HasSubstr(number_error("1e400"), "is out of range"));
  const CsvTable t = parse_csv("v\n1\n", "t.csv");
  try {
    csv_number(t, 0, "price");
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_TRUE(HasSubstr(e.what(), "t.csv: missing column 'price'"));
  }
}

TEST(CsvNumber, IgnoresTheProcessLocale) {
  // A comma-decimal locale must neither make "1,5" valid nor break "1.5".
  const char* old = std::setlocale(LC_NUMERIC, nullptr);
  const std::string saved = old != nullptr ? old : "C";
  for (const char* loc : {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE"}) {
    if (std::setlocale(LC_NUMERIC, loc) != nullptr) {
      break;
    }
  }
  const CsvTable t = parse_csv("v\n1.5\n\"1,5\"\n", "t.csv");
  EXPECT_DOUBLE_EQ(csv_number(t, 0, "v"), 1.5);
  EXPECT_THROW(csv_number(t, 1, "v"), InputError);
  EXPECT_EQ(csv_number_text(1.5), "1.5");
  std::setlocale(LC_NUMERIC, saved.c_str());
}

TEST(CsvCell, QuotesWhenNeeded) {
  EXPECT_EQ(csv_cell("plain"), "plain");
  EXPECT_EQ(csv_cell(""), "");
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_cell("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_cell("cr\rx"), "\"cr\rx\"");
}

TEST(CsvCell, FormulaGuard) {
  EXPECT_EQ(csv_cell("=1+2"), "'=1+2");
  EXPECT_EQ(csv_cell("+1"), "'+1");
  EXPECT_EQ(csv_cell("-1"), "'-1");
  EXPECT_EQ(csv_cell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_cell("\tx"), "'\tx");
  EXPECT_EQ(csv_cell("\rx"), "\"'\rx\"");
  EXPECT_EQ(csv_cell("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  EXPECT_EQ(csv_cell("a=b"), "a=b");  // only a leading trigger is dangerous
}

TEST(CsvCell, RoundTripThroughTheParser) {
  const std::vector<std::string> cells = {"=cmd|' /C calc'!A0",
                                          "a,b",
                                          "q\"q",
                                          "two\nlines",
                                          "-5",
                                          "@x",
                                          "\tt",
                                          "plain",
                                          "",
                                          "\xE2\x82\xAC"};
  const std::string text =
      csv_line({"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"}) + csv_line(cells);
  const CsvTable t = parse_csv(text, "rt.csv");
  ASSERT_EQ(t.rows.size(), 1u);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(csv_text(t, 0, "c" + std::to_string(i)), cells[i]);
    const std::string& raw = t.rows[0][i];
    EXPECT_FALSE(!raw.empty() && (raw[0] == '=' || raw[0] == '+' || raw[0] == '-' ||
                                  raw[0] == '@' || raw[0] == '\t' || raw[0] == '\r'))
        << "unguarded cell " << raw;
  }
}

TEST(CsvNumberText, ShortestRoundTrip) {
  EXPECT_EQ(csv_number_text(8), "8");
  EXPECT_EQ(csv_number_text(0.25), "0.25");
  EXPECT_EQ(csv_number_text(23.6), "23.6");
  EXPECT_EQ(csv_number_text(1e-7), "1e-07");
  const double noisy = 0.36979999999999996;
  const CsvTable t = parse_csv("v\n" + csv_number_text(noisy) + "\n", "t.csv");
  EXPECT_EQ(csv_number(t, 0, "v"), noisy);
  EXPECT_THROW(csv_number_text(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  EXPECT_THROW(csv_number_text(std::numeric_limits<double>::infinity()), std::invalid_argument);
}

TEST(QuoteForMessage, EscapesAndTruncates) {
  EXPECT_EQ(quote_for_message("ok"), "ok");
  EXPECT_EQ(quote_for_message("a\nb\x1b[31m"), "a\\x0ab\\x1b[31m");
  EXPECT_EQ(quote_for_message(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
}

}  // namespace
}  // namespace gpb
