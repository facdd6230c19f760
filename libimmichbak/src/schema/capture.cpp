// schema::capture: read the catalog (catalog_reader), refuse what cannot be reproduced
// (check_supported), then build the plan with the pure generator (build_plan).
#include "schema/dump_plan.hpp"

#include "pg/connection.hpp"
#include "schema/catalog_reader.hpp"
#include "schema/ddl.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

namespace immichbak::schema {

dump_plan capture(pg::connection& conn, const capture_options& options) {
  // The deparsers qualify a name only when it is not visible on search_path: with
  // anything but an empty search_path the DDL would depend on the restore's settings.
  auto sp = conn.exec("SELECT pg_catalog.current_setting('search_path')");
  std::string path = sp.str(0, 0);
  if (!path.empty() && path != "\"\"")
    throw error(errc::internal,
                fmt::format("schema capture needs search_path = '' in the leader session, but it is {}", path));
  catalog c = read_catalog(conn);
  check_supported(c);
  return build_plan(c, options);
}

}  // namespace immichbak::schema
