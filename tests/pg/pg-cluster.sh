#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, the demo and the benchmark.
#
#   pg-cluster.sh start DIR [--fast]   initdb into DIR/data, start on a free 127.0.0.1 port,
#                                      write DIR/env (PGHOST, PGPORT, PGUSER, PGDATABASE,
#                                      IMMICHBAK_PG_BINDIR, IMMICHBAK_PG_MAJOR)
#   pg-cluster.sh stop DIR             stop the server and remove DIR/data
#   pg-cluster.sh crash DIR            stop the server like a power cut (immediate), keep the data
#   pg-cluster.sh restart DIR          start a crashed cluster again on the same port (recovery runs)
#
# Nothing here touches the machine's default cluster. As root, the server runs as an
# unprivileged user (postgres, created by the postgresql package, or IMMICHBAK_PG_USER).
# --fast turns off fsync for test speed; the benchmark does not use it.
# The server: IMMICHBAK_PG_MAJOR=14|15|16|17|18 or IMMICHBAK_PG_BINDIR (see find_bindir); the
# clients (psql, pg_dump) are whatever PATH has (Debian's 15), for every server major.
set -euo pipefail

usage="usage: pg-cluster.sh start|stop|crash|restart DIR [--fast]"
cmd=${1:?$usage}
dir=${2:?$usage}
fast=${3:-}

# Which server: IMMICHBAK_PG_BINDIR (a directory with initdb, pg_ctl, postgres), else
# IMMICHBAK_PG_MAJOR (15: Debian's postgresql-15; 14, 16, 17, 18: the servers installed by
# scripts/install-pg-servers.sh), else the newest /usr/lib/postgresql/*/bin. When both are set
# the server in IMMICHBAK_PG_BINDIR must be of that major.
servers_dir() {
  if [[ -n "${IMMICHBAK_PG_SERVERS_DIR:-}" ]]; then echo "$IMMICHBAK_PG_SERVERS_DIR"
  elif [[ $(id -u) -eq 0 ]]; then echo /var/cache/immichbak/pg
  else echo "${XDG_CACHE_HOME:-$HOME/.cache}/immichbak/pg"
  fi
}

server_major() { "$1/postgres" --version 2>/dev/null | awk '{print $3}' | cut -d. -f1; }

find_bindir() {
  local major=${IMMICHBAK_PG_MAJOR:-} d
  if [[ -n "${IMMICHBAK_PG_BINDIR:-}" ]]; then
    d=$IMMICHBAK_PG_BINDIR
    if [[ ! -x "$d/initdb" || ! -x "$d/pg_ctl" || ! -x "$d/postgres" ]]; then
      echo "pg-cluster.sh: IMMICHBAK_PG_BINDIR=$d has no initdb, pg_ctl and postgres" >&2; exit 1
    fi
    if [[ -n "$major" && "$(server_major "$d")" != "$major" ]]; then
      echo "pg-cluster.sh: IMMICHBAK_PG_MAJOR=$major but IMMICHBAK_PG_BINDIR=$d holds PostgreSQL" \
           "$(server_major "$d") (unset one of them)" >&2; exit 1
    fi
    echo "$d"; return
  fi
  case "$major" in
    "")
      for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [[ -x "$d/initdb" ]] && { echo "$d"; return; }
      done
      command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return; }
      echo "pg-cluster.sh: no initdb found; install postgresql-15 (scripts/install-deps.sh, or apt-get install postgresql-15)" >&2
      exit 1
      ;;
    15)
      d=/usr/lib/postgresql/15/bin
      [[ -x "$d/initdb" ]] && { echo "$d"; return; }
      if command -v initdb >/dev/null && [[ "$(server_major "$(dirname "$(command -v initdb)")")" == 15 ]]; then
        dirname "$(command -v initdb)"; return
      fi
      echo "pg-cluster.sh: IMMICHBAK_PG_MAJOR=15 but there is no $d/initdb; install postgresql-15" \
           "(scripts/install-deps.sh, or apt-get install postgresql-15)" >&2
      exit 1
      ;;
    14|16|17|18)
      d="$(servers_dir)/$major/bin"
      if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]] && "$d/postgres" --version >/dev/null 2>&1; then
        echo "$d"; return
      fi
      echo "pg-cluster.sh: PostgreSQL $major is not installed (no working server in $d); run" \
           "scripts/install-pg-servers.sh (or scripts/install-deps.sh), or set IMMICHBAK_PG_BINDIR" >&2
      exit 1
      ;;
    *)
      echo "pg-cluster.sh: IMMICHBAK_PG_MAJOR=$major: expected 14, 15, 16, 17 or 18 (or set IMMICHBAK_PG_BINDIR)" >&2
      exit 1
      ;;
  esac
}

