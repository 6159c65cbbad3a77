#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job: set up, build (Release), run the default suite on every local GPU, write
# results/runs/<host>-<utc time>.json, print the summary, then the value-per-dollar report of
# this run next to the committed reference results, priced with the bundled catalog.
# Extra arguments go to `gpubench run` (e.g. --quick, --family stream). The exit code is
# gpubench run's (see README); a report problem is printed but does not change it.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
gpb_build gpubench || exit 2
host="$(hostname 2>/dev/null | tr -c 'A-Za-z0-9._\n-' '_')"
out="$GPB_ROOT/results/runs/${host:-host}-$(date -u +%Y%m%dT%H%M%SZ).json"
"$GPB_BUILD/bench/gpubench" run --out "$out" "$@"
rc=$?
if [ -f "$out" ]; then
  echo
  # Reference results: gpubench result files only (not the torch comparison).
  refs=()
  for f in "$GPB_ROOT"/results/reference/*.json; do
    case "$f" in *torch*) ;; *) refs+=("$f") ;; esac
  done
  "$GPB_BUILD/bench/gpubench" report "$out" "${refs[@]}" --format md ||
    echo "run.sh: the value report failed (exit $?); the result file is $out" >&2
fi
exit "$rc"
