#pragma once
// The catalog as plain values: what schema capture read from pg_catalog, with every
// server-side deparse (pg_get_*def, format_type, pg_get_expr) already done. Pure data:
// the DDL generator (ddl.hpp) turns a `catalog` into units without a server, so unit tests
// build these values by hand.
//
// Names are raw (unquoted); quoting happens only in the generator, through sql_quote.hpp.
// Deparsed text (types, expressions, definitions) was produced with search_path = '' and is
// therefore schema-qualified and ready to paste.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace immichbak::schema {

/// Identity of a catalog object: the catalog's pg_class oid (which catalog) and the row oid.
struct obj_key {
  std::uint32_t cls = 0;
  std::uint32_t oid = 0;
  friend bool operator==(const obj_key&, const obj_key&) = default;
  friend auto operator<=>(const obj_key&, const obj_key&) = default;
};

/// Fixed oids of the system catalogs (stable across every PostgreSQL version).
namespace catalog_oid {
inline constexpr std::uint32_t pg_class = 1259;
inline constexpr std::uint32_t pg_type = 1247;
inline constexpr std::uint32_t pg_proc = 1255;
inline constexpr std::uint32_t pg_namespace = 2615;
inline constexpr std::uint32_t pg_extension = 3079;
inline constexpr std::uint32_t pg_constraint = 2606;
inline constexpr std::uint32_t pg_attrdef = 2604;
inline constexpr std::uint32_t pg_rewrite = 2618;
inline constexpr std::uint32_t pg_trigger = 2620;
inline constexpr std::uint32_t pg_policy = 3256;
inline constexpr std::uint32_t pg_statistic_ext = 3381;
}  // namespace catalog_oid

/// One aclitem: `grantee=privs/grantor`. Empty grantee = PUBLIC. Privileges by their
/// GRANT keyword (SELECT, EXECUTE, USAGE, ...), in the server's bit order.
struct acl_item {
  std::string grantee;
  std::string grantor;
  std::vector<std::string> privileges;       ///< granted without grant option
  std::vector<std::string> grantable;        ///< granted WITH GRANT OPTION
  friend bool operator==(const acl_item&, const acl_item&) = default;
};

/// An ACL column and what it is compared with: `base` is what the object has after
/// CREATE (acldefault for its kind and owner, or pg_init_privs when the object has initial
/// privileges, as the public schema does). A NULL acl means "the default": nothing to emit.
struct acl_info {
  bool is_null = true;
  std::vector<acl_item> items;
  std::vector<acl_item> base;
};

/// Fields every dumped object has.
struct object_base {
  obj_key key;
  std::string schema;                   ///< empty for schemas and extensions
  std::string name;
  std::string owner;
  std::optional<std::string> comment;
};

struct extension_info : object_base {
  std::string version;
  bool needs_preload = false;
  /// Configuration tables (pg_extension.extconfig): their oids and WHERE conditions.
  std::vector<std::pair<std::uint32_t, std::string>> config;
};

struct schema_info : object_base {
  acl_info acl;
  /// The standard `public` schema: it exists in every new database, so it is not
  /// created; only differences from a fresh one (owner, comment, ACL) are emitted.
  bool is_public = false;
};

struct domain_constraint {
  std::string name;
  std::string definition;               ///< pg_get_constraintdef: CHECK (...) [NOT VALID]
  bool validated = true;
  std::optional<std::string> comment;
};

struct type_attribute {                 ///< a composite type's attribute
  std::string name;
  std::string type;                     ///< format_type with typmod
  std::string collation;                ///< qualified, quoted; empty when the type's default
  std::optional<std::string> comment;
};

enum class type_kind { enum_type, domain, composite, range };

struct type_info : object_base {
  type_kind kind = type_kind::enum_type;
  acl_info acl;
  std::vector<std::string> enum_labels;          ///< in sort order
  // domain
  std::string base_type;                         ///< format_type of the base, with typmod
  std::string collation;                         ///< non-default collation (quoted), or empty
  std::optional<std::string> default_expr;
  bool not_null = false;
  std::vector<domain_constraint> constraints;
  // composite
  std::vector<type_attribute> attributes;
  // range
  std::string subtype;
  std::string subtype_opclass;                   ///< quoted, when not the default opclass
  std::string subtype_diff;                      ///< quoted function name, or empty
  std::string multirange_name;                   ///< quoted qualified name (PG14+), or empty
};

enum class routine_kind { function, procedure, aggregate, window };

/// What CREATE AGGREGATE needs (pg_aggregate); functions are quoted qualified names.
struct aggregate_info {
  char kind = 'n';                      ///< n normal, o ordered-set, h hypothetical-set
  std::string sfunc, stype;
  std::int64_t sspace = 0;
  std::string finalfunc;
  bool finalfunc_extra = false;
  char finalfunc_modify = 'r';
  std::string combinefunc, serialfunc, deserialfunc;
  std::optional<std::string> initcond;
  std::string msfunc, minvfunc, mstype;
  std::int64_t msspace = 0;
  std::string mfinalfunc;
  bool mfinalfunc_extra = false;
  char mfinalfunc_modify = 'r';
  std::optional<std::string> minitcond;
  std::string sortop;                   ///< OPERATOR(schema.op), or empty
  char parallel = 'u';
};

