// User-defined types: enums (with labels), domains (base type, default, NOT NULL, CHECK
// constraints, collation), composite types (attributes) and range types (subtype,
// opclass, collation, subtype_diff, multirange name). Base and shell types written in C
// are refused in unsupported.cpp.
#include "schema/catalog/context.hpp"
#include "util/sql_quote.hpp"

#include <fmt/format.h>

namespace immichbak::schema::detail {

namespace {

type_kind kind_of(char typtype) {
  switch (typtype) {
    case 'e': return type_kind::enum_type;
    case 'd': return type_kind::domain;
    case 'c': return type_kind::composite;
    default: return type_kind::range;
  }
}

}  // namespace

void read_types(read_context& ctx) {
  auto& types = ctx.out.types;
  auto rows = ctx.query(fmt::format(
      "SELECT t.oid, n.nspname, t.typname, pg_catalog.pg_get_userbyid(t.typowner) AS owner, "
      "pg_catalog.obj_description(t.oid, 'pg_type') AS comment, t.typtype, t.typrelid, "
      "CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END AS base_type, t.typnotnull, "
      "pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS default_expr, cn.nspname AS collation_schema, co.collname "
      "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
      "LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype "
      "LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation AND t.typtype = 'd' "
      "  AND t.typcollation <> bt.typcollation "
      "LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace "
      "WHERE {} AND {} AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND "
      "  (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')) "
      "ORDER BY n.nspname, t.typname",
      user_schema_sql, not_extension_member("pg_type", "t.oid")));
  auto acls = read_acls(ctx, fmt::format("SELECT t.oid::text AS id, t.typacl AS acl, {} AS base FROM pg_catalog.pg_type t "
                                         "WHERE t.typacl IS NOT NULL",
                                         base_acl_sql("pg_type", "t.oid", "T", "t.typowner")));
  std::map<std::uint32_t, std::size_t> by_oid;
  std::map<std::uint32_t, std::size_t> by_relid;
  for (auto r : rows) {
    type_info t;
    t.key = {catalog_oid::pg_type, r.oid("oid")};
    t.schema = r.str("nspname");
    t.name = r.str("typname");
    t.owner = r.str("owner");
    t.comment = r.opt("comment");
    t.kind = kind_of(r.ch("typtype"));
    t.base_type = r.str("base_type");
    t.not_null = r.flag("typnotnull");
    t.default_expr = r.opt("default_expr");
    t.collation = qualified_or_empty(r, "collation_schema", "collname");
    if (auto it = acls.find(r.str("oid")); it != acls.end()) t.acl = it->second;
    by_oid[t.key.oid] = types.size();
    if (t.kind == type_kind::composite) by_relid[r.oid("typrelid")] = types.size();
    types.push_back(std::move(t));
  }
  auto find = [](const std::map<std::uint32_t, std::size_t>& index, std::uint32_t oid) {
    auto it = index.find(oid);
    return it == index.end() ? std::optional<std::size_t>{} : std::optional<std::size_t>{it->second};
  };

  for (auto r : ctx.query("SELECT enumtypid, enumlabel FROM pg_catalog.pg_enum ORDER BY enumtypid, enumsortorder"))
    if (auto i = find(by_oid, r.oid("enumtypid"))) types[*i].enum_labels.push_back(r.str("enumlabel"));

  for (auto r : ctx.query("SELECT c.contypid, c.conname, pg_catalog.pg_get_constraintdef(c.oid) AS definition, "
                          "c.convalidated, pg_catalog.obj_description(c.oid, 'pg_constraint') AS comment "
                          "FROM pg_catalog.pg_constraint c WHERE c.contypid <> 0 AND c.contype = 'c' "
                          "ORDER BY c.contypid, c.conname"))
    if (auto i = find(by_oid, r.oid("contypid")))
      types[*i].constraints.push_back({r.str("conname"), r.str("definition"), r.flag("convalidated"), r.opt("comment")});

  for (auto r : ctx.query(
           "SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, "
           "cn.nspname AS collation_schema, co.collname, pg_catalog.col_description(a.attrelid, a.attnum) AS comment "
           "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relkind = 'c' "
           "JOIN pg_catalog.pg_type at ON at.oid = a.atttypid "
           "LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> at.typcollation "
           "LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace "
           "WHERE a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum"))
    if (auto i = find(by_relid, r.oid("attrelid")))
      types[*i].attributes.push_back(
          {r.str("attname"), r.str("type"), qualified_or_empty(r, "collation_schema", "collname"), r.opt("comment")});

  auto ranges = ctx.query(
      "SELECT r.rngtypid, pg_catalog.format_type(r.rngsubtype, NULL) AS subtype, "
      "CASE WHEN NOT opc.opcdefault THEN opn.nspname END AS opclass_schema, opc.opcname, "
      "cn.nspname AS collation_schema, co.collname, dn.nspname AS diff_schema, dp.proname AS diff_name, "
      "r.rngcanonical::oid AS canonical, mn.nspname AS multirange_schema, mt.typname AS multirange_name "
      "FROM pg_catalog.pg_range r JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc "
      "JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace "
      "LEFT JOIN pg_catalog.pg_collation co ON co.oid = r.rngcollation AND r.rngcollation <> "
      "  (SELECT st.typcollation FROM pg_catalog.pg_type st WHERE st.oid = r.rngsubtype) "
      "LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace "
      "LEFT JOIN pg_catalog.pg_proc dp ON dp.oid = r.rngsubdiff "
      "LEFT JOIN pg_catalog.pg_namespace dn ON dn.oid = dp.pronamespace "
      "LEFT JOIN pg_catalog.pg_type mt ON mt.oid = r.rngmultitypid "
      "LEFT JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace");
  for (auto r : ranges) {
    auto i = find(by_oid, r.oid("rngtypid"));
    if (!i) continue;
    auto& t = types[*i];
    t.subtype = r.str("subtype");
    if (!r.is_null("opclass_schema")) t.subtype_opclass = util::sql::qualified(r.str("opclass_schema"), r.str("opcname"));
    t.collation = qualified_or_empty(r, "collation_schema", "collname");
    t.subtype_diff = qualified_or_empty(r, "diff_schema", "diff_name");
    t.multirange_name = qualified_or_empty(r, "multirange_schema", "multirange_name");
    if (r.oid("canonical") != 0)
      ctx.refuse("range type with a canonical function", util::sql::qualified(t.schema, t.name),
                 "canonical functions are written in C and need a shell type; not supported yet");
  }
}

}  // namespace immichbak::schema::detail
