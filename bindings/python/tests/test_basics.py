"""What needs no server: versions, DSN redaction, durations, policies, the error mapping."""

import datetime
import enum
import os

import pytest

import immichbak


def test_versions():
    assert immichbak.__version__ == immichbak.header_version
    assert immichbak.library_version() == immichbak.__version__
    assert immichbak.__version__.count(".") == 2


def test_redact_dsn():
    assert immichbak.redact_dsn("postgresql://u:secret@h/db") == "postgresql://u@h/db"
    redacted = immichbak.redact_dsn("host=h password=secret")
    assert "secret" not in redacted and "***" in redacted


def test_ages():
    assert immichbak.parse_age("26h") == datetime.timedelta(hours=26)
    assert immichbak.parse_age("90min") == datetime.timedelta(minutes=90)
    assert immichbak.format_age(datetime.timedelta(days=1, hours=2)) == "1d2h"
    assert immichbak.format_age(45) == "45s"
    with pytest.raises(immichbak.InvalidArgument) as info:
        immichbak.parse_age("5m")  # ambiguous: refused
    assert isinstance(info.value, ValueError)
    assert info.value.code == immichbak.ErrorCode.invalid_argument
    assert info.value.code_name == "invalid_argument"
    assert info.value.sqlstate == ""


def test_calendar_durations_and_policy():
    d = immichbak.parse_calendar_duration("2w")
    assert d == immichbak.CalendarDuration("14d") and d.days == 14 and str(d) == "14d"
    assert immichbak.CalendarDuration(years=1, months=2) == immichbak.CalendarDuration("1y2m")
    policy = immichbak.RetentionPolicy(keep_daily=7, keep_weekly=4, keep_within="2d")
    assert not policy.empty
    assert policy.keep_within == immichbak.CalendarDuration(days=2)
    assert "7 daily" in str(policy)
    policy.keep_monthly = immichbak.KEEP_UNLIMITED
    policy.keep_within_daily = immichbak.CalendarDuration("1m")
    policy.partial_max_age = "36h"
    assert policy.partial_max_age == datetime.timedelta(hours=36)
    assert immichbak.RetentionPolicy().empty
    with pytest.raises(immichbak.InvalidArgument):
        immichbak.RetentionPolicy(keep_within="soon")


def test_error_codes():
    assert issubclass(immichbak.ErrorCode, enum.IntEnum)
    # the C++ errc values, which never change meaning
    assert immichbak.ErrorCode.invalid_argument == 1
    assert immichbak.ErrorCode.corrupt_backup == 7
    assert immichbak.ErrorCode.cancelled == 16
    assert immichbak.ErrorCode.internal == 99
    for code in immichbak.ErrorCode:
        cls = immichbak.error_class(code)
        assert issubclass(cls, immichbak.Error) and cls is not immichbak.Error
        assert cls.code == code and cls.code_name == code.name == immichbak.code_name(code)
    assert issubclass(immichbak.ConnectionFailed, ConnectionError)
    assert issubclass(immichbak.IoError, OSError)
    assert issubclass(immichbak.LockTimeout, TimeoutError)
    e = immichbak.CorruptBackup("made by hand")
    assert str(e) == "made by hand" and e.code == immichbak.ErrorCode.corrupt_backup


def test_not_a_backup(tmp_path):
    junk = tmp_path / "junk.sql.zst"
    junk.write_bytes(b"this is not a backup\n" * 1000)
    with pytest.raises(immichbak.Error) as info:
        immichbak.read_manifest(junk)
    assert info.value.code in (immichbak.ErrorCode.not_a_backup, immichbak.ErrorCode.corrupt_backup)
    with pytest.raises(immichbak.Error):
        immichbak.extract_table(str(junk), "asset")
    with pytest.raises(immichbak.IoError):
        immichbak.read_manifest(tmp_path / "missing.sql.zst")


def test_empty_directory(tmp_path):
    assert immichbak.list_backups(tmp_path) == []
    assert immichbak.listing_to_text([]) is not None
    verdict = immichbak.check_backup_age(tmp_path, max_age="26h")
    assert verdict.status == immichbak.AgeStatus.critical and verdict.exit_code == 2
    assert verdict.to_text().startswith("IMMICHBAK CRITICAL")
    assert verdict.max_age == datetime.timedelta(hours=26)


def test_immich_env(tmp_path, monkeypatch):
    for var in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE"):
        monkeypatch.delenv(var, raising=False)
    env = tmp_path / ".env"
    env.write_text("DB_PASSWORD=TopSecret123\nDB_DATABASE_NAME=immich\n")
    conn = immichbak.connection_from_immich_env(env)
    assert "TopSecret123" in conn.dsn  # the connection string itself holds it ...
    assert "TopSecret123" not in repr(conn)  # ... but it is never shown
    assert "DB_PASSWORD" in conn.used
    with pytest.raises(immichbak.InvalidArgument):
        immichbak.connection_from_immich_env(tmp_path / "missing.env")


def test_regenerable_tables():
    tables = immichbak.immich_regenerable_tables()
    assert tables and all(t.table and t.immich_job for t in tables)


def test_cancel_token_and_argument_checks(tmp_path):
    token = immichbak.CancelToken()
    assert not token.cancelled
    token.cancel()
    assert token.cancelled
    token.reset()
    assert not token.cancelled
    with pytest.raises(TypeError):
        immichbak.backup(tmp_path, progress=42)
    with pytest.raises(TypeError):
        immichbak.backup(tmp_path, cancel=True)
    with pytest.raises(ValueError):
        immichbak.backup(tmp_path, compress="lz4")
    with pytest.raises(TypeError):
        immichbak.backup(tmp_path, jobs=2, dsn="x", unknown_option=1)
    assert os.listdir(tmp_path) == []
