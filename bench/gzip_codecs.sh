#!/usr/bin/env bash
# zlib against libdeflate on a backup's plain script (docs/performance.md, "gzip codec").
#   bench/gzip_codecs.sh BACKUP_FILE [FRAME_BYTES]
# Needs libdeflate-dev (not a project dependency: this only measures).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
file=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O2 -std=c++20 -o "$work/gzip_codecs" "$here/gzip_codecs.cpp" -lz -ldeflate
case "$file" in
  *.gz) gunzip -c "$file" > "$work/plain.sql" ;;
  *.zst) zstd -qdc "$file" > "$work/plain.sql" ;;
  *) cp "$file" "$work/plain.sql" ;;
esac
"$work/gzip_codecs" "$work/plain.sql" ${2:+"$2"}
