#pragma once
// `immichbak restore`: load a backup into a database, all or nothing.

#include <immichbak/events.hpp>
#include <immichbak/export.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace immichbak {

/// Where restore() loads and what it may do to a target that already holds something.
enum class restore_mode {
  /// Load into a scratch database on the same server and rename it to the target at the
  /// end; a target that exists must be empty. With `tables`: tables that exist are refused.
  new_database,
  /// The same, and a target that holds objects is replaced: the old database is kept as
  /// NAME_before_restore_<timestamp>. With `tables`: the tables that exist are dropped and
  /// restored (in one transaction).
  replace,
  /// `replace`, and the old database is dropped after the swap instead of kept (not with
  /// `tables`).
  replace_drop_old,
  /// For roles without CREATEDB: one job, one transaction, into an existing empty database
  /// (not with `tables`, which load into the existing database anyway).
  in_place,
};

/// What restore() loads, into which database, and how.
struct restore_options {
  /// The backup file (or a plain pg_dump script, e.g. Immich's own `.sql.gz`).
  std::filesystem::path file;
  /// Connection to the target. Its database name is the target database; the restore
  /// itself loads into a scratch database on the same server and renames it at the end.
  std::string dsn;
  /// Parallel sessions loading data, indexes and foreign keys.
  int jobs = 1;
  /// New database (the default), replace a target that holds something, or in place.
  restore_mode mode = restore_mode::new_database;
  /// Sessions connected to the target (a running Immich) make the restore refuse, naming
  /// them (application, client address). With this, they are ended when the restored copy
  /// is swapped in instead: the target is closed to new connections (ALLOW_CONNECTIONS
  /// false, given back to the kept old database), its sessions terminated, then the swap.
  /// Needs the target's ownership and the right to signal those sessions (superuser or
  /// pg_signal_backend). Not for restore_mode::in_place or `tables`, which load into the
  /// live database.
  bool terminate_sessions = false;
  /// Skip the owners frame: every object belongs to the restoring role (pg_restore --no-owner).
  bool no_owner = false;
  /// Skip the privileges frame: no GRANT / REVOKE (pg_restore --no-privileges).
  bool no_privileges = false;
  /// Selective restore: only these tables (definition and data) into the existing target.
  std::vector<std::string> tables;
  /// Compare every table's rows (count and content hash) with the manifest before the
  /// target is replaced: the rows as loaded, hashed on the way, with the row counts the
  /// server confirmed for each COPY. Costs the server nothing.
  bool check_content = true;
  /// Also read every restored table back from the server and compare that: catches a
  /// server that stored something other than what it was sent, at the price of a second
  /// full pass over the data (about 1.4x the restore's server work on Immich data).
  /// `verify --restore-test` always reads back. Needs `check_content`.
  bool check_readback = false;
  /// Log, progress and cancellation.
  event_sink events;
};

/// What restore() did.
struct restore_result {
  std::string database;                        ///< the target's name
  std::optional<std::string> kept_old_database; ///< where restore_mode::replace moved the old one
  std::uint64_t rows = 0;                      ///< rows loaded
  std::size_t tables = 0;                      ///< tables restored
  double seconds = 0;                          ///< wall-clock time of the restore
  bool plain_sql = false;                      ///< input was a plain pg_dump script
  std::vector<std::string> warnings;           ///< what the user should know (also logged)
  std::vector<std::string> immich_jobs_to_run; ///< after a backup made with exclusions
};

/// Restores. Preflight (file checks, extensions, roles, versions, target state) runs
/// before anything is touched; on any failure the target is left exactly as it was.
IMMICHBAK_EXPORT restore_result restore(const restore_options& options);

}  // namespace immichbak
