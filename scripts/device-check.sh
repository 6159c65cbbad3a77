#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# GPU smoke check (METHODOLOGY TE-4), one call, under 8 minutes on one H100/H200: the preflight
# audit, the GPU unit tests (the custom kernels' ones again under compute-sanitizer memcheck),
# the quick suite, the default profile, the stream launch-shape variants (with the
# driver's own copy and the bulk-copy unit), a 3x repetition of the HBM headline, a deadlocked
# kernel under the watchdog, the PyTorch reference (matmul, copy, triad) when PyTorch is
# present, and a summary table last.
# For a lent GPU machine without this project's build dependencies, build here first and carry
# the build folder (what the 2026-11-26 H200 session did):
#   cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90
#   cmake --build build-gpu && mkdir -p build-gpu/lib &&
#   cp -L /usr/lib/x86_64-linux-gnu/libbenchmark.so.1debian build-gpu/lib/
#   then run `bash scripts/device-check.sh build-gpu "$OUT"` there with build-gpu carried.
#   For nvbandwidth beside the interconnect families: bash ../shared/peers/build.sh /tmp/peers
#   && mkdir -p build-gpu/peers && cp /tmp/peers/bin/nvbandwidth build-gpu/peers/
# usage: scripts/device-check.sh [BUILD_DIR] [OUT_DIR]
#   BUILD_DIR  a build with CUDA (default: build-gpu; built with -DCMAKE_CUDA_ARCHITECTURES=90
#              there if missing). A lib/ folder inside it is put on LD_LIBRARY_PATH, for shared
#              libraries the GPU machine lacks (e.g. Google Benchmark).
#   OUT_DIR    device-check.log (GPU test output too), summary.txt,
#              result-{quick,default,variants,interconnect,repeat,watchdog}.json,
#              torch-reference.json, nvbandwidth.txt
#              (default: $OUT, else ./device-out)
# GPB_DC_DEFAULT=0 / GPB_DC_VARIANTS=0 / GPB_DC_INTERCONNECT=0 leave out the default-profile
# run (~2 min) / the stream variants (~2.5 min) / the interconnect families and nvbandwidth
# (~1.5 min), for a lease too short for everything.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-gpu}"
out="${2:-${OUT:-$root/device-out}}"
mkdir -p "$out"
log="$out/device-check.log"
summary="$out/summary.txt"
: >"$log"
: >"$summary"
# Result files are written under a relative folder first and moved to $out at the end, so that
# the argv each one records (its --out) names no path of the GPU machine.
stage="device-out/staged"
rm -rf "$stage"
mkdir -p "$stage"
step() { echo "== $* ($(date -u +%H:%M:%S))" | tee -a "$log"; }
# run_case NAME TIMEOUT ARGS...: a gpubench run whose table goes to the summary.
run_case() {
  local name="$1" limit="$2"
  shift 2
  step "$name"
  echo "### $name" >>"$summary"
  timeout "$limit" "$bin" run --quiet --overwrite "$@" >>"$summary" 2>>"$log"
  local rc=$?
  echo "$name: exit code $rc" | tee -a "$log" "$summary"
}

if [ ! -x "$build/bench/gpubench" ]; then
  step "building in $build"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 >>"$log" 2>&1 &&
    cmake --build "$build" -j "$(nproc)" >>"$log" 2>&1 || { echo "build failed, see $log"; exit 2; }
fi
[ -d "$build/lib" ] && export LD_LIBRARY_PATH="$build/lib:${LD_LIBRARY_PATH:-}"
bin="$build/bench/gpubench"

step "machine"
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.sm,power.limit,temperature.gpu,persistence_mode --format=csv
  uname -a; } >>"$log" 2>&1
"$bin" --version 2>&1 | tee -a "$log"
"$bin" devices 2>&1 | tee -a "$log"

step "preflight audit"
echo "### preflight audit" >>"$summary"
timeout 60 "$bin" preflight >>"$summary" 2>>"$log"
echo "preflight: exit code $?" | tee -a "$log" "$summary"

step "GPU tests"
gpu_status="skipped (no test binary)"
if [ -x "$build/tests/gpu/gpb_gpu_tests" ]; then
  if timeout 180 "$build/tests/gpu/gpb_gpu_tests" >>"$log" 2>&1; then
    gpu_status="passed"
  else
    gpu_status="FAILED (exit $?)"
  fi
fi
echo "GPU tests: $gpu_status" | tee -a "$log"

