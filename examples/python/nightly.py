#!/usr/bin/env python3
"""The life of a backup through the Python module (docs/python.md):

    nightly.py DATABASE BACKUP_DIR [RESTORE_INTO]

backs DATABASE up into BACKUP_DIR (progress on stderr), verifies the new file with a test
restore into a scratch database, prunes BACKUP_DIR (keep 7 daily, 4 weekly, 6 monthly
backups, and all from the last 2 days), and, when RESTORE_INTO is given, restores the backup
into that new database. The connection comes from the PG* environment (PGHOST, PGUSER, ...);
DATABASE may also be a whole connection string.

Exit status: 0 ok, 1 failure, 3 the backup did not verify, 130 interrupted (Ctrl-C cancels
cleanly: no partial backup file, no half-restored database).
"""

import sys

import immichbak


def dsn_for(database):
    return database if "=" in database or "://" in database else "dbname=" + database


def log(level, message):
    if level != immichbak.LogLevel.debug:
        print("  [%s] %s" % (level.name, message), file=sys.stderr)


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    database, backup_dir = argv[1], argv[2]
    restore_into = argv[3] if len(argv) == 4 else None
    print("immichbak %s" % immichbak.library_version())

    # 1. back up
    result = immichbak.backup(backup_dir, dsn=dsn_for(database), jobs=2, require_immich=True,
                              progress=immichbak.print_progress, log=log)
    print("backup: %s (%d tables, %d rows, %d bytes, %.1fs)"
          % (result.file, result.tables, result.rows, result.bytes, result.seconds))

    # 2. verify: every frame, then a test restore into a scratch database that is dropped again
    report = immichbak.verify(result.file, restore_test=True, dsn=dsn_for("postgres"), jobs=2,
                              progress=immichbak.print_progress)
    print(report.to_text())
    if not report.ok:
        print("verify FAILED: nothing pruned", file=sys.stderr)
        return 3
    if report.immich is not None:
        print("Immich %s: %d assets, %d albums, %d users"
              % (report.immich.version or "?", report.immich.assets, report.immich.albums, report.immich.users))

    # 3. prune: what the policy removes goes; everything else (and anything not ours) stays
    policy = immichbak.RetentionPolicy(keep_daily=7, keep_weekly=4, keep_monthly=6, keep_within="2d")
    pruned = immichbak.prune(backup_dir, policy, log=log)
    print("prune (%s):" % policy)
    for entry in pruned.plan.entries:
        print("  %-9s %s  (%s)" % (entry.action.name, entry.entry.name, "; ".join(entry.reasons)))

    # 4. restore into a new database, all or nothing
    if restore_into:
        restored = immichbak.restore(result.file, dsn=dsn_for(restore_into), jobs=2,
                                     progress=immichbak.print_progress, log=log)
        print("restored %d tables, %d rows into %s (%.1fs)"
              % (restored.tables, restored.rows, restored.database, restored.seconds))
        for job in restored.immich_jobs_to_run:
            print("  then run Immich's job: %s" % job)

    verdict = immichbak.check_backup_age(backup_dir, max_age="26h")
    print(verdict.to_text())
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        print("interrupted: the operation was cancelled and undone", file=sys.stderr)
        sys.exit(130)
    except immichbak.Error as e:
        # messages never contain a password
        print("error (%s): %s" % (e.code_name, e), file=sys.stderr)
        sys.exit(1)