struct routine_info : object_base {
  routine_kind kind = routine_kind::function;
  std::string identity_args;            ///< pg_get_function_identity_arguments
  std::string definition;               ///< pg_get_functiondef (not for aggregates)
  aggregate_info aggregate;
  acl_info acl;
};

struct sequence_options {
  std::string data_type = "bigint";
  std::int64_t start = 1, increment = 1, min = 1, max = 0, cache = 1;
  bool cycle = false;
};

struct sequence_info : object_base {
  sequence_options options;
  /// OWNED BY: the owning table and column (empty when free-standing).
  std::string owned_by_schema, owned_by_table, owned_by_column;
  bool unlogged = false;
  /// An identity column's sequence: created by its table, never on its own; only its
  /// value (and comment/ACL) are dumped here.
  bool identity = false;
  acl_info acl;
  /// Current state, read inside the snapshot; applied with setval in post-data.
  std::int64_t last_value = 1;
  bool is_called = false;
};

struct column_info {
  std::string name;
  int attnum = 0;
  std::string type;                     ///< format_type with typmod
  std::string collation;                ///< quoted qualified collation when not the type's
  bool not_null = false;                ///< a valid NOT NULL (18+: invalid ones are in checks)
  /// PostgreSQL 18+ names NOT NULL constraints: the name when it is not the one the server
  /// would choose (table_column_not_null, as pg_dump decides), NO INHERIT, its comment.
  std::string not_null_name;
  bool not_null_no_inherit = false;
  std::optional<std::string> not_null_comment;
  std::optional<std::string> default_expr;
  std::uint32_t default_oid = 0;        ///< pg_attrdef oid (for dependencies)
  char identity = 0;                    ///< 'a' ALWAYS, 'd' BY DEFAULT, 0 none
  char generated = 0;                   ///< 's' STORED, 0 none
  std::string identity_sequence_schema, identity_sequence_name;
  sequence_options identity_options;
  std::string storage;                  ///< PLAIN/MAIN/EXTERNAL/EXTENDED when not the type's default
  std::string compression;              ///< pglz/lz4 when set
  int stattarget = -1;
  std::vector<std::string> options;     ///< attoptions, e.g. n_distinct=100
  bool is_local = true;                 ///< attislocal (inherited-only columns are not printed)
  int inh_count = 0;
  bool parent_not_null = false;         ///< some parent has the column NOT NULL
  bool parent_has_default = false;      ///< some parent has a default for the column
  std::optional<std::string> comment;
  acl_info acl;                         ///< column privileges (base is empty)
};

/// CHECK constraints, and on PostgreSQL 18+ NOT NULL constraints that are NOT VALID (a
/// valid NOT NULL is part of its column).
struct check_constraint {
  std::uint32_t oid = 0;
  std::string name;
  std::string definition;               ///< pg_get_constraintdef
  bool validated = true;
  bool is_local = true;
  int inh_count = 0;
  std::optional<std::string> comment;
};

enum class relation_kind { table, partitioned_table, view, matview };

struct relation_info : object_base {
  relation_kind kind = relation_kind::table;
  bool unlogged = false;
  std::vector<std::string> reloptions;         ///< e.g. fillfactor=70
  std::vector<column_info> columns;            ///< non-dropped, attnum order
  std::vector<check_constraint> checks;
  std::string partition_key;                   ///< pg_get_partkeydef, for partitioned tables
  /// Partitions: parent (quoted qualified) and pg_get_expr(relpartbound).
  std::string partition_parent;
  std::string partition_bound;
  std::vector<std::string> inherits;           ///< quoted qualified parents, inhseqno order
  bool has_children = false;                   ///< other tables inherit from this one
  char replica_identity = 'd';
  std::string access_method;                   ///< non-heap table access method (matviews)
  bool row_security = false, force_row_security = false;
  // views and materialized views
  std::string view_definition;                 ///< pg_get_viewdef, trailing ';' removed
  bool populated = true;
  acl_info acl;
  // data
  bool extension_config = false;               ///< an extension's configuration table
  std::string config_filter;                   ///< its pg_extension.extcondition
  double reltuples = 0;
  std::uint64_t relpages = 0;
  std::uint64_t table_bytes = 0;
};

struct index_info {
  obj_key key;
  std::string schema, name;                    ///< the index
  std::string table_schema, table_name;
  std::uint32_t table_oid = 0;
  std::string definition;                      ///< pg_get_indexdef
  bool partitioned_table = false;              ///< on a partitioned table (CREATE INDEX ... ON ONLY)
  std::uint32_t parent_index = 0;              ///< partitioned parent index this one is attached to
  std::uint32_t constraint_oid = 0;            ///< the constraint it backs, if any
  bool clustered = false;
  bool replica_identity = false;
  std::vector<std::pair<int, int>> stattargets; ///< (column number, target) for expression columns
  /// Storage parameters ("name=value"), user-settable ones only. pg_get_indexdef writes them
  /// for plain indexes; a constraint's index needs them spelled out (table_constraint).
  std::vector<std::string> options;
  std::optional<std::string> comment;
};

