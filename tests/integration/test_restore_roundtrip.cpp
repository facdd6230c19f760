// restore() round trips: a backup restored into a new database equals its source
// (pg_dump --schema-only and every row), with 1 and 4 jobs, compressed and not.
#include "test_restore_support.hpp"

#include <immichbak/error.hpp>
#include <immichbak/restore.hpp>

#include <atomic>
#include <fstream>
#include <mutex>

using namespace immichbak;

namespace {

restore_options options_for(const std::filesystem::path& file, const std::string& db, int jobs = 1) {
  restore_options o;
  o.file = file;
  o.dsn = test::dsn(db);
  o.jobs = jobs;
  return o;
}

std::string db_settings(const std::string& db) {
  return test::query_one(
      "postgres",
      fmt::format("SELECT array_to_string(setconfig, ';') FROM pg_db_role_setting s JOIN pg_database d ON d.oid = "
                  "s.setdatabase WHERE d.datname = '{}' AND s.setrole = 0",
                  db));
}

}  // namespace

TEST_CASE("restore round trip of the sample schema into a new database", "[restore][roundtrip][matrix]") {
  test::scratch_database src("rt_src");
  auto spec = test::sample_backup(src);
  test::temp_dir dir("rt");
  int jobs = GENERATE(1, 4);
  compression comp = GENERATE(compression::zstd, compression::none);
  spec.compress = comp;
  auto file = test::write_handmade(dir.path(), comp == compression::zstd ? "b.sql.zst" : "b.sql", spec);

  std::string target = test::unique_db("rt");
  test::drop_databases cleanup{{target}};
  std::mutex mu;
  std::vector<std::string> phases;
  auto o = options_for(file, target, jobs);
  progress_event last_index_event;
  std::string built_early;
  o.events.progress = [&](const progress_event& e) {
    std::lock_guard lock(mu);
    if (phases.empty() || phases.back() != e.phase) phases.push_back(e.phase);
    if (e.phase == "indexes") last_index_event = e;
  };
  o.events.log = [&](log_level, const std::string& m) {
    std::lock_guard lock(mu);
    if (m.find("index units were built while data loaded") != std::string::npos) built_early = m;
  };
  restore_result r = restore(o);
  CHECK(r.database == target);
  CHECK(r.rows == 1200 + 2400);
  CHECK(r.tables == 3);
  CHECK_FALSE(r.kept_old_database);
  CHECK_FALSE(r.plain_sql);
  INFO(fmt::format("warnings: {}", fmt::join(r.warnings, " | ")));
  CHECK(test::schema_dump(target) == test::schema_dump(src.name()));
  CHECK(test::data_dump(target) == test::data_dump(src.name()));
  CHECK(db_settings(target) == "search_path=\"$user\", public, app");
  // sequence value, ownership and grant came along
  CHECK(test::query_one(target, "SELECT last_value FROM app.person_id_seq") == "1200");
  CHECK(test::query_one(target, "SELECT tableowner FROM pg_tables WHERE tablename = 'pet'") == "immichbak_t_owner");
  CHECK(test::query_one(target, "SELECT has_table_privilege('immichbak_t_reader', 'app.person', 'SELECT')") == "t");
  // no scratch database left behind
  CHECK(test::databases_like(target + "__immichbak_").empty());
  INFO(fmt::format("phases: {}", fmt::join(phases, ", ")));
  for (const char* p : {"preflight", "pre-data", "data", "indexes", "foreign-keys", "post-data", "owners", "privileges",
                        "analyze", "check", "swap"})
    CHECK(std::find(phases.begin(), phases.end(), p) != phases.end());
  // Every index unit is counted in the indexes phase, also those built while data loaded.
  CHECK(last_index_event.items_total == 4);
  CHECK(last_index_event.items_done == 4);
  if (jobs == 1) {
    // One session: a table's indexes are built before the next table's rows are loaded
    // (load/load_queue.hpp): the first table's two are built while the other one loads.
    CHECK(built_early == "2 of 4 index units were built while data loaded");
  }
}

