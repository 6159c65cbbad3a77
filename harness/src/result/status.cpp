// SPDX-License-Identifier: Apache-2.0
#include <gpb/common/enum_names.hpp>
#include <gpb/result/status.hpp>

#include <array>
#include <utility>

namespace gpb {
namespace {
constexpr EnumNames<Status, 13> kStatusNames{{
    {Status::unknown, "unknown"},
    {Status::valid, "valid"},
    {Status::noisy, "noisy"},
    {Status::throttled, "throttled"},
    {Status::implausible, "implausible"},
    {Status::invalid, "invalid"},
    {Status::failed_verification, "failed_verification"},
    {Status::error, "error"},
    {Status::timeout, "timeout"},
    {Status::skipped, "skipped"},
    {Status::not_supported, "not_supported"},
    {Status::not_applicable, "not_applicable"},
    {Status::interrupted, "interrupted"},
}};
constexpr EnumNames<CheckStatus, 4> kCheckNames{{
    {CheckStatus::ok, "ok"},
    {CheckStatus::warn, "warn"},
    {CheckStatus::fail, "fail"},
    {CheckStatus::unknown, "unknown"},
}};
}  // namespace

std::string_view to_string(CheckStatus s) noexcept {
  return name_of(kCheckNames, s, "unknown");
}

std::optional<CheckStatus> check_status_from_string(std::string_view name) noexcept {
  return value_of(kCheckNames, name);
}

std::string_view to_string(Status s) noexcept {
  return name_of(kStatusNames, s, "unknown");
}

std::optional<Status> status_from_string(std::string_view name) noexcept {
  return value_of(kStatusNames, name);
}

bool is_run_exit_code(int code) noexcept {
  for (ExitCode c : {ExitCode::ok,
                     ExitCode::case_failed,
                     ExitCode::no_device,
                     ExitCode::threshold,
                     ExitCode::preflight,
                     ExitCode::sigint,
                     ExitCode::sigterm}) {
    if (code == static_cast<int>(c)) {
      return true;
    }
  }
  return false;
}

bool is_failure(Status s) noexcept {
  switch (s) {
    case Status::failed_verification:
    case Status::error:
    case Status::timeout:
    case Status::invalid:
    case Status::implausible:
    case Status::unknown:
      return true;
    default:
      return false;
  }
}

ExitCode exit_code_for(const std::vector<Status>& statuses,
                       bool gpu_requested_without_device,
                       int interrupted_by_signal,
                       bool preflight_refused) noexcept {
  if (interrupted_by_signal == 2) {
    return ExitCode::sigint;
  }
  if (interrupted_by_signal == 15) {
    return ExitCode::sigterm;
  }
  if (gpu_requested_without_device) {
    return ExitCode::no_device;
  }
  if (preflight_refused) {
    return ExitCode::preflight;
  }
  for (Status s : statuses) {
    if (is_failure(s)) {
      return ExitCode::case_failed;
    }
  }
  return ExitCode::ok;
}

}  // namespace gpb
