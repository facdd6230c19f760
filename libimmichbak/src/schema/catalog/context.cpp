#include "schema/catalog/context.hpp"

#include "pg/connection.hpp"
#include "util/sql_quote.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace immichbak::schema::detail {

catalog_rows read_context::query(const std::string& sql) { return catalog_rows(conn.exec(sql)); }

void read_context::refuse(std::string kind, std::string name, std::string hint) {
  out.unsupported.push_back({std::move(kind), std::move(name), std::move(hint)});
}

const char* const user_schema_sql =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
    "AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

std::string not_extension_member(const char* catalog, const std::string& oid_expr) {
  return fmt::format(
      "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend xd WHERE xd.classid = 'pg_catalog.{}'::pg_catalog.regclass "
      "AND xd.objid = {} AND xd.deptype = 'e')",
      catalog, oid_expr);
}

std::string dumped_relation_sql() {
  return fmt::format("c.relkind IN ('r', 'p', 'v', 'm') AND c.relpersistence <> 't' AND {} AND {}", user_schema_sql,
                     not_extension_member("pg_class", "c.oid"));
}

namespace {

std::vector<acl_item> parse_acl_json(std::string_view text) {
  std::vector<acl_item> items;
  auto j = nlohmann::json::parse(text);
  long last = -1;
  for (const auto& e : j) {
    long item = e.at("i").get<long>();
    if (item != last) {
      items.push_back({});
      items.back().grantee = e.at("ge").get<std::string>();
      items.back().grantor = e.at("gr").get<std::string>();
      last = item;
    }
    auto priv = e.at("p").get<std::string>();
    if (e.at("g").get<bool>()) items.back().grantable.push_back(priv);
    else items.back().privileges.push_back(priv);
  }
  return items;
}

/// SQL for an aclitem[] expression as JSON rows {i: item number, ge: grantee ('' =
/// PUBLIC), gr: grantor, p: privilege, g: grantable}, in item and privilege order.
std::string acl_json_sql(const std::string& acl_expr) {
  return fmt::format(
      "COALESCE((SELECT pg_catalog.json_agg(pg_catalog.json_build_object("
      "'i', a.ord, 'ge', CASE WHEN e.grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(e.grantee) END, "
      "'gr', pg_catalog.pg_get_userbyid(e.grantor), 'p', e.privilege_type, 'g', e.is_grantable) ORDER BY a.ord, e.pn) "
      "FROM pg_catalog.unnest({}) WITH ORDINALITY a(item, ord), "
      "pg_catalog.aclexplode(ARRAY[a.item]) WITH ORDINALITY e(grantor, grantee, privilege_type, is_grantable, pn)), '[]')",
      acl_expr);
}

}  // namespace

std::map<std::string, acl_info> read_acls(read_context& ctx, const std::string& inner) {
  std::map<std::string, acl_info> out;
  auto rows = ctx.query(fmt::format("SELECT x.id, x.acl IS NULL AS acl_is_null, {} AS acl_json, {} AS base_json FROM ({}) x",
                                    acl_json_sql("x.acl"), acl_json_sql("x.base"), inner));
  for (auto r : rows) {
    acl_info a;
    a.is_null = r.flag("acl_is_null");
    if (!a.is_null) a.items = parse_acl_json(r.str("acl_json"));
    a.base = parse_acl_json(r.str("base_json"));
    out[r.str("id")] = std::move(a);
  }
  return out;
}

std::string base_acl_sql(const char* catalog, const char* oid_expr, const char* kind, const char* owner_expr) {
  return fmt::format(
      "COALESCE((SELECT pip.initprivs FROM pg_catalog.pg_init_privs pip WHERE pip.classoid = "
      "'pg_catalog.{}'::pg_catalog.regclass AND pip.objoid = {} AND pip.objsubid = 0), pg_catalog.acldefault('{}', {}))",
      catalog, oid_expr, kind, owner_expr);
}

std::string qualified_or_empty(const catalog_row& r, std::string_view schema_col, std::string_view name_col) {
  if (r.is_null(name_col)) return {};
  return util::sql::qualified(r.str(schema_col), r.str(name_col));
}

}  // namespace immichbak::schema::detail
