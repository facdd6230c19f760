// Schema capture against a real server: load a fixture, capture it the way a backup's
// leader session does, apply the units (and the rows) to an empty database, and require
// pg_dump --schema-only of both to be identical (test::schema_dump(): the catalog instead
// where the server is newer than pg_dump). pg_dump is only the oracle here.
#include <catch2/catch.hpp>

#include "pg/connection.hpp"
#include "schema/dump_plan.hpp"
#include "support/test_env.hpp"
#include "util/sql_quote.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

using namespace immichbak;

namespace {

// The leader session's settings (docs/format.md, header frame).
constexpr const char* session_sql =
    "SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0; "
    "SET client_encoding = 'UTF8'; SET standard_conforming_strings = on; "
    "SELECT pg_catalog.set_config('search_path', '', false); SET check_function_bodies = false; "
    "SET xmloption = content; SET client_min_messages = warning; SET row_security = off; SET DateStyle = ISO; "
    "SET IntervalStyle = postgres; SET extra_float_digits = 3; SET TimeZone = 'UTC';";

schema::dump_plan capture(const test::scratch_database& db, const schema::capture_options& options = {}) {
  pg::connection c(db.dsn());
  c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  c.exec(session_sql);
  auto plan = schema::capture(c, options);
  c.exec("COMMIT");
  return plan;
}

int restore_rank(const schema::ddl_unit& u) {
  switch (u.kind) {
    case frame_kind::pre_data: return 0;
    case frame_kind::post_data:
      return u.phase == post_phase::indexes ? 2 : u.phase == post_phase::foreign_keys ? 3 : 4;
    case frame_kind::owners: return 5;
    case frame_kind::privileges: return 6;
    default: return 9;
  }
}

/// Applies the plan the way a restore does: pre-data, rows, post-data by phase, owners,
/// privileges. Rows are copied from `source` with the plan's column lists.
void apply(const schema::dump_plan& plan, const test::scratch_database& source, const test::scratch_database& target) {
  pg::connection src(source.dsn());
  src.exec(session_sql);
  pg::connection dst(target.dsn());
  dst.exec(session_sql);
  for (int rank = 0; rank <= 6; ++rank) {
    if (rank == 1) {
      for (const auto& t : plan.tables) {
        if (t.data_excluded) continue;
        std::string name = util::sql::qualified(t.schema, t.name);
        std::string rows;
        src.copy_out(fmt::format("COPY {} {} TO STDOUT", name, t.copy_columns), [&](std::string_view r) { rows += r; });
        dst.copy_in_start(fmt::format("COPY {} {} FROM STDIN", name, t.copy_columns));
        dst.copy_in_put(rows);
        dst.copy_in_finish();
      }
      continue;
    }
    for (const auto& u : plan.units) {
      if (restore_rank(u) != rank) continue;
      try {
        dst.exec(u.sql);
      } catch (const error& e) {
        FAIL("unit [" << u.label << "] failed: " << e.what() << "\n" << u.sql);
      }
    }
  }
}

std::string query(const test::scratch_database& db, const std::string& sql) {
  return test::run_ok(fmt::format("psql -X -At -d {} -c {}", test::shell_quote(db.name()), test::shell_quote(sql)));
}

/// What pg_dump --schema-only does not show but a restore must bring back.
std::string extra_state(const test::scratch_database& db) {
  std::string out;
  out += "settings:\n" + query(db, "SELECT coalesce(r.rolname, '-'), s.setconfig FROM pg_db_role_setting s "
                                   "LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE s.setdatabase = "
                                   "(SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY 1");
  out += "comment:\n" + query(db, "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                  "WHERE datname = current_database()");
  out += "sequences:\n" + query(db, "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences "
                                    "ORDER BY 1");
  std::string matviews = query(db, "SELECT format('%I.%I', schemaname, matviewname) || ' ' || ispopulated "
                                   "FROM pg_matviews ORDER BY 1");
  out += "matviews:\n" + matviews;
  std::istringstream in(matviews);
  std::string line;
  while (std::getline(in, line)) {
    auto sp = line.rfind(' ');
    if (line.substr(sp + 1) != "true") continue;
    out += line + ":\n" + query(db, fmt::format("SELECT m::text FROM {} m ORDER BY 1", line.substr(0, sp)));
  }
  return out;
}

void require_same_database(const test::scratch_database& src, const test::scratch_database& dst) {
  std::string a = test::schema_dump(src.name()), b = test::schema_dump(dst.name());
  INFO("schema differs (test::schema_dump: pg_dump --schema-only, or the catalog on a server newer than "
       "pg_dump; - source, + restored):\n"
       << test::unified_diff(a, b));
  CHECK(a == b);
  std::string da = test::data_dump(src.name()), db = test::data_dump(dst.name());
  INFO("rows differ:\n" << test::unified_diff(da, db));
  CHECK(da == db);
  std::string ea = extra_state(src), eb = extra_state(dst);
  INFO("settings, sequence values or materialized views differ:\n" << test::unified_diff(ea, eb));
  CHECK(ea == eb);
}

}  // namespace

TEST_CASE("the torture schema round-trips through capture and apply", "[schema][matrix]") {
  test::scratch_database src("torture_src"), dst("torture_dst");
  if (auto rewrites = test::load_torture_schema(src); !rewrites.empty())
    WARN("torture schema rewritten for this server:\n" << rewrites);
  auto plan = capture(src);
  REQUIRE(!plan.units.empty());
  apply(plan, src, dst);
  require_same_database(src, dst);

  // The plan's facts.
  CHECK(plan.restore_search_path == "\"$user\", public, app");
  CHECK(plan.encoding == "UTF8");
  auto has_role = [&](const std::string& r) { return std::find(plan.roles.begin(), plan.roles.end(), r) != plan.roles.end(); };
  CHECK(has_role("immichbak_torture_owner"));
  CHECK(has_role("immichbak_torture_Mixed Role"));
  bool earth = false;
  for (const auto& e : plan.extensions) earth = earth || (e.name == "earthdistance" && !e.version.empty());
  CHECK(earth);
  // The last pre-data unit sets the source's search_path for data and post-data.
  const schema::ddl_unit* last_pre = nullptr;
  for (const auto& u : plan.units)
    if (u.kind == frame_kind::pre_data) last_pre = &u;
  REQUIRE(last_pre);
  CHECK(last_pre->label == "SEARCH_PATH");
  CHECK(last_pre->sql == "SELECT pg_catalog.set_config('search_path', '\"$user\", public, app', false);\n");
  // Units that belong to a table say so.
  bool tagged = false;
  for (const auto& u : plan.units)
    tagged = tagged || (u.label == "INDEX app.parent_thing_code_idx" && u.schema == "app" && u.table == "parent_thing");
  CHECK(tagged);
  // Generated columns are not copied; partitioned parents and matviews have no rows of their own.
  for (const auto& t : plan.tables) {
    CHECK(t.name != "events");
    CHECK(t.name != "thing_counts");
    if (t.name == "parent_thing") CHECK(t.copy_columns.find("doubled") == std::string::npos);
  }
}

TEST_CASE("the Immich-shaped schema round-trips with its rows", "[schema][matrix]") {
  // The fixture is written by another part of the project; wait a little if it is not there yet.
  auto file = test::source_dir() / "tests/fixtures/immich_schema.sql";
  for (int i = 0; i < 120 && !std::filesystem::exists(file); ++i) std::this_thread::sleep_for(std::chrono::seconds(10));
  REQUIRE(std::filesystem::exists(file));
  test::scratch_database src("immich_src"), dst("immich_dst");
  test::load_immich_fixture(src, 10);
  auto plan = capture(src);
  apply(plan, src, dst);
  require_same_database(src, dst);
  CHECK(plan.restore_search_path == "\"$user\", public");
}

TEST_CASE("exclusion patterns keep a table's definition but mark its rows", "[schema][matrix]") {
  test::scratch_database db("exclude");
  db.psql("CREATE SCHEMA s; CREATE TABLE s.asset_job_status (id int); CREATE TABLE s.asset (id int); "
          "CREATE TABLE public.geodata_places (id int); CREATE TABLE public.keep_me (id int)");
  schema::capture_options o;
  o.exclude_table_data = {{"s.asset_job_*", "regenerable"}, {"geodata_places", ""}};
  auto plan = capture(db, o);
  std::map<std::string, const schema::table_data*> by_name;
  for (const auto& t : plan.tables) by_name[t.schema + "." + t.name] = &t;
  REQUIRE(by_name.size() == 4);
  CHECK(by_name["s.asset_job_status"]->data_excluded);
  CHECK(by_name["s.asset_job_status"]->exclusion_reason == "regenerable");
  CHECK(by_name["public.geodata_places"]->data_excluded);
  CHECK(by_name["public.geodata_places"]->exclusion_reason == "geodata_places");
  CHECK_FALSE(by_name["s.asset"]->data_excluded);
  CHECK_FALSE(by_name["public.keep_me"]->data_excluded);
  bool defined = false;
  for (const auto& u : plan.units) defined = defined || u.label == "TABLE s.asset_job_status";
  CHECK(defined);
}

TEST_CASE("objects capture cannot reproduce are refused, every one named", "[schema][matrix]") {
  test::scratch_database db("refuse");
  db.psql("CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION immichbak_pub FOR TABLE t; "
          "SELECT lo_create(4242); "
          "CREATE FUNCTION evt() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$; "
          "CREATE EVENT TRIGGER immichbak_evt ON ddl_command_start EXECUTE FUNCTION evt(); "
          "CREATE TEXT SEARCH CONFIGURATION public.my_ts (COPY = english)");
  try {
    capture(db);
    FAIL("capture accepted a database with unsupported objects");
  } catch (const error& e) {
    CHECK(e.code() == errc::unsupported_object);
    std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find("publication immichbak_pub") != std::string::npos);
    CHECK(msg.find("large objects: 1 (oid 4242)") != std::string::npos);
    CHECK(msg.find("event trigger immichbak_evt") != std::string::npos);
    CHECK(msg.find("text search configuration public.my_ts") != std::string::npos);
    CHECK(msg.find("hint:") != std::string::npos);
  }
  db.psql("DROP EVENT TRIGGER immichbak_evt");  // event triggers are global to the database; keep the cluster tidy
}

TEST_CASE("capture refuses a session whose search_path is not empty", "[schema][matrix]") {
  test::scratch_database db("searchpath");
  pg::connection c(db.dsn());
  c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    schema::capture(c, {});
    FAIL("capture ran with the default search_path");
  } catch (const error& e) {
    CHECK(std::string(e.what()).find("search_path") != std::string::npos);
  }
}
