#!/usr/bin/env bash
# A five-minute tour of immichbak on a fresh Debian 12 machine:
#
#   bash scripts/demo.sh
#
# Installs missing dependencies (apt, quietly: the output goes to a log), builds the
# immichbak tool alone (Release, no test suites, into build/demo), starts a throwaway
# PostgreSQL cluster (removed at the end), loads an Immich-shaped database with ~2000
# assets, then backs it up, lists the backup, verifies, inspects and restores it.
# Nothing touches the machine's own PostgreSQL. IMMICHBAK_DEMO_ASSETS changes the size,
# IMMICHBAK_JOBS the build's parallelism. The last line says "demo finished: OK" or
# "DEMO FAILED at step ..." with the logs to look at.
set -Eeuo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
assets=${IMMICHBAK_DEMO_ASSETS:-2000}

# The step running now is kept in a file: the second half runs in another process (inside
# with-cluster.sh), and the first half reports for both.
step() {
  printf '\n==> %s\n' "$*"
  [[ -n "${state:-}" ]] && printf '%s\n' "$*" >"$state"
  return 0
}

# Runs a command with its output in a log; on failure shows the log's end and fails.
logged() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "--- last lines of $log:" >&2
    tail -n 25 "$log" >&2
    return 1
  fi
}

if [[ "${1:-}" != "--in-cluster" ]]; then
  cd "$repo"
  logdir="$repo/build/demo-logs"
  mkdir -p "$logdir"
  state="$logdir/step"
  : >"$state"
  finish() {
    local rc=$?
    if [[ $rc -eq 0 ]]; then
      printf '\ndemo finished: OK\n'
    else
      printf '\nDEMO FAILED at step "%s" (exit %d); logs: %s\n' "$(cat "$state" 2>/dev/null)" "$rc" "$logdir" >&2
    fi
  }
  trap finish EXIT

  step "dependencies (apt output: $logdir/install-deps.log)"
  # The demo needs PostgreSQL 15 only, not the other majors of the test matrix.
  IMMICHBAK_SKIP_PG_SERVERS=1 logged "$logdir/install-deps.log" bash "$repo/scripts/install-deps.sh"
  echo "dependencies are installed"

  builddir="$repo/build/demo"
  step "build the immichbak tool (Release, without the test suites; output: $logdir/build.log)"
  start=$SECONDS
  build() {
    cmake --preset release -B "$builddir" -DIMMICHBAK_BUILD_TESTS=OFF -DIMMICHBAK_BUILD_EXAMPLES=OFF &&
      cmake --build "$builddir" --target immichbak_cli -j"${IMMICHBAK_JOBS:-2}"
  }
  logged "$logdir/build.log" build
  echo "built $builddir/cli/immichbak in $((SECONDS - start)) s"

  step "starting a throwaway PostgreSQL cluster"
  # with-cluster.sh exports PGHOST/PGPORT/PGUSER and stops + removes the cluster afterwards,
  # whatever happens; the second half of this script runs inside it.
  "$repo/tests/pg/with-cluster.sh" -- \
    env IMMICHBAK_DEMO_STATE="$state" bash "$repo/scripts/demo.sh" --in-cluster "$builddir"
  exit 0
fi

# ---- inside the cluster ---------------------------------------------------------------
builddir=${2:?}
state=${IMMICHBAK_DEMO_STATE:-}
immichbak="$builddir/cli/immichbak"
[[ -x "$immichbak" ]] || immichbak=$(find "$builddir" -type f -name immichbak -perm -u+x | head -1)
if [[ -z "$immichbak" || ! -x "$immichbak" ]]; then
  echo "demo: the immichbak binary was not built (looked in $builddir)" >&2
  exit 1
fi
dsn() { echo "host=$PGHOST port=$PGPORT user=$PGUSER dbname=$1"; }
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

step "creating database immich with $assets assets (Immich-shaped fixture)"
psql_q -d postgres -c "CREATE DATABASE immich"
psql_q -d immich -f "$repo/tests/fixtures/immich_schema.sql"
python3 "$repo/tests/fixtures/generate_immich_data.py" --assets "$assets" --analyze | psql_q -d immich
psql -X -d immich -c "SELECT pg_size_pretty(pg_database_size('immich')) AS size,
  (SELECT count(*) FROM asset) AS assets, (SELECT count(*) FROM users) AS users,
  (SELECT version FROM version_history ORDER BY \"createdAt\" DESC LIMIT 1) AS immich_version"

step "immichbak --version"
"$immichbak" --version

dest="$builddir/demo-backups"
rm -rf "$dest"
mkdir -p "$dest"

step "immichbak backup --dbname '$(dsn immich)' --dest $dest --jobs 2"
"$immichbak" backup --dbname "$(dsn immich)" --dest "$dest" --jobs 2 --progress always
ls -l "$dest"
file=$(find "$dest" -maxdepth 1 -type f -name '*.sql.zst' | sort | tail -1)

step "sha256sum -c (the sidecar works with stock tools)"
(cd "$dest" && sha256sum -c "$(basename "$file").sha256")

step "immichbak inspect $file"
"$immichbak" inspect "$file"

step "immichbak verify $file --restore-test (offline checks, then a real test restore into a scratch database)"
"$immichbak" verify "$file" --restore-test --dbname "$(dsn postgres)"

step "immichbak restore $file --dbname '$(dsn immich_restored)' --jobs 2"
"$immichbak" restore "$file" --dbname "$(dsn immich_restored)" --jobs 2 --progress always
psql -X -d immich_restored -c "SELECT (SELECT count(*) FROM asset) AS assets,
  (SELECT count(*) FROM smart_search) AS embeddings, (SELECT count(*) FROM users) AS users"

step "restorable without immichbak: zstd -dc FILE | psql"
psql_q -d postgres -c "CREATE DATABASE immich_stock"
zstd -dc "$file" | psql -X -q -v ON_ERROR_STOP=1 -d immich_stock >/dev/null
psql -X -d immich_stock -c "SELECT count(*) AS assets FROM asset"

step "removing the throwaway cluster (the backups stay in $dest)"
