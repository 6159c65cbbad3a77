#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark of the value report (issue 4 target: < 2 s): 1,000 result files and 10,000 price
# rows generated into a temp folder, the whole report path timed (Release build, Google
# Benchmark). Arguments go to the benchmark (e.g. --benchmark_filter=EndToEnd).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
gpb_build gpb_report_bench
"$GPB_BUILD/tests/gpb_report_bench" "$@"
