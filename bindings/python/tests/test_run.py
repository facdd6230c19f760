"""run(): backup, verify, prune, metrics file, step callbacks."""

import json

import immichbak


def test_run_with_metrics(source_db, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    metrics = tmp_path / "immichbak.prom"
    steps = []
    result = None
    for _ in range(2):
        result = immichbak.run(
            backups, dsn="dbname=" + source_db, require_immich=True, restore_test_every=0,
            retention=immichbak.RetentionPolicy(keep_last=1), metrics_file=metrics,
            step_done=lambda step, partial: steps.append((step, partial.ok)))
        assert result.ok and result.exit_code == 0, result.to_text()
    assert result.backup is not None and result.backup.file.exists()
    assert result.verify is not None and result.verify.ok and result.restore_test
    assert result.prune is not None and result.prune.plan.count(immichbak.PlanAction.remove) == 1
    assert result.failure is None and result.started_at <= result.finished_at
    assert result.last_success is not None and result.dest_dir == backups
    assert [s for s, _ in steps[:3]] == [immichbak.RunStep.backup, immichbak.RunStep.verify, immichbak.RunStep.prune]
    assert len([p for p in backups.iterdir() if p.name.endswith(".sql.zst")]) == 1
    text = metrics.read_text()
    assert "immichbak_run_success" in text
    assert json.loads(result.to_json())


def test_run_records_a_failed_step(tmp_path):
    result = immichbak.run(tmp_path, dsn="host=127.0.0.1 port=1 dbname=x password=Hidden99",
                           metrics_file=tmp_path / "m.prom")
    assert not result.ok and not result
    assert result.failure.step == immichbak.RunStep.backup and result.failure.code == "connection_failed"
    assert "Hidden99" not in result.failure.message and "Hidden99" not in result.to_json()
    assert result.exit_code == 1 and result.backup is None
