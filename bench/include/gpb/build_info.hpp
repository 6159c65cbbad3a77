// SPDX-License-Identifier: Apache-2.0
// Compile-time provenance of this binary (METHODOLOGY DI-4).
#pragma once

#include <gpb/result/schema.hpp>

namespace gpb {

/// Version, git SHA and dirty flag, build type, compiler, CUDA architectures, header versions.
ToolInfo build_tool_info();

}  // namespace gpb
