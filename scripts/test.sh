#!/usr/bin/env bash
# Builds immichbak and runs every test suite, on a fresh Debian 12 machine or a dev box:
#
#   bash scripts/test.sh
#
# 1. installs missing build/test dependencies through apt (scripts/install-deps.sh)
# 2. configures the `dev` preset (Debug, warnings as errors) into build/dev
# 3. builds everything (-j2; override with IMMICHBAK_JOBS)
# 4. runs `ctest --preset dev`: labels unit, integration (a throwaway PostgreSQL cluster is
#    started and removed by CTest) and package (install + outside consumer)
# Exits non-zero when anything fails. Works as root (the test cluster then runs as the
# `postgres` user) and as a normal user (with sudo for apt, if packages are missing).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
jobs=${IMMICHBAK_JOBS:-2}

step() { printf '\n==> %s\n' "$*"; }

step "dependencies"
bash "$repo/scripts/install-deps.sh"

# As root, PostgreSQL runs as `postgres`, which must be able to reach the cluster directory
# inside the build tree. A clone under /root (mode 700) is not reachable: build elsewhere then.
builddir="$repo/build/dev"
if [[ $(id -u) -eq 0 ]] && id postgres >/dev/null 2>&1 \
   && ! runuser -u postgres -- test -x "$repo" 2>/dev/null; then
  builddir="${TMPDIR:-/tmp}/immichbak-build-dev-$(echo "$repo" | cksum | cut -d' ' -f1)"
  echo "note: user postgres cannot enter $repo; building in $builddir instead"
  mkdir -p "$builddir"
  chmod 755 "$builddir"
fi

step "configure (preset dev) in $builddir"
if [[ "$builddir" == "$repo/build/dev" ]]; then
  cmake --preset dev
else
  cmake --preset dev -B "$builddir"
fi

step "build (-j$jobs)"
cmake --build "$builddir" -j"$jobs"

step "tests: unit, integration, package"
rc=0
if [[ "$builddir" == "$repo/build/dev" ]]; then
  ctest --preset dev </dev/null || rc=$?
else
  ctest --test-dir "$builddir" --output-on-failure </dev/null || rc=$?
fi

if [[ $rc -eq 0 ]]; then
  step "all tests passed"
else
  step "TESTS FAILED (ctest exit $rc); the log is in $builddir/Testing/Temporary/LastTest.log"
fi
exit $rc
