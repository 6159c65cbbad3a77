#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Static analysis and the thread sanitizer (METHODOLOGY TE-2), run by CI after the tests:
#  1. cppcheck (warning, performance, portability) over the production C++ sources; any finding
#     fails. A justified exception is an inline `// cppcheck-suppress <id>` with the reason.
#  2. ThreadSanitizer over the code that runs threads: the telemetry sampler, parallel loading and
#     host copies (parallel_for), and the watchdog's worker processes. Host-only build in
#     build-tsan (reused between runs).
# usage: scripts/check.sh [cppcheck|tsan]   (default: both)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
what="${1:-all}"
case "$what" in
  all | cppcheck | tsan) ;;
  *) echo "check.sh: unknown step '$what' (cppcheck, tsan)" >&2; exit 2 ;;
esac

if [ "$what" != tsan ]; then
  if ! command -v cppcheck >/dev/null 2>&1; then
    echo "check.sh: cppcheck not found (scripts/setup.sh --test installs it)" >&2
    exit 2
  fi
  cd "$ROOT"
  # CUDA translation units (.cu, *_cuda.cpp, cuda_*.cpp) need nvcc's view of the world; the
  # host-only configuration of the same logic is what cppcheck reads.
  mapfile -t sources < <(find harness/src bench/src bench/cases -name '*.cpp' | sort |
    grep -v -e '_cuda\.cpp$' -e '/cuda_[a-z_]*\.cpp$')
  echo "check.sh: cppcheck on ${#sources[@]} files" >&2
  cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c++17 \
    --inline-suppr -DGPB_HAS_CUDA=0 -I harness/include -I bench/include "${sources[@]}"
fi

if [ "$what" != cppcheck ]; then
  BUILD="${GPB_TSAN_BUILD:-$ROOT/build-tsan}"
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGPB_ENABLE_CUDA=OFF \
      -DCMAKE_CXX_FLAGS="-fsanitize=thread -g" >&2
  fi
  cmake --build "$BUILD" -j "${GPB_JOBS:-$(nproc 2>/dev/null || echo 2)}" --target gpb_host_tests >&2
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$BUILD/tests/gpb_host_tests" \
    --gtest_filter='Telemetry*:Nvml*:Watchdog*:ParallelFor*:Commands.ParallelLoad*:Health*:Preflight*:Integrity*' \
    --gtest_brief=1
fi
echo "check.sh: clean" >&2
