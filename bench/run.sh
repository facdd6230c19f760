#!/usr/bin/env bash
# Backup benchmark: immichbak against the tools people use today, on an Immich-shaped
# database, on a throwaway cluster (fsync on: tests/pg/with-cluster.sh without --fast).
#
#   bench/run.sh [--quick] [--assets N] [--reps R] [--jobs "1 2"] [--levels "3"] [--no-build]
#                [--workdir DIR] [--keep] [--no-restore]
#
#   --quick        small database (2000 assets, ~30 MB plain) for a smoke run
#   --assets N     size of the generated database (default 70000: about 1 GB of COPY text)
#   --reps R       run every measurement R times and keep the fastest (default 1)
#   --jobs LIST    immichbak --jobs values to time (default "1 2")
#   --levels LIST  immichbak zstd levels to time (default "2", the library default; the
#                  baseline is always pg_dump | zstd -3)
#   --no-build     use the existing binaries
#   --build-dir D  build (RelWithDebInfo) in D instead of the release preset's build/release
#   --workdir DIR  where files go (default: a fresh directory under build/bench)
#   --keep         keep the backup files
#   --no-restore   time only the backups (bench/sizes.sh: the same runs at three sizes)
#   --restore-only make one immichbak backup (--jobs 2) and one pg_dump | zstd -3 file, untimed,
#                  and time only the restores
#
# Measured, side by side (warm cache: everything reads the same shared buffers / page cache):
#   immichbak backup --jobs J        (zstd level 2, proven tables read as binary COPY and
#                                     rendered here: the defaults)
#   immichbak backup --jobs J --text-copy      (the server formats every row)
#   immichbak backup --jobs 2 --compress gzip   (the file Immich's Backups page restores)
#   pg_dump | zstd -3                (what a careful admin runs)
#   pg_dump --clean --if-exists | gzip --rsyncable   (Immich's own nightly job)
#   floor: every table's COPY ... TO STDOUT into /dev/null over one connection (psql),
#          the least work any logical backup must do
# and prints wall time, ratios, file size and peak RSS (GNU time "Maximum resident set size").
#
# Restore timings: if bench/restore_hooks.sh exists it is sourced and its function
#   restore_benchmarks IMMICHBAK_FILE PGDUMP_ZSTD_FILE
# is called after the backup timings (the cluster, $db, $cli, $workdir, $reps are set). It can
# use the same helpers as the backup part: `add_run NAME "SHELL COMMAND" OUTFILE|-`, then
# `run_once NAME` (per round; keeps the fastest) and print `report_row NAME` lines, or print
# its own table (e.g. immichbak restore vs zstd -dc | psql vs pg_restore -j2 of pg_dump -Fd).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

assets=70000
reps=1
jobs_list="1 2"
levels="2"
build=1
build_dir=""
workdir=""
keep=0
restore_only=0
no_restore=0
inside=0
args=("$@")
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) assets=2000; shift ;;
    --assets) assets=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --jobs) jobs_list=$2; shift 2 ;;
    --levels) levels=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --restore-only) restore_only=1; shift ;;
    --no-restore) no_restore=1; shift ;;
    --inside-cluster) inside=1; shift ;;
    -h|--help) sed -n '2,37p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [[ $inside -eq 0 ]]; then
  if ! /usr/bin/time -v true >/dev/null 2>&1; then
    echo "bench: GNU time is missing; installing the 'time' package" >&2
    apt-get install -y time >/dev/null
  fi
  for tool in zstd gzip pg_dump psql python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
  done
  if [[ $build -eq 1 ]]; then
    if [[ -z "$build_dir" ]]; then
      echo "bench: building release (cmake --preset release)" >&2
      (cd "$root" && cmake --preset release >/dev/null && cmake --build build/release -j2 --target immichbak_cli >/dev/null)
    else
      echo "bench: building RelWithDebInfo in $build_dir" >&2
      cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
      cmake --build "$build_dir" -j2 --target immichbak_cli >/dev/null
    fi
  fi
  # The cluster lives only as long as the inner run.
  if [[ -n "$build_dir" ]]; then build_dir=$(cd "$build_dir" && pwd); fi
  exec "$root/tests/pg/with-cluster.sh" -- "$0" "${args[@]}" --no-build --inside-cluster ${build_dir:+--build-dir "$build_dir"}
fi

# ---- inside the throwaway cluster (PGHOST/PGPORT/PGUSER set) ---------------------------
cli="${build_dir:-$root/build/release}/cli/immichbak"
[[ -x "$cli" ]] || { echo "bench: $cli not built" >&2; exit 1; }
if [[ -z "$workdir" ]]; then workdir="$root/build/bench/run-$(date -u +%Y%m%dT%H%M%SZ)"; fi
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)
db=bench
results="$workdir/results.txt"
: >"$results"

