// SPDX-License-Identifier: Apache-2.0
#include <gpb/measure/peaks.hpp>

namespace gpb {

std::optional<double> memory_peak_bytes_per_s(double mem_clock_khz, int bus_width_bits) noexcept {
  if (!(mem_clock_khz > 0) || bus_width_bits <= 0) {
    return std::nullopt;
  }
  // Double data rate: two transfers per memory clock (METHODOLOGY §3, H100: 2619 MHz x 5120 bit).
  return 2.0 * mem_clock_khz * 1e3 * static_cast<double>(bus_width_bits) / 8.0;
}

std::string apply_peak(Peak& peak, double measured) {
  if (!peak.value || !(*peak.value > 0)) {
    peak.fraction.reset();
    return "";
  }
  peak.fraction = measured / *peak.value;
  if (*peak.fraction > kImplausibleFraction) {
    return "above_105_percent_of_peak";
  }
  if (*peak.fraction < kSuspiciousFraction) {
    return "suspiciously_low";
  }
  return "";
}

}  // namespace gpb
