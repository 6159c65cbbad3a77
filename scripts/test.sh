#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Set up, build everything with tests, run ctest. GPU tests (label gpu) skip cleanly without a
# GPU. With CUDA found, this compiles every CUDA source for every default architecture.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
gpb_build
cd "$GPB_BUILD"
ctest --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "$@"