/// Primary key, unique, exclusion and foreign key constraints (post-data).
struct table_constraint {
  obj_key key;
  char type = 'p';                              ///< p, u, x, f
  std::string name;
  std::string table_schema, table_name;
  std::uint32_t table_oid = 0;
  bool on_partitioned = false;
  std::string definition;                       ///< pg_get_constraintdef
  std::uint32_t index_oid = 0;                  ///< backing index (p/u/x)
  std::uint32_t referenced_oid = 0;             ///< foreign keys: the referenced table (confrelid)
  std::uint32_t parent = 0;                     ///< conparentid: cloned from a partitioned parent
  bool is_local = true;
  std::optional<std::string> comment;
  // PRIMARY KEY / UNIQUE, written from these parts as pg_dump does (pg_get_constraintdef
  // leaves out the index's WITH (...)); when key_columns is empty, `definition` is used.
  std::vector<std::string> key_columns;         ///< raw column names, key order
  std::vector<std::string> include_columns;     ///< INCLUDE (...)
  bool nulls_not_distinct = false;              ///< UNIQUE NULLS NOT DISTINCT (15+)
  bool without_overlaps = false;                ///< last key column WITHOUT OVERLAPS (18+)
  bool deferrable = false, deferred = false;
};

struct trigger_info {
  obj_key key;
  std::string name, table_schema, table_name;
  relation_kind table_kind = relation_kind::table;
  std::string definition;                       ///< pg_get_triggerdef
  char enabled = 'O';                           ///< O, D, R, A
  std::optional<std::string> comment;
};

struct rule_info {
  obj_key key;
  std::string name, table_schema, table_name;
  relation_kind table_kind = relation_kind::table;
  std::string definition;                       ///< pg_get_ruledef
  char enabled = 'O';
  std::optional<std::string> comment;
};

struct policy_info {
  obj_key key;
  std::string name, table_schema, table_name;
  bool permissive = true;
  char command = '*';                           ///< r a w d *
  std::vector<std::string> roles;               ///< empty = PUBLIC
  std::optional<std::string> using_expr, check_expr;
  std::optional<std::string> comment;
};

struct statistics_info : object_base {
  std::string table_schema, table_name;
  std::string definition;                       ///< pg_get_statisticsobjdef
  int stattarget = -1;
};

struct default_acl {
  std::string role;
  std::string schema;                           ///< empty: for all schemas
  char objtype = 'r';                           ///< r S f T n
  acl_info acl;
};

/// Privileges changed on an object that belongs to an extension (CREATE EXTENSION brings
/// the object back with its initial privileges; the difference is dumped, as pg_dump does).
struct extension_member_acl {
  std::string object_type;                      ///< GRANT keyword: TABLE, SEQUENCE, FUNCTION, TYPE
  std::string object;                           ///< quoted name or signature
  std::string label;                            ///< e.g. public.similarity(text, text)
  std::string owner;
  acl_info acl;                                 ///< base = pg_init_privs
};

struct db_setting {
  std::string role;                             ///< empty: database-wide
  std::string name;
  std::string value;                            ///< as stored in pg_db_role_setting
};

/// A dependency from pg_depend (deptype n or a), both ends as raw catalog keys.
struct dependency {
  obj_key from;
  obj_key to;
};

struct unsupported_object {
  std::string kind;                             ///< e.g. "publication"
  std::string name;
  std::string hint;
};

struct catalog {
  int server_version_num = 0;
  std::string database;
  std::string encoding;
  std::vector<extension_info> extensions;
  std::vector<schema_info> schemas;
  std::vector<type_info> types;
  std::vector<routine_info> routines;
  std::vector<sequence_info> sequences;
  std::vector<relation_info> relations;
  /// Extension configuration tables: not created (CREATE EXTENSION does), rows dumped.
  std::vector<relation_info> config_tables;
  std::vector<index_info> indexes;
  std::vector<table_constraint> constraints;
  std::vector<trigger_info> triggers;
  std::vector<rule_info> rules;
  std::vector<policy_info> policies;
  std::vector<statistics_info> statistics;
  std::vector<default_acl> default_acls;
  std::vector<db_setting> settings;
  std::vector<extension_member_acl> extension_acls;
  std::optional<std::string> database_comment;
  std::vector<dependency> dependencies;
  /// Sub-objects that are not dumped on their own, mapped to the object whose DDL holds
  /// them: column defaults and CHECK constraints -> table, view rules -> view, row types
  /// and array types -> their type or table, extension members -> the extension.
  std::map<obj_key, obj_key> part_of;
  std::vector<unsupported_object> unsupported;
};

}  // namespace immichbak::schema
