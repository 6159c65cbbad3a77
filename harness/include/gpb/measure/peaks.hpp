// SPDX-License-Identifier: Apache-2.0
// Theoretical peaks and the plausibility bound (METHODOLOGY §3, MR-13).
#pragma once

#include <gpb/result/schema.hpp>

#include <optional>

namespace gpb {

/// HBM/GDDR peak in bytes/s: 2 (DDR) * memory clock * bus width / 8. Inputs as the CUDA
/// attributes give them (kHz, bits). nullopt when either is 0.
std::optional<double> memory_peak_bytes_per_s(double mem_clock_khz, int bus_width_bits) noexcept;

/// Fills peak.fraction from `measured` and applies MR-13: above 105 % -> implausible (returned
/// as a reason), below 10 % -> "suspiciously_low". Returns the reason or "" when in range.
std::string apply_peak(Peak& peak, double measured);

inline constexpr double kImplausibleFraction = 1.05;
inline constexpr double kSuspiciousFraction = 0.10;

}  // namespace gpb
