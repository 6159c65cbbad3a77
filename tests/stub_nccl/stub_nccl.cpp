// SPDX-License-Identifier: Apache-2.0
// A stand-in libnccl for the version probe test (tests/host/machine/nccl_version_test.cpp):
// ncclGetVersion answers 2.21.5 (GPB_STUB_NCCL_CODE overrides the code).
#include <cstdlib>

extern "C" int ncclGetVersion(int* version) {
  const char* forced = std::getenv("GPB_STUB_NCCL_CODE");
  *version = forced != nullptr ? std::atoi(forced) : 22105;
  return 0;
}
