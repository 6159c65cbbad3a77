// SPDX-License-Identifier: Apache-2.0
// gpubench: GPU microbenchmarks with verified, provenance-rich JSON results.
#include <string>
#include <vector>

#include "command_table.hpp"

extern char** environ;

int main(int argc, char** argv) {
  return gpb::dispatch(std::vector<std::string>(argv, argv + argc), environ);
}
