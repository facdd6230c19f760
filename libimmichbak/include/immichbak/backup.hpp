#pragma once
// `immichbak backup`: one consistent snapshot of a database into one self-describing file.

#include <immichbak/events.hpp>
#include <immichbak/export.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace immichbak {

/// zstd: `.sql.zst` (the default). gzip: `.sql.gz`, one gzip member per frame, a file
/// Immich's own Backups page lists and restores (docs/immich.md). none: `.sql`.
enum class compression {
  none,  ///< plain SQL, `.sql`
  zstd,  ///< zstd frames, `.sql.zst` (the default)
  gzip   ///< gzip members, `.sql.gz`
};

/// The gzip level `--compress gzip` uses: with libdeflate, level 2 writes files the size
/// of `gzip -6` (Immich's own job) at 5x its speed (docs/performance.md, "gzip codec").
inline constexpr int default_gzip_level = 2;

/// What backup() backs up, where to, and how.
struct backup_options {
  /// libpq connection string or URI. Empty: PG* environment, .pgpass and service files
  /// apply as in psql.
  std::string dsn;
  /// The directory the backup file (and its FILE.sha256 sidecar) is written into.
  std::filesystem::path dest_dir;
  /// The file name's start: PREFIX-YYYYMMDDTHHMMSSZ.sql.zst (.sql.gz, .sql).
  std::string prefix = "immich-db";
  /// The file's variant: zstd (default), gzip or none (see compression).
  compression compress = compression::zstd;
  /// zstd level, 1-19 (gzip: 1-12, see default_gzip_level). Level 2 because on Immich data (embeddings as decimal text, UUIDs)
  /// it compresses 1.7x as fast as level 3 and, with the writer's 7-byte minimum match,
  /// still writes a file ~2 % smaller than stock `zstd -3`; level 3 is ~4.5 % smaller
  /// again at stock `zstd -3`'s speed (docs/performance.md). Higher levels: smaller, slower.
  int compression_level = 2;
  /// Parallel COPY workers, all sharing the leader's exported snapshot.
  int jobs = 1;
  /// Tables whose definition is kept but whose rows are not dumped. Patterns match
  /// "schema.table" or "table"; `*` and `?` are wildcards.
  std::vector<std::string> exclude_table_data;
  /// Immich preset: leave out the rows of tables Immich can rebuild with its own jobs.
  bool exclude_regenerable = false;
  /// Refuse (error(invalid_argument), nothing written) when the database holds no Immich
  /// tables: neither a version in Immich's public.version_history nor a public.asset
  /// (older: assets) table. Guards against backing up the wrong database, e.g. "postgres" when
  /// neither the DSN nor PGDATABASE names one. Off by default: the engine backs up any
  /// database; the `immichbak` command turns it on (--allow-non-immich turns it off).
  bool require_immich = false;
  /// How long to wait for ACCESS SHARE locks. The backup advisory lock is tried once, never waited for.
  std::chrono::milliseconds lock_timeout{30000};
  /// Plain bytes per data frame; a frame always holds at least one whole row.
  std::size_t chunk_bytes = 4u << 20;
  /// Tables larger than this (catalog estimate) are split into ctid ranges so several
  /// workers can share them (PostgreSQL 14+, which has TID range scans).
  std::uint64_t split_table_bytes = 256u << 20;
  /// Read a table whose every column type the library renders exactly (numbers, text,
  /// uuid, bytea, jsonb, arrays of numbers, pgvector's vector) with binary COPY and write
  /// the same text the server would have sent, byte for byte; each type is proven on the
  /// server first, other tables keep text COPY. The file is identical either way. It moves
  /// the float formatting of embeddings from the server to the backup's workers: about 40 %
  /// less server CPU and about as much more client CPU (docs/performance.md). On by
  /// default: with one job it measured 13 % faster on a 2-core machine, 0-7 % with two,
  /// and it leaves the database server (usually Immich's own host) more room. false: the
  /// server formats every row (text COPY), as pg_dump does.
  bool binary_copy = true;
  /// Log, progress and cancellation.
  event_sink events;
};

/// What backup() wrote.
struct backup_result {
  std::filesystem::path file;      ///< the backup file
  std::filesystem::path sidecar;   ///< FILE.sha256, in `sha256sum -c` format
  std::string sha256;              ///< of the whole file, as in the sidecar
  std::uint64_t bytes = 0;         ///< file size
  std::uint64_t plain_bytes = 0;   ///< decompressed SQL size
  std::uint64_t rows = 0;          ///< rows dumped, all tables
  std::string database;             ///< the database that was backed up
  std::size_t tables = 0;           ///< every table, with or without its rows
  std::size_t tables_empty = 0;     ///< tables whose rows were dumped and that had none
  std::size_t tables_excluded = 0;  ///< tables whose rows were left out (exclusions)
  double seconds = 0;               ///< wall-clock time of the backup
  std::string immich_version;       ///< Immich's version from its version_history, if found
  std::string server_version;       ///< the PostgreSQL server's version, e.g. "15.18"
};

/// Takes a backup. On any failure or cancellation no file named like a backup is left
/// behind and an `immichbak::error` is thrown.
IMMICHBAK_EXPORT backup_result backup(const backup_options& options);

/// The tables `exclude_regenerable` leaves out, and the Immich jobs that rebuild them.
struct regenerable_table {
  std::string table;       ///< the table, in schema public, e.g. "smart_search"
  std::string immich_job;  ///< the Immich job (Administration > Jobs) that rebuilds it, or why none is needed
};
/// The list behind backup_options::exclude_regenerable, in a fixed order.
IMMICHBAK_EXPORT const std::vector<regenerable_table>& immich_regenerable_tables();

}  // namespace immichbak
