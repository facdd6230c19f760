"""immichbak: back up, verify, restore and prune logical backups of an Immich PostgreSQL database.

A binding of libimmichbak's public C++ API (docs/python.md). Every `immichbak` command is one
function here:

=========================  ===================================================
command                    Python
=========================  ===================================================
immichbak backup           backup(dest_dir, dsn=..., ...) -> BackupResult
immichbak verify           verify(file, restore_test=..., ...) -> VerifyReport
immichbak restore          restore(file, dsn=..., ...) -> RestoreResult
immichbak inspect          read_manifest(file) -> Manifest
immichbak extract          extract_table(file, table, out=None) -> bytes | None
immichbak list             list_backups(dir) -> list[BackupEntry]
immichbak prune            prune(dir, RetentionPolicy(...), dry_run=...) -> PruneResult
                           (plan_retention() / apply_retention() in two steps)
immichbak check-age        check_backup_age(dir, max_age="26h") -> AgeCheckResult
immichbak run              run(dest_dir, dsn=..., retention=..., ...) -> RunResult
=========================  ===================================================

Conventions:

* Paths are accepted as ``str`` or ``os.PathLike`` and returned as ``pathlib.Path``.
* Times are timezone-aware ``datetime.datetime`` objects in UTC; a ``now=`` argument also takes
  seconds since the epoch. Durations are returned as ``datetime.timedelta`` and accepted as a
  timedelta, a number of seconds, or an age string such as ``"26h"`` (parse_age()).
* Failures raise a subclass of :class:`Error` (``.code`` is an :class:`ErrorCode`); expected
  outcomes (verify findings, retention decisions, a run's failed step) are values in the result.
* Long calls release the GIL. ``log(level, message)`` and ``progress(event)`` callbacks run
  with the GIL, one at a time, possibly from a worker thread. An exception a callback raises
  cancels the operation and is re-raised, as itself, once the operation has undone what it
  started; so is KeyboardInterrupt (Ctrl-C) while a call runs in the main thread.
"""

from . import _immichbak
from ._immichbak import *  # noqa: F401,F403  (the names are listed in __all__ below)
from ._immichbak import Error, ErrorCode, __version__

__all__ = [name for name in dir(_immichbak) if not name.startswith("_")] + [
    "__version__",
    "error_class",
    "print_progress",
]


def error_class(code):
    """The exception class raised for an ErrorCode (or its int value), e.g. CorruptBackup."""
    code = ErrorCode(code)
    for name in dir(_immichbak):
        obj = getattr(_immichbak, name)
        if isinstance(obj, type) and issubclass(obj, Error) and obj is not Error and obj.code == code:
            return obj
    return Error


def print_progress(event, file=None):
    """A ready-made progress callback: one line per step, e.g. ``data 12/40 public.asset 35%``."""
    import sys

    out = file if file is not None else sys.stderr
    if event.bytes_total:
        share = " %d%%" % (100 * event.bytes_done // max(event.bytes_total, 1))
    else:
        share = ""
    items = " %d/%d" % (event.items_done, event.items_total) if event.items_total else ""
    item = " " + event.item if event.item else ""
    print("%s%s%s%s" % (event.phase, items, item, share), file=out, flush=True)
