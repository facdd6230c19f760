# Restore timings, sourced by bench/run.sh after the backup timings (see its header).
# Times, on the same throwaway cluster and the same data:
#   immichbak restore --jobs 1 and --jobs 2          (our backup file; includes the content check)
#   immichbak restore --jobs 2 --check-readback      (also reads every table back and compares it)
#   zstd -dc pg_dump.sql.zst | psql                  (the stock way)
#   pg_restore -j2 of a pg_dump -Fd dump             (the fastest stock way; -Z0, and -gz: pg_dump's
#                                                     default gzip compression)
# Every run restores into a database that does not exist yet and is dropped afterwards.
# Ratios are speed-ups against psql and pg_restore -j2 (baseline wall / this run's wall).

restore_benchmarks() {
  local ours=$1 pgdump_zst=$2
  local fd_dir="$workdir/pg_dump_fd" fdz_dir="$workdir/pg_dump_fd_gzip"
  rm -rf "$fd_dir" "$fdz_dir"
  pg_dump -Fd -j2 -Z0 -d "$db" -f "$fd_dir"   # uncompressed: the cheapest for pg_restore to read
  pg_dump -Fd -j2 -d "$db" -f "$fdz_dir"      # pg_dump's default (gzip): what users usually have

  declare -A rwall rcmd rtarget rscpu rccpu
  local names=()
  add_restore() { names+=("$1"); rtarget[$1]=$2; rcmd[$1]=$3; }  # NAME TARGET_DB COMMAND
  add_restore immichbak-r-j1 bench_r1 "'$cli' -q restore '$ours' --dbname 'dbname=bench_r1' --jobs 1"
  add_restore immichbak-r-j2 bench_r2 "'$cli' -q restore '$ours' --dbname 'dbname=bench_r2' --jobs 2"
  add_restore immichbak-r-j2-rb bench_r5 "'$cli' -q restore '$ours' --dbname 'dbname=bench_r5' --jobs 2 --check-readback"
  add_restore psql bench_r3 "psql -X -q -d postgres -c 'CREATE DATABASE bench_r3' && zstd -dc '$pgdump_zst' | sed \"s/set_config('search_path', '', false)/set_config('search_path', 'public', false)/\" | psql -X -q -v ON_ERROR_STOP=1 -d bench_r3"
  add_restore pg_restore-j2 bench_r4 "psql -X -q -d postgres -c 'CREATE DATABASE bench_r4' && pg_restore -j2 -d bench_r4 '$fd_dir'"
  add_restore pg_restore-j2-gz bench_r6 "psql -X -q -d postgres -c 'CREATE DATABASE bench_r6' && pg_restore -j2 -d bench_r6 '$fdz_dir'"

  # Interleaved rounds, as for the backups: load from elsewhere hits every tool alike.
  local r n t0 t1 w s0 s1 sc cc
  for ((r = 1; r <= reps; r++)); do
    for n in "${names[@]}"; do
      psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"${rtarget[$n]}\"" >/dev/null 2>&1
      psql -X -q -d postgres -c "CHECKPOINT" >/dev/null 2>&1  # nobody pays for the previous run's dirty pages
      s0=$(server_ticks)
      t0=$(date +%s.%N)
      /usr/bin/time -o "$workdir/$n.time" -f "%U %S" bash -c "${rcmd[$n]}" >/dev/null 2>"$workdir/$n.err" ||
        echo "warning: $n exited non-zero (see $workdir/$n.err)" >&2
      t1=$(date +%s.%N)
      sleep 0.3  # let the postmaster reap the run's backends
      s1=$(server_ticks)
      w=$(echo "$t1 - $t0" | bc -l)
      sc=$(echo "($s1 - $s0) / $clk" | bc -l)
      cc=$(tail -1 "$workdir/$n.time" | awk '{print $1 + $2}')
      log "$(printf 'restore %-20s %8.2f s  (server CPU %6.2f s, client CPU %6.2f s)' "$n" "$w" "$sc" "$cc")"
      if [[ -z "${rwall[$n]:-}" ]] || (($(echo "$w < ${rwall[$n]}" | bc -l))); then
        rwall[$n]=$w; rscpu[$n]=$sc; rccpu[$n]=$cc
      fi
      psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"${rtarget[$n]}\"" >/dev/null 2>&1
    done
  done
  rm -rf "$fd_dir" "$fdz_dir"

  echo
  echo "| restore           |   wall s | vs psql | vs pg_restore -j2 | server CPU s | client CPU s |"
  echo "|-------------------|---------:|--------:|------------------:|-------------:|-------------:|"
  for n in "${names[@]}"; do
    printf '| %-17s | %8.2f | %6.2fx | %6.2fx | %12.2f | %12.2f |\n' "$n" "${rwall[$n]}" \
      "$(echo "${rwall[psql]} / ${rwall[$n]}" | bc -l)" "$(echo "${rwall[pg_restore-j2]} / ${rwall[$n]}" | bc -l)" \
      "${rscpu[$n]}" "${rccpu[$n]}"
  done
  echo
  echo "(psql: the dump's empty search_path is replaced by 'public' with sed, as Immich's docs advise, or the"
  echo " ll_to_earth/f_unaccent indexes fail; pg_restore reports those index errors and goes on, so its time"
  echo " leaves out building them; immichbak builds every index, compares every loaded row with the manifest and"
  echo " takes quick statistics (ANALYZE at target 10; autovacuum completes them); -rb also reads every table back;"
  echo " fastest of $reps interleaved round(s); CPU columns belong to that round; server CPU includes autovacuum)"
}
