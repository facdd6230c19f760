#!/usr/bin/env bash
# Runs a command against the CTest fixture's cluster (tests that are not Catch programs: the C
# and Python bindings' tests, the examples):
#   cluster-env.sh ENV_FILE -- COMMAND [ARGS...]
# ENV_FILE is the one tests/pg/pg-cluster.sh start wrote; the command sees PGHOST, PGPORT,
# PGUSER and PGDATABASE from it. A missing file is a failure (no cluster), never a skip.
set -euo pipefail
env_file=${1:?usage: cluster-env.sh ENV_FILE -- COMMAND [ARGS...]}
shift
[[ "${1:-}" == "--" ]] && shift
if [[ ! -r "$env_file" ]]; then
  echo "cluster-env.sh: no test cluster ($env_file is missing): run the test through ctest, which starts it" >&2
  exit 1
fi
set -a
# shellcheck disable=SC1090
source "$env_file"
set +a
exec "$@"
