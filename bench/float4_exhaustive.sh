#!/usr/bin/env bash
# All 2^32 float bit patterns: copytext's fast path against its general path (about 4.5
# minutes on 2 cores). The general path is what the server sweep in
# tests/integration/test_backup_binary_copy.cpp proves against PostgreSQL.
#   bench/float4_exhaustive.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O2 -std=c++20 -pthread -I"$root/libimmichbak/src" -I"$root/libimmichbak/include" -o "$work/float4_exhaustive" \
  "$here/float4_exhaustive.cpp" "$root/libimmichbak/src/copytext/float_text.cpp"
"$work/float4_exhaustive"
