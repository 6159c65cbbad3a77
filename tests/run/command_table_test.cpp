// SPDX-License-Identifier: Apache-2.0
// The command table: every subcommand has a summary, a help text and a handler; the overview
// lists them all; dispatch maps bad command lines to exit 2 and never throws.
#include "app/command_table.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

namespace gpb {
namespace {

bool has_internal_id(const std::string& text) {
  static const std::regex id(R"(\b(MR|DI|FH|IN|TE)-[0-9])");
  return std::regex_search(text, id) || text.find("\xc2\xa7") != std::string::npos;
}

int dispatch_quietly(const std::vector<std::string>& argv, std::string* out = nullptr) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int rc = dispatch(argv, nullptr);
  const std::string o = ::testing::internal::GetCapturedStdout();
  const std::string e = ::testing::internal::GetCapturedStderr();
  if (out != nullptr) {
    *out = o + e;
  }
  return rc;
}

TEST(CommandTable, EveryCommandHasSummaryHelpAndHandler) {
  std::set<std::string> names;
  for (const auto& c : command_table()) {
    SCOPED_TRACE(std::string(c.name));
    EXPECT_TRUE(names.insert(std::string(c.name)).second) << "one entry per name";
    EXPECT_FALSE(c.summary.empty());
    ASSERT_NE(c.help, nullptr);
    ASSERT_NE(c.handler, nullptr);
    const std::string help = c.help();
    EXPECT_NE(help.find("gpubench " + std::string(c.name)), std::string::npos) << help;
    EXPECT_FALSE(has_internal_id(help)) << help;
  }
  for (const char* n :
       {"devices", "list", "run", "preflight", "report", "compare", "validate", "prices"}) {
    EXPECT_EQ(names.count(n), 1u) << n;
  }
}

TEST(CommandTable, OverviewListsEveryCommand) {
  const std::string text = overview_help();
  for (const auto& c : command_table()) {
    EXPECT_NE(text.find("  " + std::string(c.name)), std::string::npos) << c.name;
    EXPECT_NE(text.find(std::string(c.summary)), std::string::npos) << c.name;
  }
  EXPECT_FALSE(has_internal_id(text));
}

TEST(CommandTable, HelpForms) {
  std::string out;
  EXPECT_EQ(dispatch_quietly({"gpubench", "--help"}, &out), 0);
  EXPECT_EQ(out, overview_help());
  EXPECT_EQ(dispatch_quietly({"gpubench", "help", "run"}, &out), 0);
  EXPECT_NE(out.find("usage: gpubench run"), std::string::npos) << out;
  EXPECT_EQ(dispatch_quietly({"gpubench", "list", "--help"}, &out), 0);
  EXPECT_NE(out.find("usage: gpubench list"), std::string::npos) << out;
  EXPECT_EQ(dispatch_quietly({"gpubench", "compare", "-h"}, &out), 0);
  EXPECT_NE(out.find("usage: gpubench compare"), std::string::npos) << out;
}

TEST(CommandTable, BadCommandLinesExitTwo) {
  std::string out;
  EXPECT_EQ(dispatch_quietly({"gpubench"}, &out), 2) << "a command is required";
  EXPECT_NE(out.find("usage: gpubench <command>"), std::string::npos) << out;
  EXPECT_EQ(dispatch_quietly({"gpubench", "frobnicate"}, &out), 2);
  EXPECT_NE(out.find("unknown command 'frobnicate'"), std::string::npos) << out;
  EXPECT_NE(out.find("prices"), std::string::npos) << "the message lists the commands";
  EXPECT_EQ(dispatch_quietly({"gpubench", "--version", "x"}, &out), 2);
  EXPECT_EQ(dispatch_quietly({"gpubench", "run", "--bogus"}, &out), 2);
  EXPECT_NE(out.find("run: unknown option '--bogus'"), std::string::npos) << out;
  EXPECT_EQ(dispatch_quietly({"gpubench", "report"}, &out), 2);
  EXPECT_EQ(dispatch_quietly({"gpubench", "validate", "/nonexistent/x.json"}, &out), 2);
}

TEST(CommandTable, VersionPrintsTheTool) {
  std::string out;
  EXPECT_EQ(dispatch_quietly({"gpubench", "--version"}, &out), 0);
  EXPECT_EQ(out.rfind("gpubench ", 0), 0u) << out;
}

}  // namespace
}  // namespace gpb