# TE-4.8: the custom kernels (stream, bulk copy, FMA, clock probe, pattern check) under memcheck; cuBLAS is left
# out (slow under the sanitizer, and not our code).
step "compute-sanitizer memcheck"
sanitizer="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
memcheck="not available (no compute-sanitizer)"
if [ -x "$sanitizer" ] && [ -x "$build/tests/gpu/gpb_gpu_tests" ]; then
  if timeout 150 "$sanitizer" --tool memcheck --error-exitcode 9 \
    "$build/tests/gpu/gpb_gpu_tests" --gtest_filter='GpuStream.*:ComputeGpu.*:GpuClock.*:GpuInterconnect.DevicePattern*' \
    >>"$log" 2>&1; then
    memcheck="clean"
  else
    memcheck="FAILED (exit $?)"
  fi
fi
echo "memcheck: $memcheck" | tee -a "$log"

run_case "quick suite" 150 --quick --out "$stage/result-quick.json"
# The whole default profile: what ./scripts/run.sh runs, and its time (the issue's 2 minutes).
if [ "${GPB_DC_DEFAULT:-1}" != 0 ]; then
  run_case "default profile" 240 --out "$stage/result-default.json"
fi
if [ "${GPB_DC_VARIANTS:-1}" != 0 ]; then
  run_case "stream launch-shape variants" 160 --full --family stream/variant --min-time 0.2 \
    --timeout 3 --out "$stage/result-variants.json"
fi
# The interconnect families at the default profile (one GPU: peer cases are not_applicable and
# the exit code stays 0), then nvbandwidth's matching tests on the same card, when its binary is
# carried (GPB_DC_NVBANDWIDTH, default <build>/peers/nvbandwidth; build it with
# ../shared/peers/build.sh).
if [ "${GPB_DC_INTERCONNECT:-1}" != 0 ]; then
  run_case "interconnect (copy, peer)" 150 --family copy,peer --out "$stage/result-interconnect.json"
  nvbw="${GPB_DC_NVBANDWIDTH:-$build/peers/nvbandwidth}"
  if [ -x "$nvbw" ]; then
    step "nvbandwidth side by side"
    echo "### nvbandwidth" >>"$summary"
    timeout 120 "$nvbw" -t host_to_device_memcpy_ce device_to_host_memcpy_ce \
      host_to_device_bidirectional_memcpy_ce device_to_host_bidirectional_memcpy_ce \
      device_local_copy host_device_latency_sm >"$out/nvbandwidth.txt" 2>>"$log"
    echo "nvbandwidth: exit code $?" | tee -a "$log" "$summary"
    grep -E "^(Running|SUM)" "$out/nvbandwidth.txt" >>"$summary" 2>/dev/null
  fi
fi
run_case "HBM repeatability (3 repetitions)" 40 --quick --family stream \
  'hbm/kernel=(copy|triad)/dtype=f32' --benchmark_repetitions=3 --out "$stage/result-repeat.json"

# FH-2 on a GPU: a kernel that never returns must end as `timeout` after --watchdog, and the
# next case must run (and be valid) in a fresh worker: exit code 1 (a case timed out) is the
# expected outcome. Last, so a wedged card costs nothing else.
# A 15 s budget (for every case of this run) leaves the copy case room for its verification.
GPB_DEBUG_CASES=1 run_case "watchdog: a deadlocked kernel, then HBM copy" 90 --quick \
  --family debug/gpu,stream 'deadlock|hbm/kernel=copy/dtype=f32' --watchdog 15 \
  --out "$stage/result-watchdog.json"

if python3 -c 'import torch; assert torch.cuda.is_available()' >/dev/null 2>&1; then
  step "PyTorch reference (matmul, copy, triad)"
  timeout 60 python3 "$root/scripts/torch_reference.py" --out "$out/torch-reference.json" 2>&1 |
    tee -a "$log" "$summary"
fi

step "validate the result files (strict load, integrity sidecars)"
echo "### validate" >>"$summary"
"$bin" validate "$stage"/result-*.json >>"$summary" 2>>"$log"
echo "validate: exit code $?" | tee -a "$log" "$summary"
# The sidecars are checked; they stay behind so that the 8 files that come back are the
# results and logs.
mv "$stage"/result-*.json "$out"/

step "summary"
cat "$summary"
echo "GPU tests: $gpu_status; memcheck: $memcheck; files in $out"
