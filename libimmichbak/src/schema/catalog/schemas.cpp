// Schemas (namespaces) with owner, comment and privileges.
#include "schema/catalog/context.hpp"

#include <fmt/format.h>

namespace immichbak::schema::detail {

void read_schemas(read_context& ctx) {
  auto rows = ctx.query(fmt::format(
      "SELECT n.oid, n.nspname, pg_catalog.pg_get_userbyid(n.nspowner) AS owner, "
      "pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment "
      "FROM pg_catalog.pg_namespace n WHERE {} AND {} ORDER BY n.nspname",
      user_schema_sql, not_extension_member("pg_namespace", "n.oid")));
  auto acls = read_acls(ctx, fmt::format("SELECT n.oid::text AS id, n.nspacl AS acl, {} AS base FROM pg_catalog.pg_namespace n",
                                         base_acl_sql("pg_namespace", "n.oid", "n", "n.nspowner")));
  for (auto r : rows) {
    schema_info s;
    s.key = {catalog_oid::pg_namespace, r.oid("oid")};
    s.name = r.str("nspname");
    s.owner = r.str("owner");
    s.comment = r.opt("comment");
    s.acl = acls[r.str("oid")];
    // Every new database has a schema "public" (even if the source's was recreated).
    s.is_public = s.name == "public";
    ctx.out.schemas.push_back(std::move(s));
  }
}

}  // namespace immichbak::schema::detail