TEST_CASE("restore --no-owner --no-privileges leaves ownership to the restoring role", "[restore][roundtrip][matrix]") {
  test::scratch_database src("rt_noown");
  auto spec = test::sample_backup(src, 50);
  test::temp_dir dir("rt_noown");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", spec);
  std::string target = test::unique_db("noown");
  test::drop_databases cleanup{{target}};
  auto o = options_for(file, target, 2);
  o.no_owner = true;
  o.no_privileges = true;
  restore(o);
  CHECK(test::query_one(target, "SELECT tableowner FROM pg_tables WHERE tablename = 'pet'") == "postgres");
  CHECK(test::query_one(target, "SELECT has_table_privilege('immichbak_t_reader', 'app.person', 'SELECT')") == "f");
  CHECK(test::data_dump(target) == test::data_dump(src.name()));
}

TEST_CASE("restore into an existing empty database replaces it", "[restore][roundtrip][matrix]") {
  test::scratch_database src("rt_emptysrc");
  auto spec = test::sample_backup(src, 30);
  test::temp_dir dir("rt_empty");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", spec);
  test::scratch_database target("rt_emptytgt");
  auto r = restore(options_for(file, target.name()));
  CHECK_FALSE(r.kept_old_database);
  CHECK(test::data_dump(target.name()) == test::data_dump(src.name()));
  CHECK(test::databases_like(target.name() + "__immichbak_").empty());
}

TEST_CASE("restore --replace keeps the old database as NAME_before_restore_*", "[restore][replace][matrix]") {
  test::scratch_database src("rep_src");
  auto spec = test::sample_backup(src, 40);
  test::temp_dir dir("rep");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", spec);
  test::scratch_database target("rep_tgt");
  target.psql("CREATE TABLE old_stuff (v text); INSERT INTO old_stuff VALUES ('precious')");
  test::drop_databases cleanup;

  SECTION("without --replace: refused, unchanged") {
    try {
      restore(options_for(file, target.name()));
      FAIL("restore into a non-empty database without --replace must fail");
    } catch (const error& e) {
      CHECK(e.code() == errc::target_not_empty);
      std::string m = e.what();
      CHECK(m.find(target.name()) != std::string::npos);
      CHECK(m.find("table public.old_stuff") != std::string::npos);
      CHECK(m.find("--replace") != std::string::npos);
    }
    CHECK(test::query_one(target.name(), "SELECT v FROM old_stuff") == "precious");
    CHECK(test::databases_like(target.name() + "__immichbak_").empty());
  }
  SECTION("with --replace: swapped, old one kept") {
    auto o = options_for(file, target.name(), 2);
    o.mode = restore_mode::replace;
    auto r = restore(o);
    REQUIRE(r.kept_old_database);
    cleanup.names.push_back(*r.kept_old_database);
    CHECK(r.kept_old_database->rfind(target.name() + "_before_restore_", 0) == 0);
    CHECK(test::query_one(*r.kept_old_database, "SELECT v FROM old_stuff") == "precious");
    CHECK(test::data_dump(target.name()) == test::data_dump(src.name()));
  }
  SECTION("with --replace --drop-old: swapped, old one gone") {
    auto o = options_for(file, target.name(), 2);
    o.mode = restore_mode::replace_drop_old;
    auto r = restore(o);
    CHECK_FALSE(r.kept_old_database);
    CHECK(test::databases_like(target.name() + "_before_restore_").empty());
    CHECK(test::data_dump(target.name()) == test::data_dump(src.name()));
  }
  SECTION("with --replace while an application is connected: refused before loading, unchanged") {
    pg::connection app(target.dsn());
    app.exec("SET application_name = 'immich_api'");
    auto o = options_for(file, target.name(), 2);
    o.mode = restore_mode::replace;
    try {
      restore(o);
      FAIL("restore over a database in use must fail");
    } catch (const error& e) {
      CHECK(e.code() == errc::target_in_use);
      const std::string m = e.what();
      CHECK(m.find(fmt::format("pid {}", app.backend_pid())) != std::string::npos);
      CHECK(m.find("application \"immich_api\" client 127.0.0.1:") != std::string::npos);
      CHECK(m.find("--terminate-sessions") != std::string::npos);
    }
    CHECK(test::query_one(target.name(), "SELECT v FROM old_stuff") == "precious");
    CHECK(test::databases_like(target.name() + "__immichbak_").empty());
  }
  SECTION("with --replace --terminate-sessions: the application's session ended, swapped, old one kept and open") {
    pg::connection app(target.dsn());
    app.exec("SET application_name = 'immich_api'");
    auto o = options_for(file, target.name(), 2);
    o.mode = restore_mode::replace;
    o.terminate_sessions = true;
    std::vector<std::string> logs;
    o.events.log = [&](log_level, const std::string& m) { logs.push_back(m); };
    auto r = restore(o);
    REQUIRE(r.kept_old_database);
    cleanup.names.push_back(*r.kept_old_database);
    CHECK(test::data_dump(target.name()) == test::data_dump(src.name()));
    CHECK_THROWS_AS(app.exec("SELECT 1"), error);  // its session was ended
    // Both databases take connections again: the restored one and the kept old one.
    CHECK(test::query_one(*r.kept_old_database, "SELECT v FROM old_stuff") == "precious");
    CHECK(test::query_one("postgres", fmt::format("SELECT datallowconn FROM pg_database WHERE datname = '{}'",
                                                  *r.kept_old_database)) == "t");
    bool named = false;
    for (const auto& m : logs) named = named || (m.find("ending 1 session") != std::string::npos &&
                                                 m.find("immich_api") != std::string::npos);
    CHECK(named);
  }
}

