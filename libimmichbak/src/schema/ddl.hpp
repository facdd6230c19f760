#pragma once
// The pure half of schema capture: catalog values (model.hpp) in, DDL units out. No
// server is needed, so every function here is unit-tested with hand-built values against
// golden files (tests/unit/test_ddl_*.cpp, tests/golden/ddl/).

#include "schema/dump_plan.hpp"
#include "schema/model.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace immichbak::schema {

// ---- building blocks (ddl_common.cpp) --------------------------------------------------

/// GRANT/REVOKE statements that turn `acl.base` into `acl.items`, the way pg_dump does:
/// REVOKE ALL for every base item that is gone or changed, then GRANT (and GRANT ...
/// WITH GRANT OPTION) for every item not in the base; items granted by someone other
/// than `owner` are wrapped in SET SESSION AUTHORIZATION. `object_type` is the GRANT
/// keyword (TABLE, SEQUENCE, FUNCTION, PROCEDURE, SCHEMA, TYPE, or for default
/// privileges TABLES, SEQUENCES, ...); `object` is the quoted name (empty for default
/// privileges); `column`, when given, makes column privileges; `prefix` starts every
/// statement (ALTER DEFAULT PRIVILEGES ...).
std::string acl_statements(std::string_view object_type, std::string_view object, std::string_view column,
                           const acl_info& acl, std::string_view owner, std::string_view prefix = {});

/// `COMMENT ON <target> IS '...';` (nothing when there is no comment).
std::string comment_statement(std::string_view target, const std::optional<std::string>& comment);

/// `ALTER DATABASE <current> SET name TO value` as a DO block (the target database's name
/// is not known when the backup is written). Role-specific settings use ALTER ROLE ... IN
/// DATABASE. List settings (search_path, ...) are split and quoted like pg_dump does.
std::string setting_statement(const db_setting& s);

/// COMMENT ON DATABASE for the database being restored into (named at run time).
std::string database_comment_statement(const std::string& comment);

/// The SET clause value for a setting: `'a', 'b'` for list settings, `'v'` otherwise.
std::string setting_value_sql(const std::string& name, const std::string& value);

/// Storage parameters "name=value" as a WITH list: name='value', ... (every value a
/// literal: the server takes numbers, booleans and enums from strings alike).
std::string options_list(const std::vector<std::string>& options);

/// The text after ADD CONSTRAINT name for a constraint: PRIMARY KEY / UNIQUE assembled
/// from their parts with the backing index's storage parameters, as pg_dump writes them
/// ([NULLS NOT DISTINCT] (cols [WITHOUT OVERLAPS]) [INCLUDE (...)] [WITH (...)]
/// [DEFERRABLE [INITIALLY DEFERRED]]); other kinds: the server's pg_get_constraintdef.
std::string unique_constraint_definition(const table_constraint& con, const std::vector<std::string>& index_options);

/// Glob match with `*` and `?` (whole string).
bool glob_match(std::string_view pattern, std::string_view text);

/// Dollar-quotes `body` with a tag that does not occur in it.
std::string dollar_quote(std::string_view body, std::string_view tag_hint = "q");

// ---- object DDL (ddl_objects.cpp) -------------------------------------------------------

std::string extension_ddl(const extension_info& e);
std::string schema_ddl(const schema_info& s, bool target_may_exist = false);
std::string type_ddl(const type_info& t);
std::string routine_ddl(const routine_info& r);
std::string sequence_ddl(const sequence_info& s);
/// CREATE TABLE / VIEW / MATERIALIZED VIEW with its comments and column settings.
/// `omitted_parts` are pg_attrdef / pg_constraint oids split out to break a dependency
/// cycle (they get their own units from split_part_ddl).
std::string relation_ddl(const relation_info& r, const std::vector<sequence_info>& owned_sequences,
                         const std::set<std::uint32_t>& omitted_parts = {});
/// A view created as a shell (columns of the right types, no query) to break a cycle;
/// the real definition follows in view_body_ddl.
std::string view_shell_ddl(const relation_info& r);
std::string view_body_ddl(const relation_info& r);
/// A column default or CHECK constraint of `r` split out of CREATE TABLE.
std::string split_part_ddl(const relation_info& r, std::uint32_t part_oid);

/// The object as it appears after ALTER/COMMENT/GRANT: `"s"."f"(integer)`, `"s"."t"`.
std::string routine_signature(const routine_info& r);
const char* routine_keyword(routine_kind k);  ///< FUNCTION, PROCEDURE, AGGREGATE
const char* relation_keyword(relation_kind k); ///< TABLE, VIEW, MATERIALIZED VIEW

// ---- owners and privileges (ddl_objects.cpp) ---------------------------------------------

std::string owner_statement(std::string_view keyword, std::string_view object, std::string_view owner);

// ---- the whole plan (ddl_plan.cpp, ddl_order.cpp) ----------------------------------------

/// Pre-data objects in dependency order. Throws error(unsupported_object) naming the
/// objects of a dependency cycle it cannot break.
struct ordered_node {
  enum class what { extension, schema, type, routine, sequence, relation, split_part, view_shell, view_body };
  what kind;
  std::size_t index = 0;        ///< into the catalog vector of that kind
  std::uint32_t part = 0;       ///< split_part: the pg_attrdef / pg_constraint oid
};
struct pre_data_order {
  std::vector<ordered_node> nodes;
  /// relation index -> parts split out of its CREATE TABLE
  std::map<std::size_t, std::set<std::uint32_t>> omitted_parts;
};
pre_data_order order_pre_data(const catalog& c);

/// Refuses the catalog when it holds objects this library cannot reproduce: throws
/// error(unsupported_object) listing every one with its kind, name and a hint.
void check_supported(const catalog& c);

/// Every unit, table list, role, extension and setting of a backup: pure.
dump_plan build_plan(const catalog& c, const capture_options& options);

/// Which catalog objects need to be in shared_preload_libraries before CREATE EXTENSION.
bool extension_needs_preload(std::string_view name);

}  // namespace immichbak::schema
