#!/usr/bin/env bash
# Runs one example against the CTest fixture's cluster (examples/CMakeLists.txt registers a
# test per example): each case makes its own fixture database, runs the example as a user
# would, and checks what it did, not only its exit code.
#   test_examples.sh BIN_DIR WORK_DIR CASE
set -euo pipefail
bin=$1 work=$2 case=$3
fixture_db=${IMMICHBAK_FIXTURE_DB:?run through ctest (immichbak_add_cluster_test sets it)}
rm -rf "$work"; mkdir -p "$work/backups"
db="example_${case//-/_}"
"$fixture_db" "$db"
count() { psql -X -At -d "$1" -c "SELECT count(*) FROM public.asset"; }
fail() { echo "test_examples.sh ($case): $*" >&2; exit 1; }
newest() { ls -t "$work"/backups/*.sql.zst | head -1; }

case $case in
  backup-verify-inspect)
    "$bin/backup_example" "dbname=$db" "$work/backups" 2
    file=$(newest)
    (cd "$work/backups" && sha256sum -c "$(basename "$file").sha256")
    "$bin/verify_example" "$file" | tee "$work/verify.out"
    grep -q "backup OK" "$work/verify.out" || fail "offline verify did not pass"
    "$bin/verify_example" "$file" --restore-test "dbname=postgres" | tee "$work/verify-restore.out"
    grep -q "backup OK" "$work/verify-restore.out" || fail "verify with a test restore did not pass"
    grep -q "Immich .* assets" "$work/verify-restore.out" || fail "no Immich summary after the test restore"
    "$bin/inspect_example" "$file" | tee "$work/inspect.out"
    grep -q "public.asset: $(count "$db") rows" "$work/inspect.out" || fail "inspect does not show the asset rows"
    # a damaged file: verify reports it (exit 3), never passes it
    cp "$file" "$work/damaged.sql.zst"
    printf 'XXXX' | dd of="$work/damaged.sql.zst" bs=1 seek=2000 conv=notrunc status=none
    set +e; "$bin/verify_example" "$work/damaged.sql.zst" >"$work/damaged.out" 2>&1; rc=$?; set -e
    [[ $rc -ne 0 ]] || fail "a damaged backup verified"
    ;;
  nightly)
    "$bin/nightly_example" "dbname=$db" "$work/backups" "$work/immichbak.prom" | tee "$work/run.out"
    grep -Eq '^immichbak_run_success(\{[^}]*\})? 1$' "$work/immichbak.prom" || fail "the metrics file does not record a success"
    [[ $(ls "$work"/backups/*.sql.zst | wc -l) -eq 1 ]] || fail "expected one backup"
    # the wrong database is refused before anything is written
    set +e; "$bin/nightly_example" "dbname=postgres" "$work/backups" >"$work/wrong.out" 2>&1; rc=$?; set -e
    [[ $rc -ne 0 ]] || fail "a database without Immich tables was backed up"
    [[ $(ls "$work"/backups/*.sql.zst | wc -l) -eq 1 ]] || fail "the refused run left a file"
    ;;
  restore)
    "$bin/backup_example" "dbname=$db" "$work/backups" 2
    target="${db}_restored"
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$target\""
    "$bin/restore_example" "$(newest)" "dbname=$target" | tee "$work/restore.out"
    [[ $(count "$target") == $(count "$db") ]] || fail "restored asset rows differ from the source"
    # a second restore into the now existing target is refused, and the target is unchanged
    set +e; "$bin/restore_example" "$(newest)" "dbname=$target" >"$work/again.out" 2>&1; rc=$?; set -e
    [[ $rc -ne 0 ]] || fail "restore into a non-empty target without --replace succeeded"
    "$bin/restore_example" "$(newest)" "dbname=$target" --replace | tee "$work/replace.out"
    grep -q "kept as" "$work/replace.out" || fail "--replace did not keep the old database"
    ;;
  retention-plan)
    for i in 1 2 3; do "$bin/backup_example" "dbname=$db" "$work/backups" 1 >/dev/null; done
    before=$(ls "$work/backups" | sort)
    "$bin/retention_plan_example" "$work/backups" 1 0 0 | tee "$work/plan.out"
    grep -q "^keep .*within 2d" "$work/plan.out" || fail "the plan does not keep the recent backups"
    [[ $(ls "$work/backups" | sort) == "$before" ]] || fail "planning changed the directory"
    ;;
  *) fail "unknown case";;
esac
echo "example $case: ok"
