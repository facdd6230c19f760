// Real backups (immichbak::backup()) of the Immich-shaped fixture and the torture schema,
// restored with restore(): pg_dump --schema-only, every row and the database-level
// settings equal the source, with 1 and 4 jobs.
#include "test_restore_support.hpp"

#include <immichbak/backup.hpp>
#include <immichbak/error.hpp>
#include <immichbak/restore.hpp>

using namespace immichbak;

namespace {

std::filesystem::path take_backup(const test::scratch_database& src, const std::filesystem::path& dir,
                                  bool exclude_regenerable = false) {
  backup_options o;
  o.dsn = src.dsn();
  o.dest_dir = dir;
  o.jobs = 2;
  o.chunk_bytes = 64u << 10;  // several frames per big table
  o.exclude_regenerable = exclude_regenerable;
  return backup(o).file;
}

// Database-level settings (ALTER DATABASE ... SET, per role too), as text.
std::string db_settings(const std::string& db) {
  return test::query_one(
      "postgres",
      fmt::format("SELECT coalesce(string_agg(coalesce(r.rolname, '*') || ':' || array_to_string(s.setconfig, ';'), "
                  "'|' ORDER BY r.rolname NULLS FIRST), '') FROM pg_db_role_setting s JOIN pg_database d ON d.oid = "
                  "s.setdatabase LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE d.datname = '{}'",
                  db));
}

restore_result restore_into(const std::filesystem::path& file, const std::string& db, int jobs) {
  restore_options o;
  o.file = file;
  o.dsn = test::dsn(db);
  o.jobs = jobs;
  return restore(o);
}

}  // namespace

TEST_CASE("Immich fixture: backup, restore into a new database, identical", "[restore][immich][matrix]") {
  test::scratch_database src("imm_src");
  test::load_immich_fixture(src, 60);
  test::temp_dir dir("imm");
  auto file = take_backup(src, dir.path());
  int jobs = GENERATE(1, 4);
  std::string target = test::unique_db("imm");
  test::drop_databases cleanup{{target}};
  auto r = restore_into(file, target, jobs);
  INFO(fmt::format("warnings: {}", fmt::join(r.warnings, " | ")));
  CHECK(r.warnings.empty());
  CHECK(r.rows > 1000);
  CHECK(r.immich_jobs_to_run.empty());
  CHECK(test::schema_dump(target) == test::schema_dump(src.name()));
  CHECK(test::data_dump(target) == test::data_dump(src.name()));
  CHECK(db_settings(target) == db_settings(src.name()));
  CHECK_FALSE(db_settings(target).empty());
}

TEST_CASE("torture schema: backup, restore into a new database, identical", "[restore][torture][matrix]") {
  test::scratch_database src("tort_src");
  if (auto rewrites = test::load_torture_schema(src); !rewrites.empty())
    WARN("torture schema rewritten for this server:\n" << rewrites);
  test::temp_dir dir("tort");
  auto file = take_backup(src, dir.path());
  int jobs = GENERATE(1, 4);
  std::string target = test::unique_db("tort");
  test::drop_databases cleanup{{target}};
  auto r = restore_into(file, target, jobs);
  INFO(fmt::format("warnings: {}", fmt::join(r.warnings, " | ")));
  CHECK(test::schema_dump(target) == test::schema_dump(src.name()));
  CHECK(test::data_dump(target) == test::data_dump(src.name()));
  CHECK(db_settings(target) == db_settings(src.name()));
}

TEST_CASE("a backup without regenerable data: jobs to run, geodata re-import armed", "[restore][immich][matrix]") {
  test::scratch_database src("regen_src");
  test::load_immich_fixture(src, 30);
  src.psql("INSERT INTO public.system_metadata (key, value) VALUES ('reverse-geocoding-state', "
           "'{\"lastUpdate\": \"2025-01-01\"}'), ('other-key', '{}') ON CONFLICT (key) DO NOTHING");
  test::temp_dir dir("regen");
  auto file = take_backup(src, dir.path(), true);
  std::string target = test::unique_db("regen");
  test::drop_databases cleanup{{target}};
  auto r = restore_into(file, target, 2);
  CHECK(std::find(r.immich_jobs_to_run.begin(), r.immich_jobs_to_run.end(), "Smart Search") !=
        r.immich_jobs_to_run.end());
  CHECK(std::find(r.immich_jobs_to_run.begin(), r.immich_jobs_to_run.end(), "Generate Thumbnails") !=
        r.immich_jobs_to_run.end());
  for (const auto& j : r.immich_jobs_to_run) CHECK(j.rfind("none", 0) != 0);
  CHECK(test::query_one(target, "SELECT count(*) FROM system_metadata WHERE key = 'reverse-geocoding-state'") == "0");
  CHECK(test::query_one(target, "SELECT count(*) FROM system_metadata WHERE key = 'other-key'") == "1");
  CHECK(test::query_one(target, "SELECT count(*) FROM smart_search") == "0");
  CHECK(test::query_one(target, "SELECT count(*) FROM asset") == test::query_one(src.name(), "SELECT count(*) FROM asset"));
  CHECK(test::schema_dump(target) == test::schema_dump(src.name()));
}

TEST_CASE("Immich fixture: selective restore of one table from a real backup", "[restore][immich][tables][matrix]") {
  test::scratch_database src("immtbl_src");
  test::load_immich_fixture(src, 40);
  test::temp_dir dir("immtbl");
  auto file = take_backup(src, dir.path());
  test::scratch_database target("immtbl_tgt");
  {
    restore_options o;
    o.file = file;
    o.dsn = target.dsn();
    restore(o);
  }
  // An album table damaged by hand comes back from the backup, and nothing else moves.
  target.psql("UPDATE public.album SET \"albumName\" = 'oops'");
  restore_options o;
  o.file = file;
  o.dsn = target.dsn();
  o.tables = {"album"};
  o.mode = restore_mode::replace;
  auto r = restore(o);
  CHECK(r.tables == 1);
  CHECK(test::schema_dump(target.name()) == test::schema_dump(src.name()));
  CHECK(test::data_dump(target.name()) == test::data_dump(src.name()));
}
