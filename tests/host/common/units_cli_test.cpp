// SPDX-License-Identifier: Apache-2.0
// Strict number/size parsing and the CLI (METHODOLOGY IN-1), rates and the timer floor (MR-1),
// checked size arithmetic (MR-14). Every rejection is a UsageError naming the flag.
#include <gpb/common/units.hpp>
#include <gpb/run/cli.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace gpb {
namespace {

// HasSubstr without gmock (only gtest is a build dependency).
::testing::AssertionResult HasSubstr(const std::string& text, const std::string& needle) {
  if (text.find(needle) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << needle << "'";
}

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

// Runs `fn` and returns the UsageError message; fails the test if nothing (or something else)
// is thrown.
template <class Fn>
std::string usage_error(Fn&& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected UsageError, got another exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected UsageError, nothing was thrown";
  return "";
}

// ---- parse_uint -------------------------------------------------------------------------

TEST(ParseUint, AcceptsDecimalIntegers) {
  EXPECT_EQ(parse_uint("0", "--seed"), 0u);
  EXPECT_EQ(parse_uint("42", "--seed"), 42u);
  EXPECT_EQ(parse_uint("007", "--seed"), 7u);
  EXPECT_EQ(parse_uint("18446744073709551615", "--seed"), kU64Max);
}

TEST(ParseUint, RejectsEverythingElseNamingTheFlag) {
  const std::vector<std::string> bad{"-1",
                                     "+1",
                                     "1e3",
                                     "0x10",
                                     "",
                                     " 1",
                                     "1 ",
                                     "1.0",
                                     "1.5",
                                     "abc",
                                     "1,5",
                                     "1K",
                                     "- 1",
                                     "18446744073709551616",
                                     "99999999999999999999"};
  for (const auto& text : bad) {
    const std::string msg = usage_error([&] { parse_uint(text, "--seed"); });
    EXPECT_TRUE(HasSubstr(msg, "--seed")) << "input '" << text << "'";
  }
}

// ---- parse_double -----------------------------------------------------------------------

TEST(ParseDouble, AcceptsPlainDecimals) {
  EXPECT_DOUBLE_EQ(parse_double("0.5", "--min-time"), 0.5);
  EXPECT_DOUBLE_EQ(parse_double("1e3", "--min-time"), 1000.0);
  EXPECT_DOUBLE_EQ(parse_double("2.5E-3", "--min-time"), 2.5e-3);
  EXPECT_DOUBLE_EQ(parse_double("3", "--min-time"), 3.0);
  EXPECT_DOUBLE_EQ(parse_double(".25", "--min-time"), 0.25);
}

TEST(ParseDouble, RejectsLocaleHexNanInfAndJunk) {
  const std::vector<std::string> bad{"",
                                     "1,5",
                                     "abc",
                                     "0x10",
                                     "nan",
                                     "NaN",
                                     "inf",
                                     "-inf",
                                     "1e400",
                                     " 1",
                                     "1 ",
                                     "1.5.2",
                                     "-",
                                     "e",
                                     "1e",
                                     "1..2"};
  for (const auto& text : bad) {
    const std::string msg = usage_error([&] { parse_double(text, "--max-noise"); });
    EXPECT_TRUE(HasSubstr(msg, "--max-noise")) << "input '" << text << "'";
  }
}

// ---- parse_size -------------------------------------------------------------------------

TEST(ParseSize, SuffixTable) {
  struct Row {
    const char* text;
    std::uint64_t bytes;
  };
  const Row rows[] = {
      {"0", 0},
      {"10", 10},
      {"10B", 10},
      {"1K", 1000},
      {"1KB", 1000},
      {"1Ki", 1024},
      {"1KiB", 1024},
      {"512M", 512000000},
      {"1MiB", 1ull << 20},
      {"4GiB", 4ull << 30},
      {"4G", 4000000000ull},
      {"2T", 2000000000000ull},
      {"1Ti", 1ull << 40},
      {"1048576", 1048576},
      {"18446744073709551615", kU64Max},
      {"17179869183Gi", (17179869183ull) << 30},  // 2^64 - 2^30: the largest whole Gi
  };
  for (const auto& r : rows) {
    EXPECT_EQ(parse_size(r.text, "--size"), r.bytes) << r.text;
  }
}

TEST(ParseSize, RejectsMalformedAndOverflowNamingTheFlag) {
  const std::vector<std::string> bad{
      "",
      "-1",
      "1.5M",
      "0x10",
      "1e3",
      "M",
      "GiB",
      "1X",
      "1KiBB",
      "1BB",
      "1 K",
      "1Kx",
      "+1",
      "1,5",
      "4 GiB",
      "99999999999999999999G",  // digits alone overflow
      "17179869184Gi",          // 2^34 * 2^30 = 2^64
      "16777216Ti",             // 2^24 * 2^40 = 2^64
      "18446744073709551615K",  // suffix overflow
      "18446744073709551616",   // one past 2^64 - 1
  };
  for (const auto& text : bad) {
    const std::string msg = usage_error([&] { parse_size(text, "--size"); });
    EXPECT_TRUE(HasSubstr(msg, "--size")) << "input '" << text << "'";
  }
}

// ---- rate, checked_mul, format_bytes ------------------------------------------------------

TEST(Rate, DividesOnlyAboveTheFloor) {
  ASSERT_TRUE(rate(1e9, 1.0).has_value());
  EXPECT_DOUBLE_EQ(*rate(1e9, 1.0), 1e9);
  EXPECT_DOUBLE_EQ(*rate(3.0, 2.0), 1.5);  // double, never integer division
  EXPECT_DOUBLE_EQ(*rate(1.0, 3e-6), 1.0 / 3e-6);
}

TEST(Rate, RejectsZeroNegativeNanTinyAndInfinite) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(rate(1.0, 0.0).has_value());
  EXPECT_FALSE(rate(1.0, -0.0).has_value());
  EXPECT_FALSE(rate(1.0, -1.0).has_value());
  EXPECT_FALSE(rate(1.0, nan).has_value());
  EXPECT_FALSE(rate(1.0, 1e-12).has_value());  // below the 2 us floor
  EXPECT_FALSE(rate(1.0, 2e-6).has_value());   // at the floor is not above it
  EXPECT_FALSE(rate(0.0, 1.0).has_value());    // no work declared: no rate, never 0 GB/s
  EXPECT_FALSE(rate(-1.0, 1.0).has_value());
  EXPECT_FALSE(rate(1.0, inf).has_value());
  EXPECT_FALSE(rate(nan, 1.0).has_value());
  EXPECT_FALSE(rate(inf, 1.0).has_value());
  // An explicit floor of 0 still rejects 0 but accepts tiny positive times.
  EXPECT_FALSE(rate(1.0, 0.0, 0.0).has_value());
  ASSERT_TRUE(rate(1.0, 1e-12, 0.0).has_value());
  EXPECT_DOUBLE_EQ(*rate(1.0, 1e-12, 0.0), 1e12);
}

TEST(CheckedMul, DetectsOverflow) {
  EXPECT_EQ(checked_mul(0, kU64Max), 0u);
  EXPECT_EQ(checked_mul(kU64Max, 1), kU64Max);
  EXPECT_EQ(checked_mul(1ull << 32, (1ull << 32) - 1), kU64Max - ((1ull << 32) - 1));
  EXPECT_EQ(checked_mul((1ull << 31) - 1, 8), ((1ull << 31) - 1) * 8);
  EXPECT_THROW(checked_mul(1ull << 32, 1ull << 32), std::overflow_error);
  EXPECT_THROW(checked_mul(kU64Max, 2), std::overflow_error);
  EXPECT_THROW(checked_mul((1ull << 63), 2), std::overflow_error);
}

TEST(FormatBytes, HumanReadable) {
  EXPECT_EQ(format_bytes(10), "10 B");
  EXPECT_EQ(format_bytes(1536), "1.50 KiB");
  EXPECT_EQ(format_bytes(4ull << 30), "4.00 GiB");
}

// ---- parse_cli: accepted forms ------------------------------------------------------------

TEST(ParseCli, NoArgumentsIsHelp) {
  const CliOptions o = parse_cli({});
  EXPECT_EQ(o.command, Command::help);
  EXPECT_TRUE(o.help_topic.empty());
}

TEST(ParseCli, RunDefaults) {
  const CliOptions o = parse_cli({"run"});
  EXPECT_EQ(o.command, Command::run);
  EXPECT_EQ(o.profile, Profile::standard);
  EXPECT_STREQ(to_string(o.profile), "default");
  EXPECT_TRUE(o.verify);
  EXPECT_FALSE(o.overwrite);
  EXPECT_FALSE(o.seed.has_value());
  EXPECT_TRUE(o.filter.empty());
  EXPECT_TRUE(o.families.empty());
  EXPECT_TRUE(o.benchmark_args.empty());
}

TEST(ParseCli, KeyEqualsValueAndSeparateValueForms) {
  const CliOptions a = parse_cli({"run",
                                  "--out=r.json",
                                  "--seed=7",
                                  "--family=stream,host",
                                  "--devices=0,2",
                                  "--min-time=0.25",
                                  "--max-noise=0.01",
                                  "--timeout=5",
                                  "--profile=full"});
  const CliOptions b = parse_cli({"run",
                                  "--out",
                                  "r.json",
                                  "--seed",
                                  "7",
                                  "--family",
                                  "stream,host",
                                  "--devices",
                                  "0,2",
                                  "--min-time",
                                  "0.25",
                                  "--max-noise",
                                  "0.01",
                                  "--timeout",
                                  "5",
                                  "--profile",
                                  "full"});
  for (const CliOptions* o : {&a, &b}) {
    EXPECT_EQ(o->command, Command::run);
    EXPECT_EQ(o->out, "r.json");
    ASSERT_TRUE(o->seed.has_value());
    EXPECT_EQ(*o->seed, 7u);
    EXPECT_EQ(o->families, (std::vector<std::string>{"stream", "host"}));
    EXPECT_EQ(o->devices, (std::vector<int>{0, 2}));
    ASSERT_TRUE(o->min_time_s.has_value());
    EXPECT_DOUBLE_EQ(*o->min_time_s, 0.25);
    EXPECT_DOUBLE_EQ(*o->max_noise, 0.01);
    EXPECT_DOUBLE_EQ(*o->timeout_s, 5.0);
    EXPECT_EQ(o->profile, Profile::full);
  }
}

TEST(ParseCli, Switches) {
  const CliOptions o = parse_cli({"run", "--quick", "--overwrite", "--quiet", "--no-verify"});
  EXPECT_EQ(o.profile, Profile::quick);
  EXPECT_TRUE(o.overwrite);
  EXPECT_TRUE(o.quiet);
  EXPECT_FALSE(o.verify);
  EXPECT_EQ(parse_cli({"list", "--full"}).profile, Profile::full);
  EXPECT_TRUE(parse_cli({"devices", "--json"}).json);
  EXPECT_EQ(parse_cli({"run", "--quick", "--quick"}).profile, Profile::quick);  // same, no conflict
  EXPECT_EQ(parse_cli({"run", "--quick", "--profile", "quick"}).profile, Profile::quick);
  EXPECT_EQ(parse_cli({"run", "--profile", "default"}).profile, Profile::standard);
  EXPECT_EQ(*parse_cli({"run", "--seed", "18446744073709551615"}).seed, kU64Max);
  EXPECT_FALSE(parse_cli({"run"}).strict);
  EXPECT_TRUE(parse_cli({"run", "--strict"}).strict);
  const CliOptions audit = parse_cli({"preflight", "--strict", "--devices", "1"});
  EXPECT_EQ(audit.command, Command::preflight);
  EXPECT_TRUE(audit.strict);
  EXPECT_EQ(audit.devices, std::vector<int>{1});
}

TEST(ParseCli, PositionalFilter) {
  EXPECT_EQ(parse_cli({"run", "triad"}).filter, "triad");
  EXPECT_EQ(parse_cli({"list", "stream/hbm", "--quick"}).filter, "stream/hbm");
  EXPECT_EQ(parse_cli({"run", "--quick", "copy"}).filter, "copy");
}

TEST(ParseCli, BenchmarkFlagsPassThroughForRunOnly) {
  const CliOptions o = parse_cli({"run", "--benchmark_filter=x", "--benchmark_repetitions=3"});
  EXPECT_EQ(o.benchmark_args,
            (std::vector<std::string>{"--benchmark_filter=x", "--benchmark_repetitions=3"}));
  EXPECT_TRUE(o.filter.empty());
  EXPECT_TRUE(HasSubstr(usage_error([] {
                          parse_cli({"list", "--benchmark_filter=x"});
                        }),
                        "--benchmark_filter"));
  EXPECT_TRUE(HasSubstr(usage_error([] {
                          parse_cli({"devices", "--benchmark_filter=x"});
                        }),
                        "--benchmark_filter"));
}

TEST(ParseCli, HelpForSubcommands) {
  CliOptions o = parse_cli({"run", "--help"});
  EXPECT_EQ(o.command, Command::help);
  EXPECT_EQ(o.help_topic, "run");
  o = parse_cli({"list", "-h"});
  EXPECT_EQ(o.command, Command::help);
  EXPECT_EQ(o.help_topic, "list");
  o = parse_cli({"help", "devices"});
  EXPECT_EQ(o.command, Command::help);
  EXPECT_EQ(o.help_topic, "devices");
  o = parse_cli({"--help"});
  EXPECT_EQ(o.command, Command::help);
  EXPECT_TRUE(o.help_topic.empty());
  EXPECT_TRUE(HasSubstr(help_text(Command::run), "--out"));
  EXPECT_TRUE(HasSubstr(help_text(Command::run), "--no-verify"));
  EXPECT_TRUE(HasSubstr(help_text(Command::list), "list"));
  EXPECT_TRUE(HasSubstr(help_text(Command::preflight), "--strict"));
  EXPECT_TRUE(HasSubstr(help_text(Command::run), "5 --strict"));
}

TEST(ParseCli, Version) {
  EXPECT_EQ(parse_cli({"--version"}).command, Command::version);
  EXPECT_TRUE(HasSubstr(usage_error([] { parse_cli({"--version", "extra"}); }), "--version"));
}

// ---- parse_cli: rejections ---------------------------------------------------------------

TEST(ParseCli, ErrorsNameTheFlag) {
  struct Row {
    std::vector<std::string> args;
    const char* named;  // what the message must mention
  };
  const std::vector<Row> rows{
      {{"frobnicate"}, "frobnicate"},
      {{"run", "--json"}, "--json"},
      {{"list", "--out", "x"}, "--out"},
      {{"devices", "--quick"}, "--quick"},
      {{"run", "--bogus"}, "--bogus"},
      {{"run", "--out"}, "--out"},
      {{"run", "--quick", "--seed"}, "--seed"},
      {{"run", "--out="}, "--out"},
      {{"run", "--seed", "-1"}, "--seed"},
      {{"run", "--seed", "1e3"}, "--seed"},
      {{"run", "--seed", "0x10"}, "--seed"},
      {{"run", "--seed="}, "--seed"},
      {{"run", "--seed", "99999999999999999999"}, "--seed"},
      {{"run", "--min-time", "abc"}, "--min-time"},
      {{"run", "--min-time", "0"}, "--min-time"},
      {{"run", "--min-time", "-1"}, "--min-time"},
      {{"run", "--timeout", "nan"}, "--timeout"},
      {{"run", "--timeout", "1e9"}, "--timeout"},
      {{"run", "--max-noise", "2"}, "--max-noise"},
      {{"run", "--max-noise", "0"}, "--max-noise"},
      {{"run", "--max-noise", "1,5"}, "--max-noise"},
      {{"run", "--devices", "0,,1"}, "--devices"},
      {{"run", "--devices", ""}, "--devices"},
      {{"run", "--devices", "0,"}, "--devices"},
      {{"run", "--devices", "-1"}, "--devices"},
      {{"run", "--devices", "1024"}, "--devices"},
      {{"run", "--family", "stream,,host"}, "--family"},
      {{"run", "--quick", "--full"}, "--full"},
      {{"run", "--full", "--profile", "quick"}, "--profile"},
      {{"list", "--quick", "--full"}, "--full"},
      {{"run", "--profile", "bogus"}, "--profile"},
      {{"run", "--overwrite=yes"}, "--overwrite"},
      {{"run", "--quiet=1"}, "--quiet"},
      {{"run", "a", "b"}, "FILTER"},
      {{"devices", "x"}, "devices"},
      {{"preflight", "x"}, "preflight"},
      {{"preflight", "--quick"}, "--quick"},
      {{"preflight", "--strict=1"}, "--strict"},
      {{"list", "--strict"}, "--strict"},
      {{"--version", "extra"}, "--version"},
      {{"run", "--worker-interrupted=0"}, "--worker-interrupted"},
      {{"run", "--worker-interrupted=65"}, "--worker-interrupted"},
      {{"run", "--worker-interrupted"}, "--worker-interrupted"},
  };
  for (const auto& r : rows) {
    std::string joined;
    for (const auto& a : r.args) {
      joined += "'" + a + "' ";
    }
    const std::string msg = usage_error([&] { parse_cli(r.args); });
    EXPECT_TRUE(HasSubstr(msg, r.named)) << "args: " << joined;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  }
}

TEST(ParseCli, WorkerInterruptedCarriesTheSignal) {
  EXPECT_EQ(parse_cli({"run"}).worker_interrupted, 0);
  EXPECT_EQ(parse_cli({"run", "--worker-interrupted=15"}).worker_interrupted, 15);
  EXPECT_TRUE(is_worker_flag("--worker-interrupted=2"));
}

TEST(ParseCli, ConflictingProfilesSaySo) {
  EXPECT_TRUE(HasSubstr(usage_error([] { parse_cli({"run", "--quick", "--full"}); }), "conflict"));
}

TEST(ParseCli, TwoFiltersNameBoth) {
  const std::string msg = usage_error([] { parse_cli({"run", "triad", "copy"}); });
  EXPECT_TRUE(HasSubstr(msg, "triad"));
  EXPECT_TRUE(HasSubstr(msg, "copy"));
}

}  // namespace
}  // namespace gpb
