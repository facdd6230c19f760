"""backup, verify, inspect and extract against the throwaway cluster; callbacks, the GIL,
cancellation and errors."""

import io
import json
import os
import threading
import time

import pytest

import immichbak
from conftest import psql


def backups_in(d):
    return sorted(p for p in os.listdir(d) if not p.startswith("."))


def test_backup_with_callbacks(source_db, tmp_path):
    events, logs = [], []
    result = immichbak.backup(
        dest_dir=tmp_path, dsn="dbname=" + source_db, jobs=2, compress="zstd",
        progress=events.append, log=lambda level, message: logs.append((level, message)))
    assert result.file.parent == tmp_path and result.file.name.endswith(".sql.zst")
    assert result.file.exists() and result.sidecar.exists()
    assert result.database == source_db
    assert result.rows > 0 and result.tables > 10 and result.bytes == result.file.stat().st_size
    assert len(result.sha256) == 64 and result.sha256 in result.sidecar.read_text()
    assert result.server_version.startswith("15")
    assert events and all(isinstance(e, immichbak.ProgressEvent) for e in events)
    assert "data" in {e.phase for e in events}
    assert logs and all(isinstance(level, immichbak.LogLevel) and isinstance(m, str) for level, m in logs)


def test_gzip_and_plain_variants(source_db, tmp_path):
    gz = immichbak.backup(tmp_path, dsn="dbname=" + source_db, compress=immichbak.Compression.gzip,
                          compression_level=immichbak.DEFAULT_GZIP_LEVEL, prefix="gz")
    plain = immichbak.backup(tmp_path, dsn="dbname=" + source_db, compress="none", prefix="plain",
                             exclude_regenerable=True)
    assert gz.file.name.endswith(".sql.gz") and plain.file.name.endswith(".sql")
    assert immichbak.read_manifest(gz.file).compression == "gzip"
    assert plain.tables_excluded > 0


def test_binary_copy_is_the_default_and_writes_the_same_rows(source_db, tmp_path):
    def read_with_binary_copy(**kwargs):
        logs = []
        r = immichbak.backup(tmp_path, dsn="dbname=" + source_db, log=lambda level, m: logs.append(m), **kwargs)
        counts = [m for m in logs if "read with binary COPY" in m]
        return r, counts
    binary, binary_logs = read_with_binary_copy(prefix="binary")
    text, text_logs = read_with_binary_copy(prefix="text", binary_copy=False)
    assert binary_logs and not binary_logs[0].startswith("data: 0 of"), binary_logs
    assert not text_logs, text_logs
    hashes = lambda r: [(t.schema, t.name, t.rows, t.content_hash, t.plain_bytes)
                        for t in immichbak.read_manifest(r.file).tables]
    assert hashes(binary) == hashes(text)
    assert binary.rows == text.rows > 0


def test_gil_released_during_backup(source_db, tmp_path):
    ticks = 0
    stop = threading.Event()

    def spin():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    # Without callbacks, the backup holds the GIL at no time: the other thread keeps running.
    t = threading.Thread(target=spin)
    t.start()
    try:
        start = time.monotonic()
        immichbak.backup(tmp_path, dsn="dbname=" + source_db)
        seconds = time.monotonic() - start
    finally:
        stop.set()
        t.join()
    assert ticks > 10, (ticks, seconds)


def test_verify_offline_and_restore_test(backup_file):
    report = immichbak.verify(backup_file)
    assert report.ok and bool(report), report.to_text()
    assert report.file == backup_file
    assert all(isinstance(c, immichbak.CheckResult) for c in report.checks)
    assert {c.status for c in report.checks} <= {immichbak.CheckStatus.pass_, immichbak.CheckStatus.skipped,
                                                 immichbak.CheckStatus.warn}
    assert isinstance(json.loads(report.to_json()), dict) and "sidecar" in report.to_text()
    phases = []
    tested = immichbak.verify(str(backup_file), restore_test=True, jobs=2,
                              progress=lambda e: phases.append(e.phase))
    assert tested.ok, tested.to_text()
    assert any(c.name == "restore-test" and c.status == immichbak.CheckStatus.pass_ for c in tested.checks)
    assert tested.immich is not None and tested.immich.assets > 0
    assert phases


def test_verify_finds_damage(backup_file, tmp_path):
    damaged = tmp_path / backup_file.name
    data = bytearray(backup_file.read_bytes())
    data[2000:2004] = b"XXXX"
    damaged.write_bytes(bytes(data))
    report = immichbak.verify(damaged)
    assert not report.ok
    assert any(c.status == immichbak.CheckStatus.fail for c in report.checks)


