// SPDX-License-Identifier: Apache-2.0
#include <gpb/text.hpp>

namespace gpb {

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out += sep;
    }
    out += parts[i];
  }
  return out;
}

}  // namespace gpb
