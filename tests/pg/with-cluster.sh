#!/usr/bin/env bash
# Runs a command against a throwaway cluster, removed afterwards whatever happens:
#   with-cluster.sh [--fast] -- COMMAND [ARGS...]
# The command sees PGHOST, PGPORT, PGUSER (and IMMICHBAK_PG_BINDIR) in its environment.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fast=
if [[ "${1:-}" == "--fast" ]]; then fast=--fast; shift; fi
[[ "${1:-}" == "--" ]] && shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/immichbak-pg.XXXXXX")
chmod 755 "$dir"
cleanup() { "$here/pg-cluster.sh" stop "$dir" || true; rm -rf "$dir"; }
trap cleanup EXIT INT TERM
"$here/pg-cluster.sh" start "$dir" $fast
set -a; source "$dir/env"; set +a
"$@"
