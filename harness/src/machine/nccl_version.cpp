// SPDX-License-Identifier: Apache-2.0
#include <gpb/machine/nccl_version.hpp>

#include <dlfcn.h>

namespace gpb {
namespace {

struct Parts {
  int major = 0, minor = 0, patch = 0;
};

bool split(int code, Parts& p) {
  if (code >= 20900) {  // 2.9.0 and later: major*10000 + minor*100 + patch
    p = {code / 10000, code / 100 % 100, code % 100};
    return true;
  }
  if (code >= 1000 && code < 10000) {  // before 2.9: major*1000 + minor*100 + patch
    p = {code / 1000, code / 100 % 10, code % 100};
    return true;
  }
  return false;
}

}  // namespace

std::string nccl_version_text(int code) {
  Parts p;
  if (!split(code, p)) {
    return "";
  }
  return std::to_string(p.major) + "." + std::to_string(p.minor) + "." + std::to_string(p.patch);
}

Reading<int> loaded_nccl_version(const std::string& soname) {
  void* lib = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* e = dlerror();
    return {std::nullopt, e != nullptr ? std::string(e) : soname + ": cannot be opened"};
  }
  // ncclResult_t ncclGetVersion(int*): the result is an enum, 0 = ncclSuccess.
  using GetVersion = int (*)(int*);
  const auto get = reinterpret_cast<GetVersion>(dlsym(lib, "ncclGetVersion"));
  Reading<int> out{std::nullopt, soname + " has no ncclGetVersion"};
  if (get != nullptr) {
    int code = 0;
    const int rc = get(&code);
    out = rc == 0 && !nccl_version_text(code).empty()
              ? Reading<int>{code, ""}
              : Reading<int>{std::nullopt,
                             "ncclGetVersion answered " + std::to_string(rc) + " with code " +
                                 std::to_string(code)};
  }
  dlclose(lib);
  return out;
}

std::string nccl_version_mismatch(int loaded, int header) {
  Parts l, h;
  if (!split(loaded, l) || !split(header, h) || (l.major == h.major && l.minor == h.minor)) {
    return "";
  }
  return "NCCL " + nccl_version_text(loaded) + " is loaded but gpubench was built against " +
         nccl_version_text(header) +
         " headers; collectives run on the loaded library, whose behaviour may differ";
}

}  // namespace gpb
