#!/usr/bin/env bash
# Installs what immichbak needs to build and test on Debian 12 (bookworm), through apt.
#
#   scripts/install-deps.sh [--with-clang]
#
# Idempotent and quick when nothing is missing: dpkg checks, plus a look at apt's (local)
# candidate versions of the PostgreSQL 15 packages, which are brought to the newest version
# apt offers (the package lists are refreshed first when missing or older than a day, as root
# or with password-less sudo). Then scripts/install-pg-servers.sh installs the PostgreSQL 14,
# 16, 17 and 18 servers of the version test matrix (npm registry; quick when present).
# Runs apt-get as root, or through sudo for a normal user. Non-interactive (CI: no stdin).
# --with-clang (or IMMICHBAK_WITH_CLANG=1) adds clang for the `fuzz` preset.
# IMMICHBAK_SKIP_PG_SERVERS=1 skips the matrix servers.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git         # compiler and build system (CMake >= 3.20)
  libpq-dev                                    # libpq: the PostgreSQL client protocol
  libzstd-dev zstd                             # compression; zstd CLI for the stock-tools tests
  libssl-dev                                   # libcrypto: SHA-256
  zlib1g-dev                                   # reading Immich's own .sql.gz dumps and gzip backups
  libdeflate-dev                               # writing gzip backups (5x zlib's speed, same size)
  libfmt-dev nlohmann-json3-dev libcli11-dev   # formatting, manifest JSON, command line
  catch2                                       # unit and integration tests (Catch2 v2)
  python3                                      # the fixture generator (standard library only)
  nodejs                                       # replays Immich's own restore (Node.js) on gzip backups in a test
  pybind11-dev python3-dev python3-pytest      # the Python binding (bindings/python) and its tests, with Debian's python3
  doxygen                                      # the API reference (the `docs` target, warnings as errors)
  help2man                                     # immichbak(1), generated from --help
  postgresql-15 postgresql-client-15           # throwaway test clusters (contrib is included in postgresql-15 on bookworm); psql, pg_dump
)
if [[ "${1:-}" == "--with-clang" || "${IMMICHBAK_WITH_CLANG:-0}" == 1 ]]; then
  packages+=(clang libclang-rt-14-dev)          # libFuzzer and the sanitizer runtimes (only Recommended by clang)
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: this script needs Debian/Ubuntu (apt-get). Install these yourself: ${packages[*]}" >&2
  exit 1
fi

# Kept at the newest version apt offers, not just "installed": the tests' server and client.
upgradable=(postgresql-15 postgresql-client-15 libpq-dev libpq5)

here=$(cd "$(dirname "$0")" && pwd)
sudo=()
can_apt=1
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else can_apt=0; fi
fi
apt_log="${TMPDIR:-/tmp}/immichbak-install-deps-apt.log"
apt_get() {
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq "$@" </dev/null >>"$apt_log" 2>&1 || {
    tail -30 "$apt_log" >&2
    echo "install-deps: apt-get $* failed (log: $apt_log)" >&2
    exit 1
  }
}
lists_updated=0
update_lists() {
  [[ $lists_updated -eq 1 ]] && return 0
  apt_get update
  lists_updated=1
}

# Package lists missing (a fresh container) or older than a day: refresh them, when that needs
# no password, so apt's candidates below are today's.
newest_list=$(ls -t /var/lib/apt/lists/*_Packages* 2>/dev/null | head -1 || true)
if [[ -z "$newest_list" ]] || [[ $(( $(date +%s) - $(stat -c %Y "$newest_list") )) -gt 86400 ]]; then
  if [[ $(id -u) -eq 0 ]] || { [[ $can_apt -eq 1 ]] && sudo -n true 2>/dev/null; }; then
    echo "install-deps: refreshing apt's package lists"
    update_lists
  fi
fi

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
upgrades=()
declare -A candidates=()
while read -r p v; do candidates[$p]=$v; done < <(
  apt-cache policy "${upgradable[@]}" 2>/dev/null | awk '/^[^ ]/ {sub(/:$/, ""); p=$1} /^  Candidate:/ {print p, $2}')
for p in "${upgradable[@]}"; do
  installed "$p" || continue
  have=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null | head -1)
  candidate=${candidates[$p]:-}
  if [[ -n "$candidate" && "$candidate" != "(none)" ]] && dpkg --compare-versions "$candidate" gt "$have"; then
    upgrades+=("$p")
    echo "install-deps: $p $have -> $candidate"
  fi
done

if [[ ${#missing[@]} -eq 0 && ${#upgrades[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages are installed (PostgreSQL 15 packages at apt's newest version)"
else
  if [[ $can_apt -eq 0 ]]; then
    echo "install-deps: packages to install or upgrade (${missing[*]} ${upgrades[*]}) and not root, and sudo is" \
         "not installed; run as root: apt-get install ${missing[*]} ${upgrades[*]}" >&2
    exit 1
  fi
  update_lists
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "install-deps: installing ${missing[*]} (log: $apt_log)"
    apt_get install -y --no-install-recommends "${missing[@]}"
  fi
  if [[ ${#upgrades[@]} -gt 0 ]]; then
    echo "install-deps: upgrading ${upgrades[*]} (log: $apt_log)"
    apt_get install -y --no-install-recommends --only-upgrade "${upgrades[@]}"
  fi
  echo "install-deps: apt done"
fi

if [[ "${IMMICHBAK_SKIP_PG_SERVERS:-0}" != 1 ]]; then
  bash "$here/install-pg-servers.sh"
fi
echo "install-deps: done"