TEST_CASE("restore options are validated", "[restore][matrix]") {
  // What restore_mode cannot express (--drop-old without --replace, --in-place with
  // --replace) cannot be written; what is left is refused before anything is opened.
  restore_options o;
  o.file = "/nonexistent";
  o.jobs = 0;
  CHECK_THROWS_AS(restore(o), error);
  o.jobs = 1;
  auto refused = [&](const char* names) {
    try {
      restore(o);
      FAIL("expected a refusal naming " << names);
    } catch (const error& e) {
      CHECK(e.code() == errc::invalid_argument);
      CHECK_THAT(e.what(), Catch::Contains(names));
    }
  };
  o.mode = restore_mode::in_place;
  o.terminate_sessions = true;  // --in-place loads into the live database: nothing to swap
  refused("--terminate-sessions");
  o.terminate_sessions = false;
  o.tables = {"public.asset"};
  refused("--in-place does not apply to --table");
  o.mode = restore_mode::replace_drop_old;
  refused("--drop-old does not apply to --table");
  o.mode = restore_mode::replace;
  o.terminate_sessions = true;
  refused("--terminate-sessions");
  o.terminate_sessions = false;
  o.tables.clear();
  o.check_content = false;
  o.check_readback = true;
  refused("--check-readback");
}

TEST_CASE("restore dispatches plain SQL dumps to the plain restore and refuses other files", "[restore][dispatch][matrix][pg_dump]") {
  test::scratch_database src("disp_src");
  src.psql("CREATE TABLE public.t (id int PRIMARY KEY, v text); INSERT INTO public.t SELECT g, 'v' || g FROM "
           "generate_series(1, 50) g");
  test::temp_dir dir("disp");
  auto dump = dir.path() / "immich-db-backup-20250101T020000-v1.135.0-pg15.18.sql.gz";
  test::run_ok(fmt::format("pg_dump --clean --if-exists -d {} | gzip > {}", test::shell_quote(src.name()),
                           test::shell_quote(dump.string())));
  std::string target = test::unique_db("disp");
  test::drop_databases cleanup{{target}};
  auto r = restore(options_for(dump, target));
  CHECK(r.plain_sql);
  CHECK(test::data_dump(target) == test::data_dump(src.name()));

  auto junk = dir.path() / "notes.bin";
  {
    std::ofstream f(junk, std::ios::binary);
    f << std::string("\x01\x02\x03\x00\x04", 5) << "not a backup";
  }
  try {
    restore(options_for(junk, target));
    FAIL("a file that is neither a backup nor SQL must be refused");
  } catch (const error& e) {
    CHECK(e.code() == errc::not_a_backup);
  }

  // A pg_dump custom-format archive, whatever its name, is pointed at pg_restore.
  auto custom = dir.path() / "immich.dump";
  test::run_ok(fmt::format("pg_dump -Fc -d {} -f {}", test::shell_quote(src.name()), test::shell_quote(custom.string())));
  try {
    restore(options_for(custom, target));
    FAIL("a custom-format archive must be refused");
  } catch (const error& e) {
    CHECK_THAT(e.what(), Catch::Contains("pg_restore"));
  }
}
