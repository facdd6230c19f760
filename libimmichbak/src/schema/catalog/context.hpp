#pragma once
// What every per-kind catalog reader shares: the connection (in the snapshot transaction,
// search_path = ''), the server version, the catalog being filled, and the SQL fragments
// that decide which objects are "ours".
//
// Which objects are ours: in a schema other than pg_catalog, information_schema, pg_toast*,
// pg_temp*; and not a member of an extension (pg_depend deptype 'e'), since CREATE
// EXTENSION brings those back.

#include "schema/catalog/rows.hpp"
#include "schema/model.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace immichbak::pg {
class connection;
}

namespace immichbak::schema::detail {

struct read_context {
  pg::connection& conn;
  int version = 0;                                     ///< server_version_num
  catalog& out;
  std::string database_oid;
  /// Extension configuration tables (pg_extension.extconfig) -> their WHERE condition.
  std::map<std::uint32_t, std::string> config_filter;

  catalog_rows query(const std::string& sql);
  /// Records an object the library cannot reproduce; capture stops the backup naming it.
  void refuse(std::string kind, std::string name, std::string hint);
};

/// `n` is pg_namespace: not a system, TOAST or temporary schema.
extern const char* const user_schema_sql;
/// The object `oid_expr` of catalog `catalog` is not a member of an extension.
std::string not_extension_member(const char* catalog, const std::string& oid_expr);
/// `c` is a table, view or materialized view that is dumped (ours, not temporary).
std::string dumped_relation_sql();

/// Reads ACLs: `inner` is a SELECT producing columns (id text, acl aclitem[], base aclitem[]).
std::map<std::string, acl_info> read_acls(read_context& ctx, const std::string& inner);
/// Base ACL: the object's initial privileges when it has some (pg_init_privs), else the
/// kind's built-in default for its owner.
std::string base_acl_sql(const char* catalog, const char* oid_expr, const char* kind, const char* owner_expr);

/// "schema"."name" from two columns; "" when the name column is NULL.
std::string qualified_or_empty(const catalog_row& r, std::string_view schema_col, std::string_view name_col);

// One reader per kind of object, each in its own file, called in this order by
// read_catalog (later readers use what earlier ones filled in).
void read_database(read_context& ctx);          // database.cpp: name, encoding, comment, ALTER DATABASE SET
void read_extensions(read_context& ctx);        // extensions.cpp
void read_part_of(read_context& ctx);           // dependencies.cpp: sub-objects -> owning object
void read_schemas(read_context& ctx);           // schemas.cpp
void read_types(read_context& ctx);             // types.cpp: enums, domains, composites, ranges
void read_routines(read_context& ctx);          // routines.cpp: functions, procedures, aggregates
void read_sequences(read_context& ctx);         // sequences.cpp
void read_relations(read_context& ctx);         // relations.cpp: tables, views, matviews, columns, CHECKs
void read_indexes(read_context& ctx);           // indexes.cpp
void read_constraints(read_context& ctx);       // constraints.cpp: PK, UNIQUE, EXCLUDE, FK
void read_triggers(read_context& ctx);          // table_objects.cpp
void read_rules(read_context& ctx);             // table_objects.cpp
void read_policies(read_context& ctx);          // table_objects.cpp
void read_statistics(read_context& ctx);        // table_objects.cpp
void read_default_acls(read_context& ctx);      // privileges.cpp
void read_extension_acls(read_context& ctx);    // privileges.cpp
void read_dependencies(read_context& ctx);      // dependencies.cpp
void read_unsupported(read_context& ctx);       // unsupported.cpp

}  // namespace immichbak::schema::detail
