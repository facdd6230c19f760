// The database itself: name, encoding, comment and its ALTER DATABASE ... SET settings
// (Immich sets search_path there; pg_dump without --create leaves them out).
#include "schema/catalog/context.hpp"

namespace immichbak::schema::detail {

void read_database(read_context& ctx) {
  auto rows = ctx.query(
      "SELECT pg_catalog.current_database() AS name, pg_catalog.pg_encoding_to_char(d.encoding) AS encoding, "
      "d.oid, pg_catalog.shobj_description(d.oid, 'pg_database') AS comment "
      "FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()");
  auto db = rows[0];
  ctx.out.database = db.str("name");
  ctx.out.encoding = db.str("encoding");
  ctx.out.database_comment = db.opt("comment");
  ctx.database_oid = db.str("oid");

  // Settings are user-set by definition (ALTER DATABASE / ALTER ROLE ... IN DATABASE).
  auto settings = ctx.query(
      "SELECT CASE WHEN s.setrole = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(s.setrole) END AS role, u.cfg "
      "FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) WITH ORDINALITY u(cfg, ord) "
      "WHERE s.setdatabase = " + ctx.database_oid + " ORDER BY s.setrole <> 0, 1, u.ord");
  for (auto r : settings) {
    std::string cfg = r.str("cfg");
    auto eq = cfg.find('=');
    if (eq == std::string::npos) continue;
    ctx.out.settings.push_back({r.str("role"), cfg.substr(0, eq), cfg.substr(eq + 1)});
  }
}

}  // namespace immichbak::schema::detail
