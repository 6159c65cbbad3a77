// SPDX-License-Identifier: Apache-2.0
// Private to the preflight audit (preflight.cpp: host checks and the outcome, preflight_gpu.cpp:
// the checks per GPU): the builder every check rule adds its check through.
#pragma once

#include <gpb/machine/preflight.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gpb::preflight_detail {

/// Builds one check; the rules (the evaluate_* functions) only choose status, value and reason.
class Checks {
 public:
  explicit Checks(std::string scope) : scope_(std::move(scope)) {}

  void add(const char* id,
           CheckStatus status,
           std::optional<std::string> value,
           std::string expected,
           std::string reason = "") {
    out_.push_back({id, scope_, status, std::move(value), std::move(expected), std::move(reason)});
  }
  /// An item that could not be read: `unknown`, value null, the reading's reason.
  template <class T>
  bool missing(const char* id, const Reading<T>& r, const std::string& expected) {
    if (r.value) {
      return false;
    }
    add(id,
        CheckStatus::unknown,
        std::nullopt,
        expected,
        r.reason.empty() ? "unreadable" : r.reason);
    return true;
  }
  /// A count that should be 0: `if_not` with `reason` otherwise.
  template <class T>
  void zero(const char* id, const Reading<T>& r, CheckStatus if_not, const char* reason) {
    if (!missing(id, r, "0")) {
      const bool ok = *r.value == 0;
      add(id, ok ? CheckStatus::ok : if_not, std::to_string(*r.value), "0", ok ? "" : reason);
    }
  }
  std::vector<PreflightCheck> take() { return std::move(out_); }

 private:
  std::string scope_;
  std::vector<PreflightCheck> out_;
};

}  // namespace gpb::preflight_detail
