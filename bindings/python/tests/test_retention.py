"""list_backups, plan_retention, prune (dry run and real), check_backup_age."""

import datetime
import json
import os

import immichbak


def make_generations(source_db, d, n):
    files = []
    for _ in range(n):
        r = immichbak.backup(d, dsn="dbname=" + source_db)
        assert immichbak.verify(r.file).ok  # records FILE.verified.json: the backup counts
        files.append(r.file)
    return files


def test_list_plan_prune(source_db, tmp_path):
    files = make_generations(source_db, tmp_path, 3)
    (tmp_path / "notes.txt").write_text("not a backup\n")

    entries = immichbak.list_backups(tmp_path)
    ours = [e for e in entries if e.kind == immichbak.EntryKind.backup]
    assert {e.path for e in ours} == set(files)
    assert any(e.kind == immichbak.EntryKind.foreign and e.name == "notes.txt" for e in entries)
    newest = ours[0]
    assert newest.time.tzinfo is not None and newest.time.utcoffset() == datetime.timedelta(0)
    assert newest.verification == immichbak.VerifyState.passed and newest.last_verify.ok
    assert newest.has_sidecar and newest.database == source_db and newest.rows > 0 and newest.named_like_ours
    assert ours == sorted(ours, key=lambda e: (e.time, e.name_suffix), reverse=True)
    assert json.loads(immichbak.listing_to_json(entries))["ok"] is True
    assert newest.name in immichbak.listing_to_text(entries)

    # plan only: nothing is touched
    before = sorted(os.listdir(tmp_path))
    plan = immichbak.plan_retention(entries, immichbak.RetentionPolicy(keep_last=1))
    assert plan.count(immichbak.PlanAction.keep) == 1 and plan.count(immichbak.PlanAction.remove) == 2
    assert plan.count(immichbak.PlanAction.untouched) == 1 and plan.bytes_to_free > 0
    kept = [p for p in plan.entries if p.action == immichbak.PlanAction.keep]
    assert kept[0].entry.path == newest.path and kept[0].reasons and kept[0].counted
    assert plan.policy.keep_last == 1 and plan.now.tzinfo is not None
    same = immichbak.plan_retention(entries, immichbak.RetentionPolicy(keep_last=1), now=plan.now)
    assert [p.action for p in same.entries] == [p.action for p in plan.entries]

    # prune: a dry run, then for real
    policy = immichbak.RetentionPolicy(keep_last=2)
    dry = immichbak.prune(tmp_path, policy, dry_run=True)
    assert dry.dry_run and dry.plan.count(immichbak.PlanAction.remove) == 1 and not dry.applied.removals
    assert sorted(os.listdir(tmp_path)) == before
    logs = []
    done = immichbak.prune(str(tmp_path), policy, log=lambda level, m: logs.append(m))
    assert not done.dry_run and done.applied.ok and len(done.applied.removals) == 1
    removal = done.applied.removals[0]
    assert removal.removed and removal.path == files[0] and removal.bytes > 0
    assert not files[0].exists() and files[1].exists() and files[2].exists()
    assert json.loads(done.to_json()) and "remove" in done.to_text()

    # check-age: the newest verified backup is fresh
    verdict = immichbak.check_backup_age(tmp_path, max_age=datetime.timedelta(hours=26), warn_age="1h")
    assert verdict.status == immichbak.AgeStatus.ok and verdict.exit_code == 0, verdict.to_text()
    assert verdict.newest_good.path == files[2] and verdict.age < datetime.timedelta(hours=1)
    assert verdict.warn_age == datetime.timedelta(hours=1)
    assert verdict.to_text().startswith("IMMICHBAK OK")
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
    old = immichbak.check_backup_age(tmp_path, max_age="26h", now=later)
    assert old.status == immichbak.AgeStatus.critical


def test_apply_retention_in_two_steps(source_db, tmp_path):
    files = make_generations(source_db, tmp_path, 2)
    plan = immichbak.plan_retention(immichbak.list_backups(tmp_path), immichbak.RetentionPolicy(keep_last=1))
    applied = immichbak.apply_retention(plan, lock_wait=5)
    assert applied.ok and applied.bytes_freed > 0
    assert not files[0].exists() and files[1].exists()
