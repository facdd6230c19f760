#pragma once
// Restoring a plain SQL script (pg_dump output, e.g. Immich's own
// immich-db-backup-*.sql.gz) -- implemented in plain_restore.cpp by the script executor.
// restore() dispatches here when the file is not an immichbak backup and looks like SQL.

#include <immichbak/restore.hpp>

namespace immichbak::restore_detail {

/// Restores options.file (.sql, .sql.gz or .sql.zst) into options.dsn's database with the
/// same all-or-nothing guarantees as restore() (scratch database + swap, see
/// target_db.hpp). Sets restore_result::plain_sql.
restore_result restore_plain(const restore_options& options);

}  // namespace immichbak::restore_detail
