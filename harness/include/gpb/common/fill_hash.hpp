// SPDX-License-Identifier: Apache-2.0
// Seeded, index-addressable pseudo-random values (METHODOLOGY MR-9). Compiled by both nvcc and
// the host compiler, so the host can replay any element without copying inputs back.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define GPB_HD __host__ __device__
#else
#define GPB_HD
#endif

namespace gpb {

/// splitmix64 of (seed, index): a stateless generator with good bit mixing.
GPB_HD inline std::uint64_t hash64(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// Uniform in [lo, lo + 1) with 24 random bits: exact in float, identical on host and device.
GPB_HD inline float hash_float(std::uint64_t seed, std::uint64_t index, float lo) {
  return lo + static_cast<float>(hash64(seed, index) >> 40) * (1.0f / 16777216.0f);
}

/// Uniform in [lo, lo + 1) with 53 random bits.
GPB_HD inline double hash_double(std::uint64_t seed, std::uint64_t index, double lo) {
  return lo + static_cast<double>(hash64(seed, index) >> 11) * (1.0 / 9007199254740992.0);
}

/// Overload set used by templated kernels and host replays.
GPB_HD inline float hash_value(std::uint64_t seed, std::uint64_t index, float lo) {
  return hash_float(seed, index, lo);
}
GPB_HD inline double hash_value(std::uint64_t seed, std::uint64_t index, double lo) {
  return hash_double(seed, index, lo);
}

}  // namespace gpb
