// Privileges that live outside the objects' own rows: default privileges (ALTER DEFAULT
// PRIVILEGES) and changed privileges on objects that belong to an extension (CREATE
// EXTENSION brings the objects back with their initial privileges; the difference is
// dumped, as pg_dump does).
#include "schema/catalog/context.hpp"
#include "util/sql_quote.hpp"

#include <fmt/format.h>

namespace immichbak::schema::detail {

void read_default_acls(read_context& ctx) {
  auto acls = read_acls(
      ctx,
      "SELECT d.oid::text AS id, d.defaclacl AS acl, CASE WHEN d.defaclnamespace = 0 THEN pg_catalog.acldefault("
      "CASE d.defaclobjtype WHEN 'r' THEN 'r' WHEN 'S' THEN 's' WHEN 'f' THEN 'f' WHEN 'T' THEN 'T' ELSE 'n' END::\"char\", "
      "d.defaclrole) ELSE '{}'::pg_catalog.aclitem[] END AS base FROM pg_catalog.pg_default_acl d");
  auto rows = ctx.query(
      "SELECT d.oid, pg_catalog.pg_get_userbyid(d.defaclrole) AS role, COALESCE(n.nspname, '') AS schema, d.defaclobjtype "
      "FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace "
      "ORDER BY 2, 3, 4");
  for (auto r : rows) {
    default_acl d;
    d.role = r.str("role");
    d.schema = r.str("schema");
    d.objtype = r.ch("defaclobjtype");
    d.acl = acls[r.str("oid")];
    ctx.out.default_acls.push_back(std::move(d));
  }
}

namespace {

/// ACLs of `catalog`'s extension members that differ from their initial privileges.
std::map<std::string, acl_info> changed_member_acls(read_context& ctx, const char* catalog, const char* acl_col,
                                                    const char* owner_col, const char* acl_kind,
                                                    const std::string& extra_filter) {
  return read_acls(
      ctx, fmt::format("SELECT x.oid::text AS id, COALESCE(x.{1}, pg_catalog.acldefault('{3}', x.{2})) AS acl, "
                       "COALESCE(pip.initprivs, pg_catalog.acldefault('{3}', x.{2})) AS base "
                       "FROM pg_catalog.{0} x LEFT JOIN pg_catalog.pg_init_privs pip ON pip.classoid = "
                       "'pg_catalog.{0}'::pg_catalog.regclass AND pip.objoid = x.oid AND pip.objsubid = 0 "
                       "WHERE NOT {4} {5} AND COALESCE(x.{1}, pg_catalog.acldefault('{3}', x.{2})) IS DISTINCT FROM "
                       "COALESCE(pip.initprivs, pg_catalog.acldefault('{3}', x.{2}))",
                       catalog, acl_col, owner_col, acl_kind, not_extension_member(catalog, "x.oid"), extra_filter));
}

/// `names_sql` gives (id, schema, name, args or NULL, owner, prokind) for the objects.
void add_member_acls(read_context& ctx, const std::map<std::string, acl_info>& acls, const std::string& names_sql,
                     const char* type_keyword) {
  if (acls.empty()) return;
  for (auto r : ctx.query(names_sql)) {
    auto it = acls.find(r.str("id"));
    if (it == acls.end()) continue;
    std::string args = r.is_null("args") ? "" : fmt::format("({})", r.str("args"));
    extension_member_acl m;
    m.object_type = type_keyword;
    if (m.object_type == "FUNCTION" && r.ch("prokind") == 'p') m.object_type = "PROCEDURE";
    m.object = util::sql::qualified(r.str("nspname"), r.str("name")) + args;
    m.label = r.str("nspname") + "." + r.str("name") + args;
    m.owner = r.str("owner");
    m.acl = it->second;
    m.acl.is_null = false;
    ctx.out.extension_acls.push_back(std::move(m));
  }
}

}  // namespace

void read_extension_acls(read_context& ctx) {
  const std::string relations =
      "SELECT c.oid::text AS id, n.nspname, c.relname AS name, NULL AS args, pg_catalog.pg_get_userbyid(c.relowner) AS owner, "
      "'' AS prokind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ORDER BY 2, 3";
  add_member_acls(ctx, changed_member_acls(ctx, "pg_class", "relacl", "relowner", "r", "AND x.relkind IN ('r', 'p', 'v', 'm')"),
                  relations, "TABLE");
  add_member_acls(ctx, changed_member_acls(ctx, "pg_class", "relacl", "relowner", "s", "AND x.relkind = 'S'"), relations,
                  "SEQUENCE");
  add_member_acls(ctx, changed_member_acls(ctx, "pg_proc", "proacl", "proowner", "f", ""),
                  "SELECT p.oid::text AS id, n.nspname, p.proname AS name, "
                  "pg_catalog.pg_get_function_identity_arguments(p.oid) AS args, "
                  "pg_catalog.pg_get_userbyid(p.proowner) AS owner, p.prokind FROM pg_catalog.pg_proc p "
                  "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace ORDER BY 2, 3, 4",
                  "FUNCTION");
  add_member_acls(ctx, changed_member_acls(ctx, "pg_type", "typacl", "typowner", "T", ""),
                  "SELECT t.oid::text AS id, n.nspname, t.typname AS name, NULL AS args, "
                  "pg_catalog.pg_get_userbyid(t.typowner) AS owner, '' AS prokind FROM pg_catalog.pg_type t "
                  "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace ORDER BY 2, 3",
                  "TYPE");
}

}  // namespace immichbak::schema::detail
