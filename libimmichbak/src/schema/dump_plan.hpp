#pragma once
// The interface between schema capture and the backup engine: what to write as DDL
// frames, and which tables' rows to COPY. Produced by schema::capture() inside the
// backup's snapshot transaction.

#include <immichbak/manifest.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace immichbak::pg {
class connection;
}

namespace immichbak::schema {

/// One frame's worth of DDL: the statements for one object (its comment included),
/// each ending in ";\n". Units are in dependency order within their kind and phase.
struct ddl_unit {
  frame_kind kind = frame_kind::pre_data;   ///< pre_data, post_data, owners or privileges
  post_phase phase = post_phase::none;      ///< for post_data: indexes / foreign_keys / final
  std::string label;                        ///< e.g. "TABLE public.asset", "INDEX public.asset_idx"
  std::string schema;                       ///< owning table, when the object belongs to one
  std::string table;
  std::string sql;
};

/// A table whose rows are dumped (or deliberately not: `data_excluded`).
struct table_data {
  std::string schema;
  std::string name;
  std::uint32_t oid = 0;
  /// Quoted column list for COPY, e.g. ("id", "name"); generated columns are left out.
  std::string copy_columns;
  /// Extension configuration tables: the extension's filter (a WHERE clause) or empty.
  std::string filter;
  bool extension_config = false;
  double estimated_rows = 0;      ///< pg_class.reltuples (may be -1/0 when never analysed)
  std::uint64_t relpages = 0;
  std::uint64_t estimated_bytes = 0;
  bool data_excluded = false;
  std::string exclusion_reason;
};

struct dump_plan {
  std::vector<ddl_unit> units;
  std::vector<table_data> tables;
  std::vector<manifest_extension> extensions;
  std::vector<manifest_setting> database_settings;
  std::vector<std::string> roles;
  std::string restore_search_path;  ///< the source database's search_path (or the default)
  std::string encoding;
};

struct capture_options {
  /// (pattern, reason): rows of matching tables are left out, definitions kept.
  /// Patterns match "schema.table" or "table"; `*` and `?` are wildcards.
  std::vector<std::pair<std::string, std::string>> exclude_table_data;
  /// The script may run into a database that already holds the objects (the gzip
  /// variant, for Immich's own restore): add the `clean` unit (DROP ... IF EXISTS of the
  /// backup's extensions and schemas other than public) and say the public schema's
  /// owner, comment and privileges outright instead of as differences from a new database.
  bool target_may_exist = false;
};

/// Reads the catalog through `conn` (which must already be inside the snapshot
/// transaction, with the session settings of docs/format.md) and builds the plan.
/// Throws error(unsupported_object) naming the first object it cannot reproduce, listing
/// all of them in the message.
dump_plan capture(pg::connection& conn, const capture_options& options);

/// Throws error(unsupported_object) listing every unit of `plan` that the restore's
/// statement check (sqlscript/statement_check.hpp) would refuse.
void refuse_unrestorable_units(const std::string& database, const dump_plan& plan);

}  // namespace immichbak::schema
