#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Set up, build everything with tests, run ctest. GPU tests (label gpu) skip cleanly without a
# GPU. With CUDA found, this compiles every CUDA source for every default architecture.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# Test tools beyond the build: Chromium (HTML report test), clang + libFuzzer (scripts/fuzz.sh).
"$GPB_ROOT/scripts/setup.sh" --test
gpb_build
# The bundled price tables must be what the generator makes of the reference data, where the
# reference data sits beside the checkout (it does on CI and developer machines).
if [ -d "$GPB_ROOT/../shared/data/prices" ]; then
  python3 "$GPB_ROOT/scripts/build_price_tables.py" --check
fi
cd "$GPB_BUILD"
ctest --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "$@"
