// SPDX-License-Identifier: Apache-2.0
// Which NCCL this process would load (METHODOLOGY DI-4): gpubench is built against NCCL's
// headers but runs with whatever libnccl.so.2 the machine provides (often PyTorch's), so the
// version is read from the library at run time and compared with the headers'. Only
// ncclGetVersion is called; the library is opened by soname, never linked.
#pragma once

#include <gpb/machine/nvml.hpp>

#include <string>

namespace gpb {

/// "2.28.9" from NCCL_VERSION_CODE-style codes: major*10000 + minor*100 + patch from 2.9 on,
/// major*1000 + minor*100 + patch before; "" for a code that is neither.
std::string nccl_version_text(int code);

/// The version code of the NCCL library `soname` resolves to, or why there is none
/// ("libnccl.so.2: cannot open shared object file", "no ncclGetVersion", ...).
Reading<int> loaded_nccl_version(const std::string& soname = "libnccl.so.2");

/// "" when the loaded library's major.minor equals the headers'; else a warning in words.
std::string nccl_version_mismatch(int loaded, int header);

}  // namespace gpb
