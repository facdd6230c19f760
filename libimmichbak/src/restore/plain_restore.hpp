#pragma once
// Restoring a plain SQL script (pg_dump output, e.g. Immich's own
// immich-db-backup-*.sql.gz, or a pg_dumpall cluster dump) -- implemented in
// plain_restore.cpp with the script executor (src/sqlscript). restore() dispatches here
// when the file is not an immichbak backup and looks like SQL. docs/plain-dumps.md
// describes the behaviour for users.
//
// Three modes, chosen from what a first read of the whole file finds:
// - one database (pg_dump, with or without --create/--clean): loaded into a scratch
//   database and swapped in like an immichbak backup (or, --in-place, in one transaction
//   into the existing empty target). Statements about the dump's database as a whole
//   (CREATE/DROP DATABASE, ALTER DATABASE, COMMENT/GRANT ON DATABASE, \connect) follow it
//   to the scratch database or are left out.
// - one database out of a cluster dump: the DSN names a database the pg_dumpall dump
//   creates: only that database (plus missing roles) is restored, as above.
// - a whole cluster dump (pg_dumpall): only onto a server where its databases do not
//   exist yet; they are created fresh, roles created when missing; on failure the
//   databases (and roles) it created are dropped.

#include <immichbak/restore.hpp>

namespace immichbak::restore_detail {

/// Restores options.file (.sql, .sql.gz or .sql.zst) into options.dsn's database with the
/// same all-or-nothing guarantees as restore() (scratch database + swap, see
/// target_db.hpp). Sets restore_result::plain_sql. Refuses pg_dump custom/tar/directory
/// archives with a pointer to pg_restore.
restore_result restore_plain(const restore_options& options);

}  // namespace immichbak::restore_detail
