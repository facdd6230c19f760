// read_catalog: the supported-version check and the per-kind readers (catalog/*.cpp) in
// the order they depend on each other.
#include "schema/catalog_reader.hpp"

#include "pg/connection.hpp"
#include "schema/catalog/context.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

namespace immichbak::schema {

void check_server_version(int version_num, const std::string& version_text) {
  if (version_num < min_server_version)
    throw error(errc::server_version,
                fmt::format("PostgreSQL {} is too old: immichbak reads the catalogs of PostgreSQL 14 to 18 (the versions "
                            "Immich supports); back it up with pg_dump, or upgrade the server first",
                            version_text));
  if (version_num >= max_server_version_exclusive)
    throw error(errc::server_version,
                fmt::format("PostgreSQL {} is newer than this immichbak knows: it reads the catalogs of PostgreSQL 14 to 18, "
                            "and a newer major may store what it cannot reproduce; update immichbak",
                            version_text));
}

catalog read_catalog(pg::connection& conn) {
  check_server_version(conn.server_version(), conn.server_version_string());
  catalog out;
  out.server_version_num = conn.server_version();
  detail::read_context ctx{conn, conn.server_version(), out, {}, {}};
  detail::read_database(ctx);
  detail::read_extensions(ctx);
  detail::read_part_of(ctx);
  detail::read_schemas(ctx);
  detail::read_types(ctx);
  detail::read_routines(ctx);
  detail::read_sequences(ctx);
  detail::read_relations(ctx);     // after sequences: identity columns take their sequence's options
  detail::read_indexes(ctx);       // after relations: only indexes of dumped relations
  detail::read_constraints(ctx);
  detail::read_triggers(ctx);
  detail::read_rules(ctx);
  detail::read_policies(ctx);
  detail::read_statistics(ctx);
  detail::read_default_acls(ctx);
  detail::read_extension_acls(ctx);
  detail::read_dependencies(ctx);
  detail::read_unsupported(ctx);
  return out;
}

}  // namespace immichbak::schema
