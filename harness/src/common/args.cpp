// SPDX-License-Identifier: Apache-2.0
#include <gpb/common/args.hpp>
#include <gpb/common/csv.hpp>
#include <gpb/common/units.hpp>

#include <algorithm>

namespace gpb {
namespace {

bool contains(const std::vector<std::string_view>& set, std::string_view flag) {
  return std::find(set.begin(), set.end(), flag) != set.end();
}

}  // namespace

std::optional<std::string> ParsedArgs::single(std::string_view flag) const {
  std::optional<std::string> v;
  for (const auto& o : options) {
    if (o.flag == flag && o.value) {
      if (v) {
        throw UsageError(command + ": " + std::string(flag) + " given twice");
      }
      v = o.value;
    }
  }
  return v;
}

std::vector<std::string> ParsedArgs::all(std::string_view flag) const {
  std::vector<std::string> out;
  for (const auto& o : options) {
    if (o.flag == flag && o.value) {
      out.push_back(*o.value);
    }
  }
  return out;
}

bool ParsedArgs::has(std::string_view flag) const {
  return std::any_of(
      options.begin(), options.end(), [&](const ParsedOption& o) { return o.flag == flag; });
}

ParsedArgs parse_args(const std::string& command,
                      const std::vector<std::string>& args,
                      const ArgRules& rules) {
  ParsedArgs p;
  p.command = command;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.empty()) {
      throw UsageError(command + ": empty argument");
    }
    if (options_done || a[0] != '-' || a == "-") {
      p.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      p.help = true;
      continue;
    }
    if (!rules.passthrough_prefix.empty() && a.rfind(rules.passthrough_prefix, 0) == 0) {
      p.passthrough.push_back(a);  // its own parser validates it
      continue;
    }
    const std::size_t eq = a.find('=');
    const std::string flag = a.substr(0, eq);
    if (contains(rules.value_flags, flag)) {
      std::string value;
      if (eq != std::string::npos) {
        value = a.substr(eq + 1);
      } else {
        if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0) {
          throw UsageError(command + ": " + flag + " needs a value");
        }
        value = args[++i];
      }
      if (value.empty()) {
        throw UsageError(command + ": " + flag + " needs a value");
      }
      p.options.push_back({flag, value});
    } else if (contains(rules.switch_flags, flag)) {
      if (eq != std::string::npos) {
        throw UsageError(command + ": " + flag + " takes no value");
      }
      p.options.push_back({flag, std::nullopt});
    } else {
      throw UsageError(command + ": unknown option '" + quote_for_message(flag) +
                       "' (see gpubench " + command + " --help)");
    }
  }
  return p;
}

}  // namespace gpb
