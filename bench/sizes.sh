#!/usr/bin/env bash
# Is the cost linear in size? bench/run.sh's backup runs at three database sizes, each on its
# own throwaway cluster, then one table of the ratios side by side:
#
#   bench/sizes.sh [--sizes "17500 35000 70000"] [--reps R] [--build-dir D] [--no-build]
#   bench/sizes.sh --from DIR [--sizes ...]    (the table again, from an earlier run's DIR)
#
# For each size: the plain dump's size, and for immichbak --jobs 2 (binary COPY, the default)
# and --jobs 2 --text-copy their speed-up against the floor and against pg_dump | zstd -3
# (baseline wall / this run's wall, as bench/run.sh prints them) and seconds per GiB of
# COPY text. Linear cost shows as ratios and s/GiB that stay put as the size grows.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sizes="17500 35000 70000"
from=""
pass=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --from) from=$2; shift 2 ;;
    --reps | --build-dir) pass+=("$1" "$2"); shift 2 ;;
    --no-build) pass+=("$1"); shift ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "bench/sizes.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [[ -n "$from" ]]; then
  out=$(cd "$from" && pwd)
else
  out="$root/build/bench/sizes-$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$out"
  built=0
  for n in $sizes; do
    args=("${pass[@]}")
    # Build once, for the first size.
    if [[ $built -eq 1 ]]; then args+=(--no-build); fi
    built=1
    "$here/run.sh" --assets "$n" --jobs 2 --no-restore --workdir "$out/assets-$n" "${args[@]}" >"$out/assets-$n.txt"
  done
fi

# A column of a run.sh table's row NAME (fields split at '|': 2 the name, 3 wall s,
# 4 vs pg_dump|zstd, 6 vs floor).
col() { awk -F'|' -v n="$1" -v c="$2" '{ gsub(/ /, "", $2) } $2 == n { gsub(/[ x]/, "", $c); print $c }' "$3"; }

{
  echo "| assets | plain MiB | j2 vs floor | j2 vs pg_dump\|zstd | j2 s/GiB | text vs floor | text vs pg_dump\|zstd | text s/GiB |"
  echo "|-------:|----------:|------------:|-------------------:|---------:|--------------:|---------------------:|-----------:|"
  for n in $sizes; do
    f="$out/assets-$n.txt"
    plain=$(sed -n 's/.*plain dump=\([0-9]*\) MiB.*/\1/p' "$f")
    printf '| %6s | %9s | %10sx | %17sx | %8.2f | %12sx | %19sx | %10.2f |\n' "$n" "$plain" \
      "$(col immichbak-j2 6 "$f")" "$(col immichbak-j2 4 "$f")" \
      "$(echo "$(col immichbak-j2 3 "$f") * 1024 / $plain" | bc -l)" \
      "$(col immichbak-j2-text 6 "$f")" "$(col immichbak-j2-text 4 "$f")" \
      "$(echo "$(col immichbak-j2-text 3 "$f") * 1024 / $plain" | bc -l)"
  done
  echo
  echo "(each size on its own cluster, fastest of its rounds; every run's full table is in $out)"
} | tee "$out/sizes.txt"
