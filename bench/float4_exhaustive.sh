#!/usr/bin/env bash
# All 2^32 float bit patterns: copytext's fast path against its general path, and the
# restore's parser (load/binary_copy) reading that text back, plus near-midpoint decimals
# against strtof (bench/float4_exhaustive.cpp says what exactly). The general path is what the
# server sweep in tests/integration/test_backup_binary_copy.cpp proves against PostgreSQL.
#   bench/float4_exhaustive.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O2 -std=c++20 -pthread -I"$root/libimmichbak/src" -I"$root/libimmichbak/include" -o "$work/float4_exhaustive" \
  "$here/float4_exhaustive.cpp" "$root/libimmichbak/src/copytext/float_text.cpp" \
  "$root/libimmichbak/src/load/binary_copy.cpp"
"$work/float4_exhaustive"
