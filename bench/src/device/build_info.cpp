// SPDX-License-Identifier: Apache-2.0
#include <gpb/build_info.hpp>
#include <gpb/device_runtime.hpp>

#include "build_info_values.hpp"

namespace gpb {

ToolInfo build_tool_info() {
  ToolInfo t;
  t.version = GPB_VERSION;
  t.git_sha = GPB_GIT_SHA;
  t.git_dirty = GPB_GIT_DIRTY;
  t.build_type = GPB_BUILD_TYPE;
#if defined(__clang__)
  t.compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  t.compiler = std::string("gcc ") + __VERSION__;
#endif
  t.cuda_architectures = GPB_CUDA_ARCHITECTURES;
  fill_tool_versions(t);
  return t;
}

}  // namespace gpb
