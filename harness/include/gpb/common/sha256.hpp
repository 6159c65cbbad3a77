// SPDX-License-Identifier: Apache-2.0
// SHA-256 (FIPS 180-4), for the result files' integrity sidecar (METHODOLOGY DI-5). Small and
// dependency-free: the harness links no crypto library for one digest.
#pragma once

#include <string>
#include <string_view>

namespace gpb {

/// Lower-case hex digest of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace gpb
