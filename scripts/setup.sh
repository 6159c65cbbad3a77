#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what gpubench needs to build: CMake >= 3.24, Ninja, a C++17 compiler, nlohmann/json,
# Google Benchmark and GoogleTest. The CUDA toolkit (nvcc, cuBLAS) is not installed here: without
# it gpubench builds its host-only configuration. Idempotent: does nothing when all is present.
# `setup.sh --test` adds what the test suite needs beyond the build: Chromium (the HTML report
# is opened headless), clang with libFuzzer and the ASan/UBSan runtimes (scripts/fuzz.sh), and
# cppcheck (scripts/check.sh).
set -euo pipefail

test_tools=0
for arg in "$@"; do
  case "$arg" in
    --test) test_tools=1 ;;
    *) echo "setup: unknown option '$arg' (only --test)" >&2; exit 2 ;;
  esac
done

missing=()
have_header() { [ -e "/usr/include/$1" ] || [ -e "/usr/local/include/$1" ]; }
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v ninja >/dev/null 2>&1 || missing+=(ninja-build)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v git >/dev/null 2>&1 || missing+=(git)
have_header nlohmann/json.hpp || missing+=(nlohmann-json3-dev)
have_header benchmark/benchmark.h || missing+=(libbenchmark-dev)
have_header gtest/gtest.h || missing+=(libgtest-dev)
have_header gmock/gmock.h || missing+=(libgmock-dev)
if [ "$test_tools" -eq 1 ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v clang++ >/dev/null 2>&1 || missing+=(clang)
  # libFuzzer and the sanitizer runtimes of Debian's clang (clang-14 on Debian 12).
  compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null ||
    missing+=(libclang-rt-14-dev)
  command -v cppcheck >/dev/null 2>&1 || missing+=(cppcheck)  # scripts/check.sh
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "setup: need root or sudo to install: ${missing[*]}" >&2
      exit 2
    fi
  fi
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  cat >&2 <<MSG
setup: this system has no apt-get. Please install, with your package manager:
  CMake >= 3.24, Ninja, a C++17 compiler (GCC >= 10 or Clang >= 12), git,
  nlohmann/json >= 3.11, Google Benchmark >= 1.7, GoogleTest >= 1.12,
  and for GPU cases the CUDA Toolkit >= 12 with cuBLAS (nvcc on PATH).
Missing here: ${missing[*]}
MSG
  exit 2
fi
