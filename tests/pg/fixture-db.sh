#!/usr/bin/env bash
# Creates database NAME on the cluster PGHOST/PGPORT/PGUSER name (dropping an old one of that
# name first) and loads the Immich-shaped fixture into it: tests/fixtures/immich_schema.sql and
# ASSETS generated assets (default 50), as the C++ tests' load_immich_fixture() does.
#   fixture-db.sh NAME [ASSETS]
set -euo pipefail
name=${1:?usage: fixture-db.sh NAME [ASSETS]}
assets=${2:-50}
fixtures=$(cd "$(dirname "$0")/../fixtures" && pwd)
psql -X -q -v ON_ERROR_STOP=1 -d postgres \
  -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" -c "CREATE DATABASE \"$name\"" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$name" -f "$fixtures/immich_schema.sql" >/dev/null
python3 "$fixtures/generate_immich_data.py" --assets "$assets" |
  psql -X -q -v ON_ERROR_STOP=1 -d "$name" >/dev/null
