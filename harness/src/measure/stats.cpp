// SPDX-License-Identifier: Apache-2.0
#include <gpb/measure/stats.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace gpb {

double median_of(std::vector<double> v) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  return quantile_sorted(v, 0.5);
}

double quantile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) {
    throw std::invalid_argument("quantile of an empty sample set");
  }
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

std::optional<double> relative_stdev(const std::vector<double>& samples_s) {
  if (samples_s.size() < 2) {
    return std::nullopt;
  }
  const double n = static_cast<double>(samples_s.size());
  const double mean = std::accumulate(samples_s.begin(), samples_s.end(), 0.0) / n;
  if (!(mean > 0)) {
    return std::nullopt;
  }
  double ss = 0;
  for (double x : samples_s) {
    ss += (x - mean) * (x - mean);
  }
  return std::sqrt(ss / (n - 1)) / mean;  // Bessel: the mean was estimated from the same data
}

Stats summarize(std::vector<double> samples_s) {
  if (samples_s.empty()) {
    throw std::invalid_argument("summarize: no samples");
  }
  for (double x : samples_s) {
    if (!std::isfinite(x) || x <= 0) {
      throw std::invalid_argument("summarize: sample is not a finite positive time");
    }
  }
  std::sort(samples_s.begin(), samples_s.end());
  Stats s;
  s.n = static_cast<std::int64_t>(samples_s.size());
  s.min_s = samples_s.front();
  s.max_s = samples_s.back();
  s.mean_s = std::accumulate(samples_s.begin(), samples_s.end(), 0.0) / static_cast<double>(s.n);
  s.median_s = quantile_sorted(samples_s, 0.5);
  s.q1_s = quantile_sorted(samples_s, 0.25);
  s.q3_s = quantile_sorted(samples_s, 0.75);
  if (s.n < kMinSamplesForNoise) {
    s.noise_reason = "fewer_than_5_samples";
    return s;
  }
  s.rel_stdev = relative_stdev(samples_s);
  s.stdev_s = *s.rel_stdev * s.mean_s;
  s.rel_iqr = (s.q3_s - s.q1_s) / s.median_s;
  return s;
}

}  // namespace gpb