# stop, crash and restart use the server the cluster was started with (DIR/env), whatever the
# environment says now.
cluster_bindir() {
  local d
  d=$(sed -n 's/^IMMICHBAK_PG_BINDIR=//p' "$dir/env" 2>/dev/null | tail -1)
  if [[ -n "$d" && -x "$d/pg_ctl" ]]; then echo "$d"; else find_bindir; fi
}

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$owner" -- "$@"
  else
    "$@"
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "$cmd" in
  start)
    bindir=$(find_bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    owner=$(id -un)
    if [[ $(id -u) -eq 0 ]]; then
      owner=${IMMICHBAK_PG_USER:-postgres}
      if ! id "$owner" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
      fi
    fi
    if [[ $(id -u) -eq 0 ]] && ! runuser -u "$owner" -- test -x "$bindir/postgres"; then
      echo "pg-cluster.sh: user $owner cannot execute $bindir/postgres (a parent directory is not readable" \
           "and searchable by it); install the servers elsewhere (IMMICHBAK_PG_SERVERS_DIR)" >&2
      exit 1
    fi
    major=$(server_major "$bindir")
    rm -rf "$dir/data" "$dir/env"
    mkdir -p "$dir/data" "$dir/socket" "$dir/log"
    if [[ $(id -u) -eq 0 ]]; then chown "$owner" "$dir/data" "$dir/socket" "$dir/log"; fi
    chmod 700 "$dir/data"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2; exit 1; }
    opts="-c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir/socket -c max_connections=200"
    if [[ "$fast" == "--fast" ]]; then
      opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    for attempt in 1 2 3 4 5 6 7 8; do
      port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
      port_in_use "$port" && continue
      if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log/server.log" -w -t 60 \
           -o "$opts -c port=$port" start >/dev/null 2>&1; then
        cat >"$dir/env" <<ENV
PGHOST=127.0.0.1
PGPORT=$port
PGUSER=postgres
PGDATABASE=postgres
IMMICHBAK_PG_BINDIR=$bindir
IMMICHBAK_PG_MAJOR=$major
ENV
        echo "$owner" >"$dir/owner"
        echo "$opts -c port=$port" >"$dir/options"
        echo "pg-cluster: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir/data)" >&2
        exit 0
      fi
    done
    echo "pg-cluster.sh: could not start PostgreSQL; see $dir/log/server.log" >&2
    tail -20 "$dir/log/server.log" >&2 || true
    exit 1
    ;;
  stop)
    [[ -d "$dir/data" ]] || exit 0
    bindir=$(cluster_bindir)
    owner=$(cat "$dir/owner" 2>/dev/null || id -un)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir/data" "$dir/socket" "$dir/log"
    ;;
  crash)
    bindir=$(cluster_bindir)
    owner=$(cat "$dir/owner")
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  restart)
    bindir=$(cluster_bindir)
    owner=$(cat "$dir/owner")
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log/server.log" -w -t 60 -o "$(cat "$dir/options")" start \
      >/dev/null || { tail -20 "$dir/log/server.log" >&2; exit 1; }
    ;;
  *)
    echo "$usage" >&2
    exit 2
    ;;
esac
