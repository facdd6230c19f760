// Extensions and their configuration tables (pg_extension.extconfig: rows that
// CREATE EXTENSION does not bring back, dumped with the extension's filter).
#include "schema/catalog/context.hpp"
#include "schema/ddl.hpp"

namespace immichbak::schema::detail {

void read_extensions(read_context& ctx) {
  auto rows = ctx.query(
      "SELECT e.oid, e.extname, n.nspname, e.extversion, pg_catalog.pg_get_userbyid(e.extowner) AS owner, "
      "pg_catalog.obj_description(e.oid, 'pg_extension') AS comment FROM pg_catalog.pg_extension e "
      "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
      // plpgsql and anything else installed by initdb is in every database already.
      "WHERE e.oid >= 16384 ORDER BY e.extname");
  for (auto r : rows) {
    extension_info e;
    e.key = {catalog_oid::pg_extension, r.oid("oid")};
    e.name = r.str("extname");
    e.schema = r.str("nspname");
    e.version = r.str("extversion");
    e.owner = r.str("owner");
    e.comment = r.opt("comment");
    e.needs_preload = extension_needs_preload(e.name);
    ctx.out.extensions.push_back(std::move(e));
  }
  auto config = ctx.query(
      "SELECT e.oid AS extension, u.cfg AS config_table, COALESCE(u.cond, '') AS condition "
      // Multi-argument UNNEST is grammar, not a function: it cannot be schema-qualified.
      "FROM pg_catalog.pg_extension e, unnest(e.extconfig, e.extcondition) AS u(cfg, cond) "
      "WHERE u.cfg IS NOT NULL");
  for (auto r : config) {
    ctx.config_filter[r.oid("config_table")] = r.str("condition");
    for (auto& e : ctx.out.extensions)
      if (e.key.oid == r.oid("extension")) e.config.emplace_back(r.oid("config_table"), r.str("condition"));
  }
}

}  // namespace immichbak::schema::detail
