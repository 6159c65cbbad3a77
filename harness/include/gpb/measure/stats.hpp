// SPDX-License-Identifier: Apache-2.0
// Summary statistics over per-operation time samples (METHODOLOGY MR-4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpb {

/// Statistics of a sample set, all in seconds. Quartiles use linear interpolation between
/// order statistics (type 7, as numpy's default). Noise figures are null below 5 samples
/// (nvbench#392) with `noise_reason` saying so.
struct Stats {
  std::int64_t n = 0;
  double min_s = 0, max_s = 0, mean_s = 0, median_s = 0, q1_s = 0, q3_s = 0;
  std::optional<double> stdev_s;    ///< Bessel-corrected (n-1)
  std::optional<double> rel_stdev;  ///< stdev / mean
  std::optional<double> rel_iqr;    ///< (q3 - q1) / median
  std::string noise_reason;
};

/// Minimum sample count for noise figures (MR-4).
inline constexpr std::int64_t kMinSamplesForNoise = 5;

/// Summarizes finite, positive samples. Throws std::invalid_argument on an empty set or on
/// any non-finite or non-positive sample: callers filter those first (MR-1).
Stats summarize(std::vector<double> samples_s);

/// Bessel-corrected relative standard deviation; nullopt for n < 2 or mean <= 0.
std::optional<double> relative_stdev(const std::vector<double>& samples_s);

/// Quantile q in [0,1] of sorted data, linear interpolation (type 7).
double quantile_sorted(const std::vector<double>& sorted, double q);

/// Median of a copy (type 7); 0 for an empty vector.
double median_of(std::vector<double> v);

}  // namespace gpb
