# SPDX-License-Identifier: Apache-2.0
# Shared by run.sh and test.sh: set-up, configure and build in one place.
GPB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GPB_BUILD="${GPB_BUILD:-$GPB_ROOT/build}"

gpb_find_nvcc() {
  if command -v nvcc >/dev/null 2>&1; then
    return 0
  fi
  if [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH="/usr/local/cuda/bin:$PATH"
    return 0
  fi
  return 1
}

# gpb_build [targets...]: configure (once) and build. CUDA is on when nvcc is found.
gpb_build() {
  "$GPB_ROOT/scripts/setup.sh"
  local cuda=ON
  if ! gpb_find_nvcc; then
    cuda=OFF
    echo "gpubench: nvcc not found: building without CUDA (host cases only)" >&2
  fi
  if [ ! -f "$GPB_BUILD/CMakeCache.txt" ]; then
    cmake -S "$GPB_ROOT" -B "$GPB_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DGPB_ENABLE_CUDA="$cuda" ${GPB_CMAKE_ARGS:-} >&2
  fi
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  if [ $# -gt 0 ]; then
    cmake --build "$GPB_BUILD" -j "$jobs" --target "$@" >&2
  else
    cmake --build "$GPB_BUILD" -j "$jobs" >&2
  fi
}
