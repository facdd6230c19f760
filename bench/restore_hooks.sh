# Restore timings, sourced by bench/run.sh after the backup timings (see its header).
# Times, on the same throwaway cluster and the same data:
#   immichbak restore --jobs 1 and --jobs 2          (our backup file; includes the content check)
#   zstd -dc pg_dump.sql.zst | psql                  (the stock way)
#   pg_restore -j2 of a pg_dump -Fd dump             (the fastest stock way)
# Every run restores into a database that does not exist yet and is dropped afterwards.
# Ratios are speed-ups against psql and pg_restore -j2 (baseline wall / this run's wall).

restore_benchmarks() {
  local ours=$1 pgdump_zst=$2
  local fd_dir="$workdir/pg_dump_fd"
  rm -rf "$fd_dir"
  pg_dump -Fd -j2 -Z0 -d "$db" -f "$fd_dir"

  declare -A rwall
  time_restore() {  # NAME TARGET_DB COMMAND
    local name=$1 target=$2 command=$3 best="" t0 t1 w r
    for ((r = 1; r <= reps; r++)); do
      psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$target\"" >/dev/null 2>&1
      t0=$(date +%s.%N)
      bash -c "$command" >/dev/null 2>"$workdir/$name.err" || echo "warning: $name exited non-zero (see $workdir/$name.err)" >&2
      t1=$(date +%s.%N)
      w=$(echo "$t1 - $t0" | bc -l)
      if [[ -z "$best" ]] || (( $(echo "$w < $best" | bc -l) )); then best=$w; fi
    done
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$target\"" >/dev/null 2>&1
    rwall[$name]=$best
  }

  time_restore immichbak-r-j1 bench_r1 "'$cli' -q restore '$ours' --dbname 'dbname=bench_r1' --jobs 1"
  time_restore immichbak-r-j2 bench_r2 "'$cli' -q restore '$ours' --dbname 'dbname=bench_r2' --jobs 2"
  time_restore psql bench_r3 "psql -X -q -d postgres -c 'CREATE DATABASE bench_r3' && zstd -dc '$pgdump_zst' | sed \"s/set_config('search_path', '', false)/set_config('search_path', 'public', false)/\" | psql -X -q -v ON_ERROR_STOP=1 -d bench_r3"
  time_restore pg_restore-j2 bench_r4 "psql -X -q -d postgres -c 'CREATE DATABASE bench_r4' && pg_restore -j2 -d bench_r4 '$fd_dir'"
  rm -rf "$fd_dir"

  echo
  echo "| restore          |   wall s | vs psql | vs pg_restore -j2 |"
  echo "|------------------|---------:|--------:|------------------:|"
  local n
  for n in immichbak-r-j1 immichbak-r-j2 psql pg_restore-j2; do
    printf '| %-16s | %8.2f | %6.2fx | %6.2fx |\n' "$n" "${rwall[$n]}" \
      "$(echo "${rwall[psql]} / ${rwall[$n]}" | bc -l)" "$(echo "${rwall[pg_restore-j2]} / ${rwall[$n]}" | bc -l)"
  done
  echo
  echo "(psql: the dump's empty search_path is replaced by 'public' with sed, as Immich's docs advise, or the"
  echo " ll_to_earth/f_unaccent indexes fail; pg_restore reports those index errors and goes on, so its time"
  echo " leaves out building them; immichbak builds every index and also re-hashes every table to check it)"
}
