"""restore into a new database: the same rows as the source."""

import pytest

import immichbak
from conftest import row_counts


def test_restore_into_new_database(backup_file, source_db, databases):
    target = databases.name("restored")
    phases = set()
    result = immichbak.restore(backup_file, dsn="dbname=" + target, jobs=2,
                               progress=lambda e: phases.add(e.phase))
    assert result.database == target and result.kept_old_database is None
    assert result.rows > 0 and result.tables > 10 and not result.plain_sql
    assert phases
    assert row_counts(target) == row_counts(source_db)

    # a second restore into the now non-empty target is refused and leaves it as it was
    with pytest.raises(immichbak.TargetNotEmpty) as info:
        immichbak.restore(backup_file, dsn="dbname=" + target)
    assert info.value.code == immichbak.ErrorCode.target_not_empty
    # with replace, the old one is kept under another name
    again = immichbak.restore(backup_file, dsn="dbname=" + target, mode=immichbak.RestoreMode.replace)
    assert again.kept_old_database
    databases.names.append(again.kept_old_database)
    assert row_counts(target) == row_counts(source_db)
    # replace_drop_old keeps nothing; a mode that is not a RestoreMode is a TypeError
    third = immichbak.restore(backup_file, dsn="dbname=" + target, mode=immichbak.RestoreMode.replace_drop_old)
    assert third.kept_old_database is None
    assert row_counts(target) == row_counts(source_db)
    with pytest.raises(TypeError):
        immichbak.restore(backup_file, dsn="dbname=" + target, mode="replace")
