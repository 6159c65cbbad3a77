// SPDX-License-Identifier: Apache-2.0
// libFuzzer target (METHODOLOGY IN-2, IN-4, IN-5): the strict result-file reader on arbitrary
// bytes. Bad input must end in InputError, never a crash; a record that parses must round-trip
// (parse -> to_json_text -> parse -> to_json_text identical), and the value report and compare
// built from it must render in every format, with no markup from data in the HTML.
#include <gpb/result/schema_json.hpp>
#include <gpb/value/compare.hpp>
#include <gpb/value/report.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

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
  const std::string text(reinterpret_cast<const char*>(data), size);
  gpb::RunRecord record;
  try {
    record = gpb::parse_run(text, "fuzz.json");
  } catch (const gpb::InputError&) {
    return 0;
  }
  const std::string once = gpb::to_json_text(record);
  const gpb::RunRecord again = gpb::parse_run(once, "once.json");
  check(gpb::to_json_text(again) == once, "parse -> dump -> parse -> dump identical");

  const std::vector<gpb::ResultFile> runs{{"a.json", record, {}}, {"b.json", again, {}}};
  gpb::ReportOptions options;
  options.include_noisy = (size & 1u) != 0;
  const gpb::ValueReport report = gpb::build_value_report(runs, {}, {}, {}, {}, options);
  for (const auto& [name, render] : gpb::report_renderers()) {
    std::ostringstream out;
    render(report, out);
    if (name == "html") {
      const std::string html = out.str();
      check(html.find("<script") == std::string::npos, "no <script in the HTML");
      check(html.find("<img") == std::string::npos, "no <img in the HTML");
    }
  }
  const gpb::Comparison cmp = gpb::build_comparison(runs);
  for (const auto& kv : gpb::compare_renderers()) {
    std::ostringstream out;
    kv.second(cmp, out);
  }
  return 0;
}
