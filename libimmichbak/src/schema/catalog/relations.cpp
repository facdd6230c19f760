// Tables, partitioned tables, views and materialized views: the relation (persistence,
// storage parameters, partitioning, inheritance, replica identity, row security, view
// query), its columns (type, collation, default, identity, generated, storage,
// compression, statistics target, attribute options, privileges) and CHECK constraints.
// Extension configuration tables go to catalog::config_tables (rows only).
#include "schema/catalog/context.hpp"
#include "schema/catalog/options.hpp"
#include "util/sql_quote.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace immichbak::schema::detail {

namespace {

relation_kind kind_of(char relkind) {
  switch (relkind) {
    case 'p': return relation_kind::partitioned_table;
    case 'v': return relation_kind::view;
    case 'm': return relation_kind::matview;
    default: return relation_kind::table;
  }
}

std::string relation_filter() {
  return fmt::format("c.relkind IN ('r', 'p', 'v', 'm') AND c.relpersistence <> 't' AND {}", user_schema_sql);
}

/// Where a relation read by read_relations went: (config table?, index).
using relation_index = std::map<std::uint32_t, std::pair<bool, std::size_t>>;

relation_info* find(catalog& c, const relation_index& index, std::uint32_t oid) {
  auto it = index.find(oid);
  if (it == index.end()) return nullptr;
  return it->second.first ? &c.config_tables[it->second.second] : &c.relations[it->second.second];
}

relation_index read_relation_rows(read_context& ctx) {
  auto rows = ctx.query(fmt::format(
      "SELECT c.oid, n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner) AS owner, "
      "pg_catalog.obj_description(c.oid, 'pg_class') AS comment, c.relkind, c.relpersistence = 'u' AS unlogged, "
      "pg_catalog.to_json(c.reloptions) AS reloptions, (SELECT pg_catalog.to_json(tt.reloptions) "
      "  FROM pg_catalog.pg_class tt WHERE tt.oid = c.reltoastrelid) AS toast_reloptions, "
      "CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key, c.relispartition, "
      "pn.nspname AS parent_schema, pc.relname AS parent_name, "
      "pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS partition_bound, "
      "(SELECT pg_catalog.json_agg(pg_catalog.json_build_array(hn.nspname, hc.relname) ORDER BY h.inhseqno) "
      "  FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_class hc ON hc.oid = h.inhparent "
      "  JOIN pg_catalog.pg_namespace hn ON hn.oid = hc.relnamespace WHERE h.inhrelid = c.oid) AS inherits, "
      "EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhparent = c.oid) AS has_children, "
      "c.relreplident, c.relrowsecurity, c.relforcerowsecurity, am.amname, "
      "CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END AS view_definition, "
      "c.relispopulated, c.reltuples, c.relpages, "
      "CASE WHEN c.relkind = 'r' THEN pg_catalog.pg_table_size(c.oid) ELSE 0 END AS table_bytes, "
      "c.reloftype, c.reltablespace, NOT {} AS extension_member "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam "
      "LEFT JOIN pg_catalog.pg_inherits pi ON pi.inhrelid = c.oid AND c.relispartition "
      "LEFT JOIN pg_catalog.pg_class pc ON pc.oid = pi.inhparent "
      "LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace "
      "WHERE {} ORDER BY n.nspname, c.relname",
      not_extension_member("pg_class", "c.oid"), relation_filter()));
  relation_index index;
  for (auto r : rows) {
    relation_info t;
    t.key = {catalog_oid::pg_class, r.oid("oid")};
    t.schema = r.str("nspname");
    t.name = r.str("relname");
    t.owner = r.str("owner");
    t.comment = r.opt("comment");
    t.kind = kind_of(r.ch("relkind"));
    t.unlogged = r.flag("unlogged");
    std::string display = util::sql::qualified(t.schema, t.name);
    t.reloptions = user_settable_options(ctx, t.kind == relation_kind::view ? option_target::view : option_target::table,
                                         r.strings("reloptions"), display);
    for (const auto& o : user_settable_options(ctx, option_target::toast, r.strings("toast_reloptions"), display))
      t.reloptions.push_back("toast." + o);
    t.partition_key = r.str("partition_key");
    bool partition = r.flag("relispartition");
    if (partition) {
      t.partition_parent = qualified_or_empty(r, "parent_schema", "parent_name");
      t.partition_bound = r.str("partition_bound");
    }
    if (!r.is_null("inherits") && !partition)
      for (const auto& p : nlohmann::json::parse(r.str("inherits")))
        t.inherits.push_back(util::sql::qualified(p[0].get<std::string>(), p[1].get<std::string>()));
    t.has_children = r.flag("has_children");
    t.replica_identity = r.ch("relreplident");
    t.row_security = r.flag("relrowsecurity");
    t.force_row_security = r.flag("relforcerowsecurity");
    std::string am = r.str("amname");
    if (!am.empty() && am != "heap")
      ctx.refuse("relation with table access method " + am, display, "only the heap access method is supported");
    std::string def = r.str("view_definition");
    while (!def.empty() && (def.back() == ';' || def.back() == '\n' || def.back() == ' ')) def.pop_back();
    t.view_definition = def;
    t.populated = r.flag("relispopulated");
    t.reltuples = std::stod(r.str("reltuples"));
    t.relpages = static_cast<std::uint64_t>(r.i64("relpages"));
    t.table_bytes = static_cast<std::uint64_t>(r.i64("table_bytes"));
    if (r.oid("reloftype") != 0)
      ctx.refuse("typed table (CREATE TABLE ... OF type)", display, "typed tables are not supported yet");
    if (r.oid("reltablespace") != 0)
      ctx.refuse("relation in a non-default tablespace", display,
                 "tablespaces are server-specific; move the object to the default tablespace");
    if (r.flag("extension_member")) {
      auto f = ctx.config_filter.find(t.key.oid);
      if (f == ctx.config_filter.end() || t.kind != relation_kind::table) continue;  // created by its extension
      t.extension_config = true;
      t.config_filter = f->second;
      index[t.key.oid] = {true, ctx.out.config_tables.size()};
      ctx.out.config_tables.push_back(std::move(t));
    } else {
      index[t.key.oid] = {false, ctx.out.relations.size()};
      ctx.out.relations.push_back(std::move(t));
    }
  }
  return index;
}

void read_columns(read_context& ctx, const relation_index& index) {
  auto rows = ctx.query(fmt::format(
      "SELECT a.attrelid, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, "
      "cn.nspname AS collation_schema, co.collname, a.attnotnull AND COALESCE(nn.convalidated, true) AS attnotnull, "
      "nn.conname AS notnull_name, nn.connoinherit AS notnull_no_inherit, "
      "pg_catalog.obj_description(nn.oid, 'pg_constraint') AS notnull_comment, "
      "pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default_expr, d.oid AS default_oid, a.attidentity, a.attgenerated, "
      "CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END AS storage, "
      "NULLIF(a.attcompression, '') AS compression, {} AS stattarget, pg_catalog.to_json(a.attoptions) AS attoptions, "
      "a.attislocal, a.attinhcount, pg_catalog.col_description(a.attrelid, a.attnum) AS comment, "
      "EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_attribute pa ON pa.attrelid = h.inhparent "
      "  AND pa.attname = a.attname WHERE h.inhrelid = a.attrelid AND pa.attnotnull) AS parent_not_null, "
      "EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_attribute pa ON pa.attrelid = h.inhparent "
      "  AND pa.attname = a.attname WHERE h.inhrelid = a.attrelid AND pa.atthasdef) AS parent_has_default "
      "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
      "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
      "LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation "
      "LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace "
      // PostgreSQL 18+ keeps NOT NULL in pg_constraint (contype 'n'; none before)
      "LEFT JOIN pg_catalog.pg_constraint nn ON nn.conrelid = a.attrelid AND nn.contype = 'n' "
      "  AND nn.conkey[1] = a.attnum "
      "WHERE {} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum",
      // 17 made attstattarget nullable (NULL = the default, which was -1 before).
      ctx.version >= 170000 ? "COALESCE(a.attstattarget, -1)" : "a.attstattarget", relation_filter()));
  auto acls = read_acls(ctx, "SELECT a.attrelid::text || ':' || a.attnum::text AS id, a.attacl AS acl, "
                             "'{}'::pg_catalog.aclitem[] AS base FROM pg_catalog.pg_attribute a "
                             "WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped");
  static const std::map<char, const char*> storage{{'p', "PLAIN"}, {'m', "MAIN"}, {'e', "EXTERNAL"}, {'x', "EXTENDED"}};
  for (auto r : rows) {
    auto* t = find(ctx.out, index, r.oid("attrelid"));
    if (!t) continue;
    column_info c;
    c.attnum = static_cast<int>(r.i64("attnum"));
    c.name = r.str("attname");
    c.type = r.str("type");
    c.collation = qualified_or_empty(r, "collation_schema", "collname");
    c.not_null = r.flag("attnotnull");
    if (c.not_null && !r.is_null("notnull_name")) {
      // pg_dump's rule: the name is printed unless it is the one the server would choose
      if (std::string name = r.str("notnull_name"); name != t->name + "_" + c.name + "_not_null")
        c.not_null_name = name;
      c.not_null_no_inherit = r.flag("notnull_no_inherit");
      c.not_null_comment = r.opt("notnull_comment");
    }
    c.default_expr = r.opt("default_expr");
    c.default_oid = r.oid("default_oid");
    c.identity = r.ch("attidentity");
    c.generated = r.ch("attgenerated");
    if (!r.is_null("storage")) c.storage = storage.at(r.ch("storage"));
    if (!r.is_null("compression")) c.compression = r.ch("compression") == 'l' ? "lz4" : "pglz";
    c.stattarget = static_cast<int>(r.i64("stattarget"));
    c.options = user_settable_options(ctx, option_target::column, r.strings("attoptions"),
                                      util::sql::qualified(t->schema, t->name) + "." + util::sql::ident(c.name));
    c.is_local = r.flag("attislocal");
    c.inh_count = static_cast<int>(r.i64("attinhcount"));
    c.comment = r.opt("comment");
    c.parent_not_null = r.flag("parent_not_null");
    c.parent_has_default = r.flag("parent_has_default");
    if (auto it = acls.find(fmt::format("{}:{}", r.oid("attrelid"), c.attnum)); it != acls.end()) c.acl = it->second;
    t->columns.push_back(std::move(c));
  }
  // Identity columns: their sequence's name and options (its type may differ from the
  // column's: ALTER SEQUENCE ... AS bigint on an integer identity column).
  for (auto& t : ctx.out.relations)
    for (auto& col : t.columns) {
      if (!col.identity) continue;
      for (const auto& s : ctx.out.sequences)
        if (s.identity && s.owned_by_schema == t.schema && s.owned_by_table == t.name && s.owned_by_column == col.name) {
          col.identity_sequence_schema = s.schema;
          col.identity_sequence_name = s.name;
          col.identity_options = s.options;
        }
    }
}

void read_checks(read_context& ctx, const relation_index& index) {
  auto rows = ctx.query(fmt::format(
      "SELECT co.oid, co.conrelid, co.conname, pg_catalog.pg_get_constraintdef(co.oid) AS definition, co.convalidated, "
      "co.conislocal, co.coninhcount, pg_catalog.obj_description(co.oid, 'pg_constraint') AS comment "
      "FROM pg_catalog.pg_constraint co "
      "JOIN pg_catalog.pg_class c ON c.oid = co.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE (co.contype = 'c' OR (co.contype = 'n' AND NOT co.convalidated)) AND {} "
      "ORDER BY co.conrelid, co.conname",
      relation_filter()));
  for (auto r : rows) {
    auto* t = find(ctx.out, index, r.oid("conrelid"));
    if (!t) continue;
    check_constraint ck;
    ck.oid = r.oid("oid");
    ck.name = r.str("conname");
    ck.definition = r.str("definition");
    ck.validated = r.flag("convalidated");
    ck.is_local = r.flag("conislocal");
    ck.inh_count = static_cast<int>(r.i64("coninhcount"));
    ck.comment = r.opt("comment");
    t->checks.push_back(std::move(ck));
  }
}

}  // namespace

void read_relations(read_context& ctx) {
  auto index = read_relation_rows(ctx);
  read_columns(ctx, index);
  read_checks(ctx, index);
  auto acls = read_acls(ctx, fmt::format("SELECT c.oid::text AS id, c.relacl AS acl, {} AS base FROM pg_catalog.pg_class c "
                                         "WHERE c.relkind IN ('r', 'p', 'v', 'm') AND c.relacl IS NOT NULL",
                                         base_acl_sql("pg_class", "c.oid", "r", "c.relowner")));
  for (auto& t : ctx.out.relations)
    if (auto it = acls.find(std::to_string(t.key.oid)); it != acls.end()) t.acl = it->second;
}

}  // namespace immichbak::schema::detail
