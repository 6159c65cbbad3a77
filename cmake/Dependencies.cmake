# SPDX-License-Identifier: Apache-2.0
# Third-party packages come from the system (scripts/setup.sh installs them on Debian/Ubuntu).
find_package(nlohmann_json 3.11 REQUIRED)
find_package(benchmark REQUIRED)
find_package(Threads REQUIRED)
if(GPB_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
