#!/usr/bin/env bash
# Installs what immichbak needs to build and test on Debian 12 (bookworm), through apt.
#
#   scripts/install-deps.sh [--with-clang]
#
# Idempotent and quick when nothing is missing (dpkg checks only, no apt-get at all).
# Runs apt-get as root, or through sudo for a normal user. Non-interactive (CI: no stdin).
# --with-clang (or IMMICHBAK_WITH_CLANG=1) adds clang for the `fuzz` preset.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git         # compiler and build system (CMake >= 3.20)
  libpq-dev                                    # libpq: the PostgreSQL client protocol
  libzstd-dev zstd                             # compression; zstd CLI for the stock-tools tests
  libssl-dev                                   # libcrypto: SHA-256
  zlib1g-dev                                   # reading Immich's own .sql.gz dumps
  libfmt-dev nlohmann-json3-dev libcli11-dev   # formatting, manifest JSON, command line
  catch2                                       # unit and integration tests (Catch2 v2)
  python3                                      # the fixture generator (standard library only)
  postgresql-15 postgresql-client-15           # throwaway test clusters (contrib is included in postgresql-15 on bookworm); psql, pg_dump
)
if [[ "${1:-}" == "--with-clang" || "${IMMICHBAK_WITH_CLANG:-0}" == 1 ]]; then
  packages+=(clang)
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: this script needs Debian/Ubuntu (apt-get). Install these yourself: ${packages[*]}" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: missing packages (${missing[*]}) and not root, and sudo is not installed;" \
         "run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
echo "install-deps: done"
