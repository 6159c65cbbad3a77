#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Opens HTML value reports in headless Chromium (file://, no network): a screenshot must be
# taken and be a real picture, and the console must stay silent (no error, no CSP violation:
# the page has no script and loads nothing). Usage: chromium_check.sh GPUBENCH FIXTURE_DIR.
# Exit 77 (skipped) when chromium is not installed: `scripts/setup.sh --test` installs it.
set -euo pipefail
gpubench="$1"
fixtures="$2"
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  echo "chromium not found: skipped (scripts/setup.sh --test installs it)"
  exit 77
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$fixtures"
"$gpubench" report h200.json h100x8.json unmapped.json xss.json xss_gpu_name.json \
  --prices prices.csv --prices xss_prices.csv --aliases aliases.csv --out "$work/on_demand.html"
"$gpubench" report h200.json h100x8.json --pricing tco --owned owned.csv --specs specs.csv \
  --aliases aliases.csv --out "$work/tco.html"

fail=0
for page in on_demand tco; do
  html="$work/$page.html"
  png="$work/$page.png"
  log="$work/$page.log"
  if grep -qi 'http:\|https:\|<script\|src=' "$html"; then
    echo "FAIL $page: remote resource, script or URL in the HTML"
    fail=1
  fi
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --disable-extensions \
    --user-data-dir="$work/profile-$page" --enable-logging=stderr --v=0 \
    --screenshot="$png" --window-size=1200,1600 "file://$html" >"$log" 2>&1 || {
    echo "FAIL $page: chromium exited with $?"
    tail -n 20 "$log"
    fail=1
    continue
  }
  if [ ! -s "$png" ]; then
    echo "FAIL $page: no screenshot"
    fail=1
    continue
  fi
  size=$(stat -c %s "$png")
  signature=$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')
  # PNG IHDR: width and height, big-endian, at bytes 16..23.
  width=$((16#$(od -An -tx1 -j16 -N4 "$png" | tr -d ' \n')))
  height=$((16#$(od -An -tx1 -j20 -N4 "$png" | tr -d ' \n')))
  if [ "$signature" != "89504e470d0a1a0a" ] || [ "$size" -lt 20000 ] || [ "$width" -lt 1000 ] ||
     [ "$height" -lt 1000 ]; then
    echo "FAIL $page: screenshot is not a real page (signature $signature, $size bytes, ${width}x${height})"
    fail=1
  else
    echo "ok $page: screenshot $size bytes, ${width}x${height}"
  fi
  # Console messages (errors, CSP violations) are logged as ...:CONSOLE(...) lines.
  if grep -E 'CONSOLE|Content Security Policy|Refused to' "$log"; then
    echo "FAIL $page: console messages above"
    fail=1
  else
    echo "ok $page: no console message"
  fi
  if [ -n "${GPB_KEEP_SCREENSHOTS:-}" ]; then
    mkdir -p "$GPB_KEEP_SCREENSHOTS" && cp "$png" "$html" "$GPB_KEEP_SCREENSHOTS/"
  fi
done
exit "$fail"
