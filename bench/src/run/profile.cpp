// SPDX-License-Identifier: Apache-2.0
// Each profile's stopping-rule defaults, in one table, and the command line's overrides.
#include <array>

#include "run_internal.hpp"

namespace gpb {
namespace {

struct ProfileDefaults {
  Profile profile;
  double min_time_s;  ///< timed seconds before the noise may stop sampling (MR-3)
  double timeout_s;   ///< host seconds of sampling before the case gives up (MR-3)
};

// The default profile keeps MeasurePolicy's own defaults (METHODOLOGY MR-3).
constexpr std::array<ProfileDefaults, 3> kProfiles{{
    {Profile::quick, 0.1, 3},
    {Profile::standard, 0.5, 15},
    {Profile::full, 1.0, 30},
}};

}  // namespace

MeasurePolicy policy_for(const CliOptions& o) {
  MeasurePolicy p;
  for (const auto& d : kProfiles) {
    if (d.profile == o.profile) {
      p.min_time_s = d.min_time_s;
      p.timeout_s = d.timeout_s;
    }
  }
  if (o.min_time_s) {
    p.min_time_s = *o.min_time_s;
  }
  if (o.max_noise) {
    p.max_noise = *o.max_noise;
  }
  if (o.timeout_s) {
    p.timeout_s = *o.timeout_s;
  }
  p.stop_flag = signal_flag();
  return p;
}

}  // namespace gpb
