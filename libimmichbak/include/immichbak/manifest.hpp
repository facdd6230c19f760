#pragma once
// The manifest embedded in every backup file, as plain value types, and the calls that
// read it (`immichbak inspect`) or pull one table out of a file (`immichbak extract`).
// The on-disk form is specified in docs/format.md.

#include <immichbak/export.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace immichbak {

/// `clean` (format 1.1, gzip variant only) comes right after the header: the DROP ... IF
/// EXISTS statements that let the script run into a database that already holds the
/// objects (Immich's own restore); immichbak's restore, which always loads a new database,
/// skips it.
enum class frame_kind {
  header,      ///< the script's opening: psql and session settings (docs/format.md, 3.2)
  pre_data,    ///< definitions loaded before the rows: schemas, extensions, types, tables, ...
  data,        ///< one table's rows (a chunk of them) as a COPY block
  post_data,   ///< indexes, constraints, triggers, ... (grouped by post_phase)
  owners,      ///< ALTER ... OWNER TO statements
  privileges,  ///< GRANT / REVOKE statements
  clean        ///< DROP ... IF EXISTS statements (gzip variant only, see above)
};
/// The kind's name as the manifest writes it, e.g. "pre_data".
IMMICHBAK_EXPORT const char* frame_kind_name(frame_kind k) noexcept;

/// Post-data frames are grouped in phases that a restore may run in parallel inside a
/// phase, and must run in this order: indexes and non-FK constraints, then foreign
/// keys, then everything else (triggers, rules, policies, sequence values, refreshes).
enum class post_phase {
  none,          ///< not a post-data frame
  indexes,       ///< indexes and constraints other than foreign keys
  foreign_keys,  ///< foreign keys
  final          ///< everything else: triggers, rules, policies, sequence values, refreshes
};

/// One frame of the file: where it is, what it holds, and the hash of its bytes.
struct manifest_frame {
  frame_kind kind = frame_kind::data;   ///< what the frame holds
  post_phase phase = post_phase::none;  ///< post-data frames: the phase they run in
  std::uint64_t offset = 0;        ///< byte offset of the frame in the file
  std::uint64_t stored_size = 0;   ///< bytes in the file (compressed size for .zst)
  std::uint64_t plain_size = 0;    ///< bytes after decompression
  std::string sha256;              ///< hex sha256 of the plain bytes
  std::string schema;              ///< data frames: the table's schema
  std::string table;               ///< data frames: the table's name
  std::uint64_t rows = 0;          ///< data frames: rows in this chunk
  std::string label;               ///< DDL frames: what the statements create
};

/// One table of the backup, with or without its rows.
struct manifest_table {
  std::string schema;              ///< the table's schema
  std::string name;                ///< the table's name
  std::uint64_t rows = 0;          ///< rows dumped (0 when data_excluded)
  std::string content_hash;        ///< order-independent hash of the rows (docs/format.md)
  std::uint64_t plain_bytes = 0;   ///< the rows' COPY text, in bytes
  std::uint64_t stored_bytes = 0;  ///< the table's data frames in the file (compressed)
  bool data_excluded = false;      ///< definition kept, rows deliberately left out
  std::string exclusion_reason;    ///< e.g. "--exclude-regenerable" or the pattern
};

/// An extension the source database had installed; restore needs it on the target.
struct manifest_extension {
  std::string name;                ///< e.g. "vector", "cube"
  std::string version;             ///< the installed version
  std::string schema;              ///< the schema it was created in
  bool needs_preload = false;      ///< must be in shared_preload_libraries (vchord, vectors)
};

/// A setting of the database (ALTER DATABASE ... SET name = value), or of a role in the
/// database (ALTER ROLE role IN DATABASE ... SET).
struct manifest_setting {
  std::string role;              ///< empty for database-wide settings
  std::string name;              ///< the parameter, e.g. "search_path"
  std::string value;             ///< its value, as the catalog stores it
};

/// Everything a backup file says about itself (docs/format.md, "manifest").
struct manifest {
  int format_major = 1;            ///< the format's major version (a newer one is refused)
  int format_minor = 0;            ///< the format's minor version (additions readers may ignore)
  std::string tool_version;        ///< the immichbak version that wrote the file
  std::string created_at;          ///< UTC, ISO 8601 (snapshot time)
  std::string database;            ///< source database name
  std::string server_version;      ///< e.g. "15.18"
  int server_version_num = 0;      ///< e.g. 150018 (server_version_num)
  std::string compression;         ///< "zstd", "gzip" or "none"
  int compression_level = 0;       ///< the zstd or gzip (libdeflate) level used; may be < 0
  std::string immich_version;      ///< newest version_history row, if found
  std::string immich_migration;    ///< newest kysely_migrations / migrations name
  std::string encoding;            ///< source database encoding
  /// The session settings pinned in the header frame and the backup's COPY sessions
  /// (name -> value, e.g. "search_path" -> "").
  std::map<std::string, std::string> session_settings;
  std::string restore_search_path; ///< search_path to use while loading data and post-data
  std::vector<manifest_setting> database_settings;  ///< the database's and its roles' settings
  std::vector<manifest_extension> extensions;       ///< extensions installed in the source
  std::vector<std::string> roles;  ///< roles that own objects or hold privileges
  std::vector<std::string> exclusion_presets;  ///< e.g. "regenerable"
  std::vector<manifest_table> tables;  ///< every table of the backup
  std::vector<manifest_frame> frames;  ///< every frame, in file order
};

/// Reads and validates the footer and manifest of a backup file (no frame is decoded).
/// Throws error(not_a_backup | unsupported_format | corrupt_backup | io_error).
IMMICHBAK_EXPORT manifest read_manifest(const std::filesystem::path& file);

/// The manifest as JSON (the same document that is embedded in the file).
IMMICHBAK_EXPORT std::string to_json(const manifest& m, bool pretty = true);

/// A human summary: versions, time, tables with rows and sizes, excluded tables.
IMMICHBAK_EXPORT std::string to_text(const manifest& m);

/// Writes one table's SQL (its definition and its data as COPY blocks) to `out`, as
/// psql can run it. `table` is "name" or "schema.name". Throws error(invalid_argument)
/// naming the table when the backup does not contain it.
IMMICHBAK_EXPORT void extract_table(const std::filesystem::path& file, const std::string& table,
                                    std::ostream& out);

}  // namespace immichbak
