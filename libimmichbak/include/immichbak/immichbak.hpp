#pragma once
// Everything public in one include.

/** \mainpage libimmichbak

Back up, verify, restore and prune logical backups of an Immich PostgreSQL database. Every
capability of the `immichbak` command is one call of this library, declared in
`<immichbak/immichbak.hpp>` (which includes all the headers below):

| header | calls |
|--------|-------|
| `backup.hpp` | immichbak::backup() |
| `restore.hpp` | immichbak::restore() |
| `verify.hpp` | immichbak::verify() |
| `manifest.hpp` | immichbak::read_manifest(), immichbak::extract_table() |
| `retention.hpp` | immichbak::list_backups(), immichbak::plan_retention(), immichbak::prune(), immichbak::check_backup_age() |
| `run.hpp` | immichbak::run(): backup, verify, prune, metrics and hooks in one call |
| `immich_env.hpp` | immichbak::connection_from_immich_env() |
| `dsn.hpp` | immichbak::redact_dsn() |
| `events.hpp` | immichbak::event_sink: log, progress and cancellation callbacks |
| `error.hpp` | immichbak::error and its stable codes, immichbak::errc |

Failures are exceptions of one type, immichbak::error, thrown after the call has undone
what it started; expected outcomes (verify findings, retention decisions, a run's failed
step) are values in the result. The public headers include only the C++ standard library.
*/

#include <immichbak/backup.hpp>
#include <immichbak/dsn.hpp>
#include <immichbak/error.hpp>
#include <immichbak/events.hpp>
#include <immichbak/immich_env.hpp>
#include <immichbak/export.hpp>
#include <immichbak/manifest.hpp>
#include <immichbak/restore.hpp>
#include <immichbak/run.hpp>
#include <immichbak/retention.hpp>
#include <immichbak/verify.hpp>
#include <immichbak/version.hpp>

/// Everything of libimmichbak: backup(), restore(), verify(), the manifest readers, retention
/// (list_backups(), prune(), check_backup_age()) and run(), with their option and result types.
namespace immichbak {
/// The version of the library linked at run time (compare with `header_version`).
IMMICHBAK_EXPORT const char* library_version() noexcept;
}  // namespace immichbak
