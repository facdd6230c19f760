#!/usr/bin/env bash
# Builds immichbak and runs every test suite, on a fresh Debian 12 machine or a dev box:
#
#   bash scripts/test.sh
#
# 1. installs missing build/test dependencies through apt (scripts/install-deps.sh
#    --with-clang), with PostgreSQL 15 at apt's newest 15.x and the 14/16/17/18 servers
# 2. configures and builds the `asan` preset (Debug, AddressSanitizer + UndefinedBehavior-
#    Sanitizer, warnings as errors) into build/asan (-j2; override with IMMICHBAK_JOBS)
# 3. runs the CTest suite under the sanitizers: unit, every integration test on PostgreSQL
#    15 (fault injection, hostile input, disaster runbooks included), package, the C binding
#    and the examples (label frontends), the API reference and man page checks (label docs);
#    CTest starts and removes the throwaway clusters
# 4. builds the libFuzzer targets (`fuzz` preset, clang) and runs each for
#    IMMICHBAK_FUZZ_SECONDS (default 30; 0 skips the step) on its committed corpus
# 5. builds the shared library as users get it (`shared` preset: optimised libimmichbak.so,
#    the CLI, the C and Python bindings, the examples, the integration tests) and runs
#    against it the package, C, Python and example tests, the version matrix (the [matrix]
#    tests on PostgreSQL 14, 16, 17 and 18) and the cross-version tests, two at a time (each
#    major has its own cluster, each test its own databases)
# 6. prints what the fault-injection and hostile-input suites counted (test-report.txt)
# Exits non-zero when anything fails. IMMICHBAK_TEST_PRESET=dev runs the suite without the
# sanitizers. Works as root (the test clusters then run as the `postgres` user) and as a
# normal user (with sudo for apt, if packages are missing). docs/testing.md explains it all.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
jobs=${IMMICHBAK_JOBS:-2}
preset=${IMMICHBAK_TEST_PRESET:-asan}
fuzz_seconds=${IMMICHBAK_FUZZ_SECONDS:-30}  # each target; CI keeps .ci/run under 45 min

# Each step says how long the run has taken so far: CI's budget (.ci/run under 45 minutes)
# is read from these lines.
step() { printf '\n==> %s   [%dm%02ds]\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

step "dependencies"
if [[ "$fuzz_seconds" != 0 ]]; then
  bash "$repo/scripts/install-deps.sh" --with-clang
else
  bash "$repo/scripts/install-deps.sh"
fi

# As root, PostgreSQL runs as `postgres`, which must be able to reach the cluster directory
# inside the build tree. A clone under /root (mode 700) is not reachable: build elsewhere then.
builddir="$repo/build/$preset"
if [[ $(id -u) -eq 0 ]] && id postgres >/dev/null 2>&1 \
   && ! runuser -u postgres -- test -x "$repo" 2>/dev/null; then
  builddir="${TMPDIR:-/tmp}/immichbak-build-$preset-$(echo "$repo" | cksum | cut -d' ' -f1)"
  echo "note: user postgres cannot enter $repo; building in $builddir instead"
  mkdir -p "$builddir"
  chmod 755 "$builddir"
fi

step "configure (preset $preset) in $builddir"
cmake --preset "$preset" -B "$builddir" >/dev/null

step "build (-j$jobs)"
cmake --build "$builddir" -j"$jobs"

# The version matrix and the cross-version tests run in step 5, on the optimised shared
# build: under the sanitizers they took a third of CI's 45 minutes, and every line of code
# they reach runs under the sanitizers in the PostgreSQL 15 suite here.
matrix_labels='^(pg14|pg16|pg17|pg18|cross)$'
step "tests under the sanitizers: unit, integration on PostgreSQL 15, package, frontends, docs"
rm -f "$builddir/test-report.txt"
rc=0
# Two at a time: each test waits on its PostgreSQL session much of the time (serially this
# step took 20-24 of CI's 45 minutes); every test has its own scratch database.
ctest --test-dir "$builddir" -LE "$matrix_labels" -j2 --output-on-failure </dev/null || rc=$?

if [[ "$fuzz_seconds" != 0 ]]; then
  step "fuzzing: each target ${fuzz_seconds} s on its corpus (preset fuzz, clang)"
  fuzzdir="$repo/build/fuzz"
  if cmake --preset fuzz -B "$fuzzdir" >/dev/null &&
     cmake --build "$fuzzdir" -j"$jobs" --target fuzz_reader fuzz_manifest >"$fuzzdir.log" 2>&1; then
    for target in reader manifest; do
      work="$fuzzdir/corpus-$target"   # new inputs land here, the committed corpus stays as it is
      mkdir -p "$work"
      log="$fuzzdir/fuzz_$target.log"
      if "$fuzzdir/tests/fuzz/fuzz_$target" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
           -artifact_prefix="$fuzzdir/crash-$target-" "$work" "$repo/tests/fuzz/corpus/$target" \
           >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "fuzz_$target: ${runs:-?} inputs in ${fuzz_seconds} s, no crash (log: $log)"
      else
        tail -40 "$log"
        echo "fuzz_$target: FAILED (log: $log; the input is $fuzzdir/crash-$target-*)"
        rc=1
      fi
    done
  else
    tail -40 "$fuzzdir.log" 2>/dev/null || true
    echo "fuzzing: the fuzz targets did not build (log: $fuzzdir.log)"
    rc=1
  fi
fi

step "shared library (preset shared): package, C, Python, examples; the PostgreSQL 14/16/17/18 matrix; cross-version"
# The same tests of everything users link or run, against the shared library: the package
# test (install; consumers through find_package and pkg-config calling every public
# function), the C ABI's test, the Python module's pytest suite (Debian's python3; the
# sanitizer build cannot load a Python module) and the examples. Then the version matrix and
# the cross-version tests. CTest starts the clusters.
shareddir="$repo/build/shared"
if [[ "$builddir" != "$repo/build/$preset" ]]; then shareddir="$(dirname "$builddir")/$(basename "$builddir" | sed "s/-$preset-/-shared-/")"; fi
rm -f "$shareddir/test-report.txt"
if cmake --preset shared -B "$shareddir" >"$shareddir.log" 2>&1 &&
   cmake --build "$shareddir" -j"$jobs" --target frontends integration_tests >>"$shareddir.log" 2>&1; then
  if ctest --test-dir "$shareddir" -L '^(package|frontends)$' --output-on-failure </dev/null >>"$shareddir.log" 2>&1; then
    grep -E "consumer:" "$shareddir.log" || true
    echo "shared library: package, C, Python and example tests passed (log: $shareddir.log)"
  else
    tail -60 "$shareddir.log"
    echo "shared library: package, C, Python or example tests FAILED (log: $shareddir.log)"
    rc=1
  fi
  ctest --test-dir "$shareddir" -L "$matrix_labels" -j2 --output-on-failure </dev/null || rc=$?
else
  tail -60 "$shareddir.log"
  echo "shared library: the build FAILED (log: $shareddir.log)"
  rc=1
fi

if [[ -s "$builddir/test-report.txt" || -s "$shareddir/test-report.txt" ]]; then
  step "what the fault-injection and hostile-input suites counted"
  for report in "$builddir/test-report.txt" "$shareddir/test-report.txt"; do
    if [[ -s "$report" ]]; then echo "-- $report"; cat "$report"; fi
  done
fi

if [[ $rc -eq 0 ]]; then
  step "all tests passed"
else
  step "TESTS FAILED (exit $rc); the CTest logs are $builddir/Testing/Temporary/LastTest.log and $shareddir/Testing/Temporary/LastTest.log"
fi
exit $rc
