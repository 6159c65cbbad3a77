#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# GPU smoke check (METHODOLOGY TE-4), one call, under 8 minutes on one H100/H200:
# GPU unit tests, the quick suite into a result file, a 3x repetition of the HBM headline,
# the PyTorch matmul comparison when PyTorch is present, and a short summary table last.
# usage: scripts/device-check.sh [BUILD_DIR] [OUT_DIR]
#   BUILD_DIR  a build with CUDA (default: build-gpu; built with -DCMAKE_CUDA_ARCHITECTURES=90
#              there if missing). A lib/ folder inside it is put on LD_LIBRARY_PATH, for shared
#              libraries the GPU machine lacks (e.g. Google Benchmark).
#   OUT_DIR    logs and result files (default: $OUT, else ./device-out)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-gpu}"
out="${2:-${OUT:-$root/device-out}}"
mkdir -p "$out"
log="$out/device-check.log"
: >"$log"
step() { echo "== $* ($(date -u +%H:%M:%S))" | tee -a "$log"; }

if [ ! -x "$build/bench/gpubench" ]; then
  step "building in $build"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 >>"$log" 2>&1 &&
    cmake --build "$build" -j "$(nproc)" >>"$log" 2>&1 || { echo "build failed, see $log"; exit 2; }
fi
[ -d "$build/lib" ] && export LD_LIBRARY_PATH="$build/lib:${LD_LIBRARY_PATH:-}"
bin="$build/bench/gpubench"

step "machine"
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.sm,power.limit,temperature.gpu,persistence_mode --format=csv
  nvidia-smi -q -d PERFORMANCE | sed -n '1,40p'; uname -a; } >>"$log" 2>&1
"$bin" --version 2>&1 | tee -a "$log"
"$bin" devices 2>&1 | tee -a "$log"

step "GPU tests"
gpu_status="skipped (no test binary)"
for t in "$build"/tests/gpu/gpb_gpu_tests; do
  [ -x "$t" ] || continue
  if timeout 240 "$t" --gtest_output="json:$out/gpu-tests.json" >>"$log" 2>&1; then
    gpu_status="passed"
  else
    gpu_status="FAILED (exit $?)"
  fi
done
echo "GPU tests: $gpu_status" | tee -a "$log"

step "quick suite"
timeout 300 "$bin" run --quick --out "$out/result-quick.json" --overwrite >"$out/quick.txt" 2>>"$log"
quick_rc=$?
echo "quick suite exit code: $quick_rc" | tee -a "$log"

step "HBM repeatability (3 repetitions)"
timeout 60 "$bin" run --quick --family stream 'hbm/kernel=(copy|triad)/dtype=f32' \
  --benchmark_repetitions=3 --quiet --out "$out/result-repeat.json" --overwrite >"$out/repeat.txt" 2>>"$log"
echo "repeat exit code: $?" | tee -a "$log"

step "stream launch-shape variants"
timeout 90 "$bin" run --full --family stream/variant --min-time 0.2 --timeout 3 --quiet \
  --out "$out/result-variants.json" --overwrite >"$out/variants.txt" 2>>"$log"
echo "variants exit code: $?" | tee -a "$log"

if python3 -c 'import torch; assert torch.cuda.is_available()' >/dev/null 2>&1 &&
   [ -f "$root/scripts/torch_matmul.py" ]; then
  step "PyTorch matmul comparison"
  timeout 90 python3 "$root/scripts/torch_matmul.py" --out "$out/torch-matmul.json" 2>&1 | tee -a "$log"
fi

step "summary"
cat "$out/variants.txt"
echo
cat "$out/repeat.txt"
echo
cat "$out/quick.txt"
echo "GPU tests: $gpu_status; quick suite exit code: $quick_rc; files in $out"
