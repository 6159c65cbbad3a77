#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job: set up, build (Release), run the default suite on every local GPU, write
# results/runs/<host>-<utc time>.json and print the summary. Extra arguments go to
# `gpubench run` (e.g. --quick, --family stream). Exit code is gpubench's (see README).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
gpb_build gpubench || exit 2
host="$(hostname 2>/dev/null | tr -c 'A-Za-z0-9._-\n' '_')"
out="$GPB_ROOT/results/runs/${host:-host}-$(date -u +%Y%m%dT%H%M%SZ).json"
"$GPB_BUILD/bench/gpubench" run --out "$out" "$@"