log() { echo "bench: $*" >&2; }

log "PostgreSQL $(psql -X -At -d postgres -c 'SHOW server_version'), $(nproc) CPUs, assets=$assets, reps=$reps"
psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$root/tests/fixtures/immich_schema.sql" >/dev/null
t0=$(date +%s.%N)
python3 "$root/tests/fixtures/generate_immich_data.py" --assets "$assets" | psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null
psql -X -q -d "$db" -c "VACUUM ANALYZE" >/dev/null
log "loaded in $(printf '%.0f' "$(echo "$(date +%s.%N) - $t0" | bc)") s; database size $(psql -X -At -d "$db" -c "SELECT pg_size_pretty(pg_database_size('$db'))")"

# Every table a logical backup reads, for the floor.
copy_sql="$workdir/copy_all.sql"
{
  echo "SET extra_float_digits = 3; SET DateStyle = 'ISO'; SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC';"
  psql -X -At -d "$db" -c "
    SELECT format('COPY %I.%I TO STDOUT;', n.nspname, c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    ORDER BY pg_relation_size(c.oid) DESC"
} >"$copy_sql"

declare -A wall rss size cpu scpu cmd outfile
# Server CPU of a run: the postmaster's children's times (backends are reaped by it when
# they exit), before and after; the cluster serves nothing but this benchmark.
pm_pid=$(head -1 "$(psql -X -At -d postgres -c 'SHOW data_directory')/postmaster.pid")
clk=$(getconf CLK_TCK)
server_ticks() { awk '{print $16 + $17}' "/proc/$pm_pid/stat"; }
# run_once NAME: runs cmd[NAME] once under GNU time; keeps the fastest wall time seen for
# NAME (and that run's peak RSS and client CPU: user + sys of every process but the server).
run_once() {
  local name=$1 tf="$workdir/time.$1.txt" s e w r c t0 t1 sc
  [[ "${outfile[$name]}" != "-" ]] && rm -f "${outfile[$name]}"
  t0=$(server_ticks)
  s=$(date +%s.%N)
  /usr/bin/time -v -o "$tf" bash -c "${cmd[$name]}"
  e=$(date +%s.%N)
  sleep 0.3  # let the postmaster reap the run's backends
  t1=$(server_ticks)
  sc=$(echo "($t1 - $t0) / $clk" | bc -l)
  w=$(echo "$e - $s" | bc)
  r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tf")
  c=$(awk -F': ' '/User time|System time/ {t += $2} END {print t}' "$tf")
  if [[ -z "${wall[$name]:-}" ]] || (($(echo "$w < ${wall[$name]}" | bc))); then
    wall[$name]=$w; rss[$name]=$r; cpu[$name]=$c; scpu[$name]=$sc
  fi
  log "$(printf '%-26s %8.2f s  (client CPU %6.2f s, server CPU %6.2f s, peak RSS %7.1f MiB)' "$name" "$w" "$c" "$sc" "$(echo "$r / 1024" | bc -l)")"
}

# The runs, in the order they are interleaved: each round runs every command once, so
# load from elsewhere on the machine hits all of them alike; the fastest round counts.
runs=()
add_run() { cmd[$1]=$2; outfile[$1]=$3; }
add_run floor "psql -X -q -d '$db' -f '$copy_sql' >/dev/null" -
for level in $levels; do
  for j in $jobs_list; do
    name="immichbak-j$j"
    [[ "$level" != "2" ]] && name+="-L$level"
    runs+=("$name")
    dir="$workdir/$name"
    mkdir -p "$dir"
    add_run "$name" "rm -f '$dir'/*; '$cli' -q backup --dbname 'dbname=$db' --dest '$dir' --jobs $j --compress zstd:$level >/dev/null" -
  done
done
# The same backups with --text-copy: the server formats every row itself; the difference is
# what the default (binary rows, the workers write the text) saves or costs.
for j in $jobs_list; do
  name="immichbak-j$j-text"
  runs+=("$name")
  mkdir -p "$workdir/$name"
  add_run "$name" "rm -f '$workdir/$name'/*; '$cli' -q backup --dbname 'dbname=$db' --dest '$workdir/$name' --jobs $j --text-copy >/dev/null" -
done
# The gzip variant (a file Immich's own Backups page restores), against Immich's own job.
runs+=(immichbak-gzip-j2)
mkdir -p "$workdir/immichbak-gzip-j2"
add_run immichbak-gzip-j2 "rm -f '$workdir/immichbak-gzip-j2'/*; '$cli' -q backup --dbname 'dbname=$db' --dest '$workdir/immichbak-gzip-j2' --jobs 2 --compress gzip >/dev/null" -
add_run pg_dump_zstd "pg_dump -d '$db' | zstd -3 -q -o '$workdir/pg_dump.sql.zst'" "$workdir/pg_dump.sql.zst"
add_run pg_dump_gzip "pg_dump --clean --if-exists -d '$db' | gzip --rsyncable >'$workdir/pg_dump.sql.gz'" "$workdir/pg_dump.sql.gz"
all_runs=(floor "${runs[@]}" pg_dump_zstd pg_dump_gzip)
if [[ $restore_only -eq 1 ]]; then
  runs=(immichbak-j2)
  mkdir -p "$workdir/immichbak-j2"
  add_run immichbak-j2 "rm -f '$workdir/immichbak-j2'/*; '$cli' -q backup --dbname 'dbname=$db' --dest '$workdir/immichbak-j2' --jobs 2 >/dev/null" -
  all_runs=(immichbak-j2 pg_dump_zstd)
  backup_reps=1
else
  backup_reps=$reps
fi

# Warm-up: bring the tables into shared buffers / page cache so no run pays for cold reads.
psql -X -q -d "$db" -f "$copy_sql" >/dev/null

for ((round = 1; round <= backup_reps; round++)); do
  log "round $round of $backup_reps"
  for n in "${all_runs[@]}"; do run_once "$n"; done
done
for n in "${all_runs[@]}"; do
  if [[ "${outfile[$n]}" != "-" ]]; then
    size[$n]=$(stat -c %s "${outfile[$n]}")
  elif [[ "$n" == floor ]]; then
    size[$n]=0
  else
    f=$({ compgen -G "$workdir/$n/*.sql.zst" || compgen -G "$workdir/$n/*.sql.gz"; } | head -1)
    size[$n]=$(stat -c %s "$f")
    ln -sf "$f" "$workdir/$n.sql.${f##*.sql.}"
  fi
done

plain=$(zstd -dc "$workdir/pg_dump.sql.zst" | wc -c)

report_row() {  # NAME: one markdown row with ratios against the baselines
  local n=$1
  printf '| %-16s | %8.2f | %6.2fx | %6.2fx | %6.2fx | %10.1f | %7.1f | %6.2f | %6.2f |\n' "$n" "${wall[$n]}" \
    "$(echo "${wall[pg_dump_zstd]} / ${wall[$n]}" | bc -l)" \
    "$(echo "${wall[pg_dump_gzip]} / ${wall[$n]}" | bc -l)" \
    "$(echo "${wall[floor]} / ${wall[$n]}" | bc -l)" \
    "$(echo "${size[$n]} / 1048576" | bc -l)" \
    "$(echo "${rss[$n]} / 1024" | bc -l)" \
    "${cpu[$n]}" "${scpu[$n]}"
}

[[ $restore_only -eq 1 ]] || {
  echo "assets=$assets  plain dump=$((plain / 1048576)) MiB  database=$(psql -X -At -d "$db" -c "SELECT pg_size_pretty(pg_database_size('$db'))")  PostgreSQL $(psql -X -At -d postgres -c 'SHOW server_version')  CPUs=$(nproc)  reps=$reps"
  echo
  echo "| run              |   wall s | vs pg_dump\|zstd | vs pg_dump\|gzip | vs floor | size MiB | RSS MiB | client CPU s | server CPU s |"
  echo "|------------------|---------:|--------:|--------:|--------:|-----------:|--------:|-------:|-------:|"
  for n in "${all_runs[@]}"; do report_row "$n"; done
  echo
  echo "(ratios are speed-ups: baseline wall time / this run's wall time, fastest of $reps round(s);"
  echo " client CPU = user + sys of the measured command's processes; server CPU = the backends' (same round);"
  echo " floor size is 0: it writes nothing; RSS is the largest single process)"
} | tee "$results"

if [[ $no_restore -eq 0 && -f "$here/restore_hooks.sh" ]]; then
  # shellcheck source=/dev/null
  source "$here/restore_hooks.sh"
  restore_benchmarks "$workdir/${runs[0]}.sql.zst" "$workdir/pg_dump.sql.zst" | tee -a "$results"
fi

log "results in $results"
if [[ $keep -eq 0 ]]; then
  rm -rf "$workdir"/immichbak-j* "$workdir"/pg_dump.sql.*
fi
