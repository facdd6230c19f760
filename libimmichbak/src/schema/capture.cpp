// schema::capture: read the catalog (catalog_reader), refuse what cannot be reproduced
// (check_supported), build the plan with the pure generator (build_plan), and refuse a
// plan whose DDL the restore would refuse (sqlscript/statement_check: C or untrusted-language
// functions, extensions that reach files or other servers, preload settings): such a
// backup would fail verify every night, so the backup stops now, naming the objects.
#include "schema/dump_plan.hpp"

#include "pg/connection.hpp"
#include "schema/catalog_reader.hpp"
#include "schema/ddl.hpp"
#include "sqlscript/statement_check.hpp"

#include <immichbak/error.hpp>

#include <immichbak/manifest.hpp>

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
  dump_plan plan = build_plan(c, options);
  refuse_unrestorable_units(c.database, plan);
  return plan;
}

void refuse_unrestorable_units(const std::string& database, const dump_plan& plan) {
  std::string list;
  std::size_t count = 0;
  for (const auto& u : plan.units) {
    manifest_frame frame;
    frame.kind = u.kind;
    frame.phase = u.phase;
    frame.label = u.label;
    if (auto problem = sqlscript::check_frame_statements(frame, u.sql)) {
      list += fmt::format("\n  {}: {}", u.label, *problem);
      ++count;
    }
  }
  if (count == 0) return;
  throw error(errc::unsupported_object,
              fmt::format("database \"{}\" holds {} object{} whose definition a restore refuses to run (it could reach "
                          "files, programs or other servers), so immichbak refuses to write a backup that would fail "
                          "verify:{}\nhint: remove or replace these objects (docs/format.md 3.5 lists what a backup may hold)",
                          database, count, count == 1 ? "" : "s", list));
}

}  // namespace immichbak::schema
