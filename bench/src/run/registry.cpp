// SPDX-License-Identifier: Apache-2.0
#include <gpb/registry.hpp>

namespace gpb {

bool in_profile(unsigned mask, Profile p) noexcept {
  switch (p) {
    case Profile::quick:
      return (mask & kQuick) != 0;
    case Profile::full:
      return (mask & kFull) != 0;
    case Profile::standard:
      break;
  }
  return (mask & kDefault) != 0;
}

Catalog& Catalog::instance() {
  static Catalog catalog;
  return catalog;
}

void Catalog::add(CaseSpec spec) {
  cases_.push_back(std::move(spec));
}

std::string case_name(const std::string& family, const Params& params) {
  std::string name = family;
  for (const auto& [key, value] : params) {
    name += "/" + key + "=" + value;
  }
  return name;
}

}  // namespace gpb
