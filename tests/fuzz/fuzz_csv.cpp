// SPDX-License-Identifier: Apache-2.0
// libFuzzer target (METHODOLOGY IN-3, IN-4): the strict CSV parser and the price-table loader
// on arbitrary bytes, in memory. Bad input must end in InputError, never a crash; a table that
// loads must write back to text that loads to the same text (write -> load -> write identical),
// and every cell written through csv_cell must read back as the same text (plus the guard ').
#include <gpb/common/csv.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/value/prices.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

/// An invariant broken: say which, then abort so libFuzzer keeps the input.
void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  gpb::CsvLimits limits;
  limits.max_bytes = 1u << 20;
  limits.max_rows = 10000;
  try {
    const gpb::CsvTable t = gpb::parse_csv(text, "fuzz.csv", limits);
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      check(t.rows[r].size() == t.header.size(), "row width == header width");
      for (const auto& name : t.header) {
        try {
          (void)gpb::csv_number(t, r, name);
        } catch (const gpb::InputError&) {
        }
      }
    }
    // Every parsed cell survives csv_cell -> parse unchanged (but for the guard).
    // (A one-column row holding "" is written as an empty line, which reads as no row: a known
    // limit of csv_cell, irrelevant to our multi-column tables, so not checked.)
    if (!t.rows.empty() && !(t.rows[0].size() == 1 && t.rows[0][0].empty())) {
      std::string line;
      for (std::size_t c = 0; c < t.rows[0].size(); ++c) {
        line += (c ? "," : "") + gpb::csv_cell(t.rows[0][c]);
      }
      std::string header;
      for (std::size_t c = 0; c < t.rows[0].size(); ++c) {
        header += (c ? ",h" : "h") + std::to_string(c);
      }
      const gpb::CsvTable back = gpb::parse_csv(header + "\n" + line + "\n", "back.csv", limits);
      check(back.rows.size() == 1, "csv_cell line reads back as one row");
      for (std::size_t c = 0; c < t.rows[0].size(); ++c) {
        // Quoting is exact; the formula guard adds one leading ' (and only that).
        const std::string& x = t.rows[0][c];
        const bool guarded =
            !x.empty() && std::string_view("=+-@\t\r'").find(x[0]) != std::string_view::npos;
        check(back.rows[0][c] == (guarded ? "'" + x : x), "csv_cell cell reads back (plus guard)");
        check(gpb::csv_unguard(back.rows[0][c]) == x, "csv_unguard restores the cell exactly");
      }
    }
  } catch (const gpb::InputError&) {
  }
  try {
    const auto quotes = gpb::parse_price_table(text, "fuzz.csv");
    const std::string once = gpb::price_table_text(quotes);
    const std::string twice = gpb::price_table_text(gpb::parse_price_table(once, "once.csv"));
    check(once == twice, "price table: write -> load -> write identical");
  } catch (const gpb::InputError&) {
  }
  return 0;
}
