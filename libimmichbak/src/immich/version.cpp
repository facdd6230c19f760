#include "immich/version.hpp"

#include "pg/connection.hpp"

namespace immichbak::immich {

namespace {

// True when public.<table> exists, is readable, and has every column in `columns`.
bool readable_with_columns(pg::connection& conn, const std::string& table, const std::string& columns_array) {
  auto r = conn.exec(
      "SELECT pg_catalog.has_table_privilege(c.oid, 'SELECT') AND "
      "  (SELECT count(*) FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND NOT a.attisdropped "
      "     AND a.attname = ANY($2::text[])) = pg_catalog.cardinality($2::text[]) "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = 'public' AND c.relname = $1 AND c.relkind IN ('r', 'p', 'v')",
      {table, columns_array});
  return r.rows() == 1 && r.boolean(0, 0);
}

}  // namespace

std::string version(pg::connection& conn) {
  if (!readable_with_columns(conn, "version_history", "{version,createdAt}")) return {};
  auto r = conn.exec(
      "SELECT version::text FROM public.version_history ORDER BY \"createdAt\" DESC NULLS LAST LIMIT 1");
  return r.rows() == 1 ? r.str(0, 0) : std::string();
}

std::string migration(pg::connection& conn) {
  if (readable_with_columns(conn, "kysely_migrations", "{name}")) {
    auto r = conn.exec("SELECT max(name)::text FROM public.kysely_migrations");
    if (r.rows() == 1 && !r.is_null(0, 0)) return r.str(0, 0);
  }
  // TypeORM names end in the timestamp ("AddFaceSearch1718486162779"), so max(name)
  // would not be the newest; its "timestamp" column is.
  if (readable_with_columns(conn, "migrations", "{name,timestamp}")) {
    auto r = conn.exec(
        "SELECT name::text FROM public.migrations ORDER BY \"timestamp\" DESC NULLS LAST, name DESC LIMIT 1");
    if (r.rows() == 1 && !r.is_null(0, 0)) return r.str(0, 0);
  }
  return {};
}

}  // namespace immichbak::immich
