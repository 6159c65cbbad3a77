// SPDX-License-Identifier: Apache-2.0
// Which cases a run executes: the profile, --family and FILTER, and what Google Benchmark's own
// filter and repetitions add.
#include <gpb/common/units.hpp>
#include <gpb/registry.hpp>

#include <algorithm>
#include <optional>
#include <regex>
#include <set>

#include "run_internal.hpp"

namespace gpb {
namespace {

bool family_selected(const CaseSpec& spec, const std::vector<std::string>& families) {
  if (families.empty()) {
    return true;
  }
  return std::any_of(families.begin(), families.end(), [&](const std::string& f) {
    return spec.family == f || top_family(spec.family) == f || spec.family.rfind(f + "/", 0) == 0;
  });
}

std::regex compile_filter(const std::string& filter, const char* what) {
  try {
    return std::regex(filter, std::regex::extended | std::regex::nosubs);
  } catch (const std::regex_error& e) {
    throw UsageError(std::string(what) + ": '" + filter + "' is not a valid regular expression");
  }
}

}  // namespace

std::string top_family(const std::string& family) {
  return family.substr(0, family.find('/'));
}

std::vector<const CaseSpec*> select_specs(const CliOptions& o) {
  const auto& all = Catalog::instance().cases();
  for (const auto& f : o.families) {
    const bool known = std::any_of(
        all.begin(), all.end(), [&](const CaseSpec& s) { return family_selected(s, {f}); });
    if (!known) {
      std::set<std::string> names;
      for (const auto& s : all) {
        names.insert(top_family(s.family));
      }
      std::string list;
      for (const auto& n : names) {
        list += (list.empty() ? "" : ", ") + n;
      }
      throw UsageError("--family: unknown family '" + f + "' (known: " + list + ")");
    }
  }
  std::optional<std::regex> filter;
  if (!o.filter.empty()) {
    filter = compile_filter(o.filter, "FILTER");
  }
  std::vector<const CaseSpec*> out;
  for (const auto& s : all) {
    if (!in_profile(s.profiles, o.profile) || !family_selected(s, o.families)) {
      continue;
    }
    if (filter && !std::regex_search(s.name, *filter)) {
      continue;
    }
    out.push_back(&s);
  }
  return out;
}

std::size_t count_gbench_selected(const std::vector<Instance>& instances,
                                  const std::vector<std::string>& bench_args) {
  std::string filter;
  std::size_t repetitions = 1;
  for (const auto& a : bench_args) {
    if (a.rfind("--benchmark_filter=", 0) == 0) {
      filter = a.substr(19);
    } else if (a.rfind("--benchmark_repetitions=", 0) == 0) {
      try {
        repetitions = std::max<std::size_t>(1, parse_uint(a.substr(24), "--benchmark_repetitions"));
      } catch (const UsageError&) {
        // gbench reports its own flag errors
      }
    }
  }
  if (filter.empty() || filter == "all" || filter == ".") {
    return instances.size() * repetitions;
  }
  const bool negative = filter[0] == '-';
  const std::regex re = compile_filter(negative ? filter.substr(1) : filter, "--benchmark_filter");
  std::size_t n = 0;
  for (const auto& i : instances) {
    n += std::regex_search(i.name, re) != negative ? 1 : 0;
  }
  return n * repetitions;
}

bool lists_only(const CliOptions& o) {
  return std::any_of(o.benchmark_args.begin(), o.benchmark_args.end(), [](const std::string& a) {
    return a == "--benchmark_list_tests" || a == "--benchmark_list_tests=true" ||
           a == "--benchmark_list_tests=1";
  });
}

}  // namespace gpb
