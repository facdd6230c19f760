#!/bin/bash
# Tests the container setup of docs/immich.md end to end, with podman or docker:
#  1. builds the immichbak image from the project's Dockerfile;
#  2. starts a PostgreSQL 15 container as Immich's `database` service (network alias
#     `database`, password authentication, no published port) on a network of its own, and
#     loads the Immich-shaped test database into it;
#  3. runs `immichbak run` (backup, verify with a test restore, prune) in the immichbak
#     container on that network, connected by Immich's .env only (DB_HOSTNAME unset: Immich's
#     default `database`), backups into a host folder;
#  4. checks: exit 0, the backup and its sidecar on the host (`sha256sum -c`), `list` says
#     verified, and the password in no output;
#  5. the host reaches the same database through its Unix socket directory, shared with the
#     host by a volume (docs/immich.md, (c)): the host's immichbak backs up over the socket
#     (`--dbname host=DIR`, the password from the .env) and restores the file into a second
#     database there.
# Not part of the test suite (CI has no container runtime); run by hand:
#   contrib/docker/test-compose.sh [podman|docker]
# IMMICHBAK_BIN: the host's immichbak for step 5 (default: build/release/cli/immichbak, else
# `immichbak` on PATH).
# BASE=IMAGE picks the Debian 12 base image (default debian:12-slim); ENGINE_ARGS are global
# options for the engine (e.g. "--runtime runc --cgroup-manager=cgroupfs" where crun cannot
# run in a cgroup v1/v2 hybrid).
set -euo pipefail
engine=${1:-podman}
base=${BASE:-debian:12-slim}
root=$(cd "$(dirname "$0")/../.." && pwd)
read -r -a E <<<"$engine ${ENGINE_ARGS:-}"
work=$(mktemp -d)
net=immichbak-test-$$
db=immichbak-test-db-$$
password="Zq8rT2mVx7LkP4-compose"
cleanup() {
  "${E[@]}" rm -f "$db" >/dev/null 2>&1 || true
  "${E[@]}" network rm "$net" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "==> $*"; }

step "building the immichbak image (BASE=$base)"
"${E[@]}" build -q --build-arg "BASE=$base" -t immichbak:test "$root" >/dev/null

step "building a PostgreSQL 15 image for the database service"
mkdir -p "$work/db"
cat >"$work/db/Dockerfile" <<DOCKERFILE
FROM $base
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
USER postgres
RUN echo "$password" >/tmp/pw \
 && /usr/lib/postgresql/15/bin/initdb -D /var/lib/postgresql/data -U postgres -A scram-sha-256 \
      --pwfile=/tmp/pw -E UTF8 --locale=C.UTF-8 >/dev/null \
 && rm /tmp/pw \
 && echo "host all all 0.0.0.0/0 scram-sha-256" >> /var/lib/postgresql/data/pg_hba.conf
CMD ["/usr/lib/postgresql/15/bin/postgres", "-D", "/var/lib/postgresql/data", "-c", "listen_addresses=*"]
DOCKERFILE
"${E[@]}" build -q -t immichbak-test-postgres:15 "$work/db" >/dev/null

step "starting it as Immich's database service (alias database, no published port)"
"${E[@]}" network create "$net" >/dev/null
mkdir -p "$work/socket"
chmod 0777 "$work/socket"   # the container's postgres user creates its socket here
"${E[@]}" run -d --name "$db" --network "$net" --network-alias database \
  -v "$work/socket:/var/run/postgresql" immichbak-test-postgres:15 >/dev/null
for _ in $(seq 1 60); do
  "${E[@]}" exec "$db" pg_isready -q -h 127.0.0.1 && break
  sleep 1
done
export PGPASSWORD=$password
psql_db() { "${E[@]}" exec -i -e PGPASSWORD "$db" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres "$@"; }
psql_db -d postgres -c "CREATE DATABASE immich" >/dev/null
psql_db -d immich <"$root/tests/fixtures/immich_schema.sql" >/dev/null
python3 "$root/tests/fixtures/generate_immich_data.py" --assets 40 | psql_db -d immich >/dev/null
unset PGPASSWORD

step "immichbak run in its container, connected by Immich's .env alone"
cat >"$work/.env" <<ENV
# as Immich's example .env
UPLOAD_LOCATION=./library
DB_DATA_LOCATION=./postgres
DB_PASSWORD=$password
DB_USERNAME=postgres
DB_DATABASE_NAME=immich
ENV
mkdir -p "$work/backups"
chmod 0777 "$work/backups"   # the container's uid 10001 writes here
out=$work/run.log
rc=0
"${E[@]}" run --rm --network "$net" \
  -v "$work/.env:/config/immich.env:ro" -v "$work/backups:/backups" \
  -e IMMICHBAK_IMMICH_ENV=/config/immich.env \
  immichbak:test run --dest /backups --keep-last 2 --restore-test-every 7d >"$out" 2>&1 || rc=$?
cat "$out"
fail() { echo "test-compose: FAILED: $*" >&2; exit 1; }
[[ $rc -eq 0 ]] || fail "immichbak run exited $rc"
grep -q "DB_HOSTNAME unset" "$out" || fail "the log does not say the host came from Immich's default"
if grep -q "$password" "$out"; then fail "the password appears in the output"; fi
files=("$work"/backups/immich-db-*.sql.zst)
[[ ${#files[@]} -eq 1 && -f ${files[0]} ]] || fail "expected one backup in the host folder"
(cd "$work/backups" && sha256sum -c --quiet "$(basename "${files[0]}").sha256") || fail "sha256sum -c"
if grep -rq "$password" "$work/backups"; then fail "the password is in a file of the backup folder"; fi
listing=$("${E[@]}" run --rm -v "$work/backups:/backups" immichbak:test list /backups)
echo "$listing"
grep -q "verified (restore test)" <<<"$listing" || fail "list does not show the backup as verified by a restore test"

step "the host's immichbak over the database's socket directory, shared by a volume"
bin=${IMMICHBAK_BIN:-$root/build/release/cli/immichbak}
[[ -x "$bin" ]] || bin=$(command -v immichbak) || fail "no immichbak on the host: set IMMICHBAK_BIN"
[[ -S "$work/socket/.s.PGSQL.5432" ]] || fail "no socket in the shared directory $work/socket"
mkdir -p "$work/host-backups"
"$bin" backup --immich-env "$work/.env" --dbname "host=$work/socket" --dest "$work/host-backups" \
  --compress gzip >"$work/host.log" 2>&1 || { cat "$work/host.log"; fail "backup over the socket"; }
"$bin" restore "$work"/host-backups/*.sql.gz --immich-env "$work/.env" --dbname "host=$work/socket dbname=immich_copy" \
  >>"$work/host.log" 2>&1 || { cat "$work/host.log"; fail "restore over the socket"; }
cat "$work/host.log"
if grep -q "$password" "$work/host.log"; then fail "the password appears in the host's output"; fi
echo "test-compose: OK ($engine): backup, verify with a test restore and prune on the compose network;"
echo "  backup and restore from the host through the shared socket directory"