def test_read_manifest(backup_file, source_db):
    m = immichbak.read_manifest(backup_file)
    assert m.database == source_db and m.compression == "zstd" and m.format_major == 1
    tables = {t.qualified_name: t for t in m.tables}
    assets = int(psql(source_db, "SELECT count(*) FROM public.asset"))
    assert tables["public.asset"].rows == assets
    assert m.frames and m.frames[0].kind == immichbak.FrameKind.header
    assert any(f.kind == immichbak.FrameKind.data and f.table == "asset" for f in m.frames)
    assert '"database"' in m.to_json() and "public.asset" in m.to_text()


def test_extract_table(backup_file, source_db, tmp_path, databases):
    sql = immichbak.extract_table(backup_file, "public.asset")
    assert isinstance(sql, bytes) and b"COPY" in sql and b"CREATE TABLE" in sql
    target = tmp_path / "asset.sql"
    assert immichbak.extract_table(backup_file, "asset", target) is None
    assert target.read_bytes() == sql
    buffer = io.BytesIO()
    immichbak.extract_table(backup_file, "asset", buffer)
    assert buffer.getvalue() == sql
    with pytest.raises(immichbak.InvalidArgument) as info:
        immichbak.extract_table(backup_file, "no_such_table")
    assert "no_such_table" in str(info.value)

    class Broken:
        def write(self, data):
            raise RuntimeError("disk full (test)")

    with pytest.raises(RuntimeError, match="disk full"):
        immichbak.extract_table(backup_file, "asset", Broken())


def test_bad_dsn_never_shows_the_password(tmp_path):
    with pytest.raises(immichbak.ConnectionFailed) as info:
        immichbak.backup(tmp_path, dsn="host=127.0.0.1 port=1 user=nobody password=Sup3rS3cret dbname=x")
    assert "Sup3rS3cret" not in str(info.value)
    assert "Sup3rS3cret" not in repr(info.value)
    assert info.value.code == immichbak.ErrorCode.connection_failed
    with pytest.raises(immichbak.Error) as info:
        immichbak.backup(tmp_path, dsn="postgresql://nobody:Sup3rS3cret@127.0.0.1:1/x")
    assert "Sup3rS3cret" not in str(info.value)
    assert backups_in(tmp_path) == []


def test_exception_in_progress_callback_propagates(source_db, tmp_path):
    class Stop(Exception):
        pass

    calls = []

    def progress(event):
        calls.append(event)
        if event.phase == "data":
            raise Stop("enough")

    with pytest.raises(Stop, match="enough"):
        immichbak.backup(tmp_path, dsn="dbname=" + source_db, progress=progress)
    assert calls
    assert [p for p in backups_in(tmp_path) if ".sql" in p] == []


def test_exception_in_log_callback_propagates(source_db, tmp_path):
    def log(level, message):
        raise KeyError("from log")

    with pytest.raises(KeyError):
        immichbak.backup(tmp_path, dsn="dbname=" + source_db, log=log)
    assert [p for p in backups_in(tmp_path) if ".sql" in p] == []


def test_cancel_token(source_db, tmp_path):
    token = immichbak.CancelToken()

    def progress(event):
        if event.phase == "data":
            token.cancel()  # as another thread would

    with pytest.raises(immichbak.Cancelled) as info:
        immichbak.backup(tmp_path, dsn="dbname=" + source_db, progress=progress, cancel=token)
    assert info.value.code == immichbak.ErrorCode.cancelled
    assert [p for p in backups_in(tmp_path) if ".sql" in p] == []
    token.reset()
    assert immichbak.backup(tmp_path, dsn="dbname=" + source_db, cancel=token).file.exists()


def test_keyboard_interrupt_cancels(source_db, tmp_path):
    import signal

    # Ctrl-C while the backup runs: the main thread's SIGINT handler raises KeyboardInterrupt,
    # which cancels the backup; nothing is left behind.
    def progress(event):
        if event.phase == "data":
            signal.raise_signal(signal.SIGINT)
            time.sleep(0.5)  # the calling thread notices the signal within 100 ms

    with pytest.raises(KeyboardInterrupt):
        immichbak.backup(tmp_path, dsn="dbname=" + source_db, progress=progress)
    assert [p for p in backups_in(tmp_path) if ".sql" in p] == []
