#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fuzzes the CSV/price-table and result-JSON loaders with libFuzzer + ASan/UBSan (METHODOLOGY
# IN-4) for a short fixed budget each: `scripts/fuzz.sh [SECONDS]` (default 20). Builds a
# separate clang tree (build-fuzz), seeds from tests/fuzz/corpus/<target>/ (read-only: new
# inputs go to a scratch folder), and exits non-zero on any crash, leak or sanitizer report;
# the crashing input is kept under build-fuzz/artifacts/ to become a regression test.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${GPB_FUZZ_BUILD:-$ROOT/build-fuzz}"
SECONDS_EACH="${1:-20}"
case "$SECONDS_EACH" in
  '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, not '$SECONDS_EACH'" >&2; exit 2 ;;
esac
CXX_BIN="${GPB_FUZZ_CXX:-clang++}"
if ! command -v "$CXX_BIN" >/dev/null 2>&1; then
  echo "fuzz.sh: $CXX_BIN not found (scripts/setup.sh --test installs clang and libFuzzer)" >&2
  exit 2
fi

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
flags="$flags -fno-omit-frame-pointer -g -O1"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGPB_ENABLE_CUDA=OFF \
    -DGPB_ENABLE_FUZZ=ON -DCMAKE_CXX_COMPILER="$CXX_BIN" -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >&2
fi
cmake --build "$BUILD" -j "${GPB_JOBS:-$(nproc 2>/dev/null || echo 2)}" --target fuzz_csv fuzz_result_json >&2

mkdir -p "$BUILD/artifacts"
status=0
for target in fuzz_csv fuzz_result_json; do
  work="$(mktemp -d)"
  echo "fuzz.sh: $target for ${SECONDS_EACH}s" >&2
  if ! UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$BUILD/tests/$target" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$target-" \
      "$work" "$ROOT/tests/fuzz/corpus/$target" 2>"$work.log"; then
    status=1
    tail -n 60 "$work.log" >&2
    echo "fuzz.sh: $target FAILED; input saved under $BUILD/artifacts/" >&2
  else
    grep -E '^(stat::number_of_executed_units|Done)' "$work.log" >&2 || true
    echo "fuzz.sh: $target ok" >&2
  fi
  rm -rf "$work" "$work.log"
done
exit "$status"
