// Plain SQL dumps (pg_dump output: .sql, Immich-style .sql.gz, .sql.zst) restore through
// immichbak::restore() into a scratch database that is swapped in, with the same
// all-or-nothing guarantee as immichbak backups.

#include <catch2/catch.hpp>

#include "pg/connection.hpp"
#include "restore/plain_restore.hpp"
#include "support/test_env.hpp"

#include <immichbak/error.hpp>
#include <immichbak/restore.hpp>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace immichbak;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

std::string pg_dump(const std::string& db, const std::string& extra = {}) {
  return fmt::format("pg_dump {} -d {}", extra, test::shell_quote(db));
}

// A database name that does not exist yet, dropped (if it came to exist) on scope exit.
struct fresh_name {
  std::string name;
  explicit fresh_name(const std::string& hint) {
    static int n = 0;
    name = fmt::format("pr_{}_{}_{}", ::getpid(), n++, hint);
  }
  ~fresh_name() {
    std::string out;
    test::run(fmt::format("psql -X -q -d postgres -c {}",
                          test::shell_quote(fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", name))),
              &out);
  }
};

std::int64_t scalar(const std::string& db, const std::string& sql) {
  pg::connection c(test::dsn(db));
  return c.exec(sql).i64(0, 0);
}

std::int64_t leftover_scratch(const std::string& target) {
  return scalar("postgres", fmt::format("SELECT count(*) FROM pg_database WHERE datname LIKE '{}\\_\\_immichbak\\_%'",
                                        target));
}

restore_options options(const fs::path& file, const std::string& db) {
  restore_options o;
  o.file = file;
  o.dsn = test::dsn(db);
  return o;
}

std::int64_t fixture_tables(const std::string& db) {
  return scalar(db,
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN "
                "('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') AND NOT EXISTS (SELECT 1 FROM "
                "pg_depend d WHERE d.classid='pg_class'::regclass AND d.objid=c.oid AND d.deptype='e')");
}

}  // namespace

TEST_CASE("a plain pg_dump .sql restores into an empty database", "[plain][restore][matrix][pg_dump]") {
  test::scratch_database src("plain_src");
  test::load_immich_fixture(src, 30);
  test::temp_dir dir("plain");
  fs::path file = dir.path() / "immich.sql";
  test::run_ok(pg_dump(src.name()) + " > " + test::shell_quote(file.string()));

  test::scratch_database dst("plain_dst");  // exists and is empty
  std::vector<progress_event> events;
  auto o = options(file, dst.name());
  o.events.progress = [&](const progress_event& e) { events.push_back(e); };
  restore_result r = restore(o);
  CHECK(r.plain_sql);
  CHECK(r.database == dst.name());
  CHECK(r.tables == static_cast<std::size_t>(fixture_tables(src.name())));
  CHECK(r.rows > 30);
  CHECK(r.warnings.empty());
  CHECK(test::schema_dump(dst.name()) == test::schema_dump(src.name()));
  CHECK(test::data_dump(dst.name()) == test::data_dump(src.name()));
  CHECK(leftover_scratch(dst.name()) == 0);
  // progress: bytes of the file, ending at its size
  REQUIRE(!events.empty());
  CHECK(events.back().bytes_total == fs::file_size(file));
  CHECK(events.back().bytes_done == fs::file_size(file));
}

TEST_CASE("an Immich job file (pg_dump --clean --if-exists | gzip --rsyncable) restores", "[plain][restore][matrix][pg_dump]") {
  test::scratch_database src("plain_gz_src");
  test::load_immich_fixture(src, 30);
  test::temp_dir dir("plain_gz");
  fs::path file = dir.path() / "immich-db-backup-20250102T020000-v1.135.3-pg15.18.sql.gz";
  test::run_ok(pg_dump(src.name(), "--clean --if-exists") + " | gzip --rsyncable > " + test::shell_quote(file.string()));

  fresh_name dst("gz");  // does not exist: created by the swap
  restore_result r = restore(options(file, dst.name));
  CHECK(r.plain_sql);
  CHECK(r.rows > 30);
  CHECK(test::schema_dump(dst.name) == test::schema_dump(src.name()));
  CHECK(test::data_dump(dst.name) == test::data_dump(src.name()));
  // the source is untouched (the dump's DROP ... IF EXISTS ran only in the scratch database)
  CHECK(fixture_tables(src.name()) == fixture_tables(dst.name));
}

TEST_CASE("multi-member gzip and zstd dumps restore", "[plain][restore][matrix][pg_dump]") {
  test::scratch_database src("plain_mm_src");
  test::load_immich_fixture(src, 30);
  test::temp_dir dir("plain_mm");
  fs::path plain = dir.path() / "d.sql";
  test::run_ok(pg_dump(src.name()) + " > " + test::shell_quote(plain.string()));
  std::string sql = read_file(plain);
  // cut in the middle of the data at a line boundary: two gzip members, as pigz/cat make
  std::size_t cut = sql.find('\n', sql.size() / 2) + 1;
  write_file(dir.path() / "a", sql.substr(0, cut));
  write_file(dir.path() / "b", sql.substr(cut));
  fs::path gz = dir.path() / "d.sql.gz";
  test::run_ok(fmt::format("cd {} && gzip -c a > d.sql.gz && gzip -c b >> d.sql.gz", test::shell_quote(dir.path().string())));
  fs::path zst = dir.path() / "d.sql.zst";
  test::run_ok(fmt::format("zstd -q -19 {} -o {}", test::shell_quote(plain.string()), test::shell_quote(zst.string())));

  for (const fs::path& f : {gz, zst}) {
    INFO(f.string());
    fresh_name dst("mm");
    restore_result r = restore(options(f, dst.name));
    CHECK(r.plain_sql);
    CHECK(test::schema_dump(dst.name) == test::schema_dump(src.name()));
    CHECK(test::data_dump(dst.name) == test::data_dump(src.name()));
  }
}

TEST_CASE("a pg_dump --create --clean dump restores under another name and never drops its source",
          "[plain][restore][matrix][pg_dump]") {
  test::scratch_database src("plain_create_src");
  test::load_immich_fixture(src, 10);
  src.psql(fmt::format("COMMENT ON DATABASE \"{}\" IS 'photos'", src.name()));
  test::temp_dir dir("plain_create");
  fs::path file = dir.path() / "create.sql.gz";
  test::run_ok(pg_dump(src.name(), "--create --clean --if-exists") + " | gzip > " + test::shell_quote(file.string()));
  REQUIRE_THAT(test::run_ok("zcat " + test::shell_quote(file.string()) + " | grep -c 'DROP DATABASE'"),
               Catch::StartsWith("1"));

  fresh_name dst("create");
  restore_result r = restore(options(file, dst.name));
  CHECK(r.plain_sql);
  CHECK(scalar("postgres", fmt::format("SELECT count(*) FROM pg_database WHERE datname = '{}'", src.name())) == 1);
  CHECK(test::schema_dump(dst.name) == test::schema_dump(src.name()));
  CHECK(test::data_dump(dst.name) == test::data_dump(src.name()));
  // database-level settings and the comment followed the dump to the new name
  CHECK(scalar(dst.name, "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase "
                         "WHERE d.datname = current_database() AND array_to_string(s.setconfig, ',') LIKE "
                         "'search_path=%public%'") == 1);
  CHECK(scalar(dst.name, "SELECT count(*) FROM pg_database d WHERE d.datname = current_database() AND "
                         "shobj_description(d.oid, 'pg_database') = 'photos'") == 1);
  CHECK(r.warnings.empty());
}

TEST_CASE("a truncated .gz fails clearly and leaves the target unchanged", "[plain][restore][matrix][pg_dump]") {
  test::scratch_database src("plain_trunc_src");
  test::load_immich_fixture(src, 10);
  test::temp_dir dir("plain_trunc");
  fs::path good = dir.path() / "good.sql.gz";
  test::run_ok(pg_dump(src.name()) + " | gzip > " + test::shell_quote(good.string()));
  std::string gz = read_file(good);
  fs::path cut = dir.path() / "immich-db-backup-20250103T020000-v1.135.3-pg15.18.sql.gz";
  write_file(cut, gz.substr(0, gz.size() * 2 / 3));

  test::scratch_database dst("plain_trunc_dst");
  dst.psql("CREATE TABLE keep (v text); INSERT INTO keep VALUES ('before')");
  auto o = options(cut, dst.name());
  o.mode = restore_mode::replace;
  try {
    restore(o);
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::corrupt_backup);
    CHECK_THAT(e.what(), Catch::Contains(cut.string()) && Catch::Contains("truncated"));
  }
  CHECK(scalar(dst.name(), "SELECT count(*) FROM keep WHERE v = 'before'") == 1);
  CHECK(leftover_scratch(dst.name()) == 0);

  // cut at a line boundary of the plain text: every statement is complete, the end is not
  std::string sql = test::run_ok("zcat " + test::shell_quote(good.string()));
  fs::path plain_cut = dir.path() / "cut.sql";
  write_file(plain_cut, sql.substr(0, sql.rfind("\n--\n-- PostgreSQL database dump complete")));
  try {
    restore(options(plain_cut, dst.name()));
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::corrupt_backup);
    CHECK_THAT(e.what(), Catch::Contains("dump complete"));
  }
  CHECK(scalar(dst.name(), "SELECT count(*) FROM keep") == 1);
}

TEST_CASE("a script failing in the middle leaves the target unchanged and names the line", "[plain][restore][matrix][pg_dump]") {
  test::scratch_database src("plain_err_src");
  test::load_immich_fixture(src, 10);
  test::temp_dir dir("plain_err");
  std::string sql = test::run_ok(pg_dump(src.name()));
  // after the data, before the indexes
  std::size_t at = sql.find("\nALTER TABLE ONLY");
  REQUIRE(at != std::string::npos);
  std::size_t line = static_cast<std::size_t>(std::count(sql.begin(), sql.begin() + static_cast<long>(at), '\n')) + 2;
  sql.insert(at + 1, "SELECT no_such_function_in_the_dump();\n");
  fs::path file = dir.path() / "broken.sql";
  write_file(file, sql);

  test::scratch_database dst("plain_err_dst");
  dst.psql("CREATE TABLE keep (v text); INSERT INTO keep VALUES ('before')");
  auto o = options(file, dst.name());
  o.mode = restore_mode::replace;
  try {
    restore(o);
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::query_failed);
    CHECK(e.sqlstate() == "42883");
    CHECK_THAT(e.what(), Catch::Contains(fmt::format("at line {} failed", line)) &&
                             Catch::Contains("no_such_function_in_the_dump") && Catch::Contains("was not changed"));
  }
  CHECK(scalar(dst.name(), "SELECT count(*) FROM keep WHERE v = 'before'") == 1);
  CHECK(fixture_tables(dst.name()) == 1);
  CHECK(leftover_scratch(dst.name()) == 0);

  // --in-place: one transaction, rolled back
  test::scratch_database empty("plain_err_inplace");
  auto ip = options(file, empty.name());
  ip.mode = restore_mode::in_place;
  CHECK_THROWS_AS(restore(ip), error);
  CHECK(fixture_tables(empty.name()) == 0);
}

TEST_CASE("a plain dump restored with --replace swaps over a non-empty database and keeps the old one",
          "[plain][restore][matrix][pg_dump]") {
  test::scratch_database src("plain_repl_src");
  test::load_immich_fixture(src, 10);
  test::temp_dir dir("plain_repl");
  fs::path file = dir.path() / "d.sql.zst";
  test::run_ok(pg_dump(src.name()) + " | zstd -q > " + test::shell_quote(file.string()));
  test::scratch_database dst("plain_repl_dst");
  dst.psql("CREATE TABLE old_stuff (v int)");
  auto o = options(file, dst.name());
  try {
    restore(o);
    FAIL("expected target_not_empty");
  } catch (const error& e) {
    CHECK(e.code() == errc::target_not_empty);
  }
  o.mode = restore_mode::replace;
  restore_result r = restore(o);
  REQUIRE(r.kept_old_database);
  fresh_name kept(*r.kept_old_database);  // drop it at the end
  kept.name = *r.kept_old_database;
  CHECK(scalar(*r.kept_old_database, "SELECT count(*) FROM pg_class WHERE relname = 'old_stuff'") == 1);
  CHECK(scalar(dst.name(), "SELECT count(*) FROM pg_class WHERE relname = 'old_stuff'") == 0);
  CHECK(fixture_tables(dst.name()) == fixture_tables(src.name()));
  CHECK(scalar(dst.name(), "SELECT count(*) FROM asset") == scalar(src.name(), "SELECT count(*) FROM asset"));
}

TEST_CASE("a plain dump restored with --in-place loads in one transaction into an existing empty database",
          "[plain][restore][matrix][pg_dump]") {
  test::scratch_database src("plain_ip_src");
  test::load_immich_fixture(src, 10);
  test::temp_dir dir("plain_ip");
  fs::path file = dir.path() / "d.sql";
  test::run_ok(pg_dump(src.name(), "--create") + " > " + test::shell_quote(file.string()));
  test::scratch_database dst("plain_ip_dst");
  auto o = options(file, dst.name());
  o.mode = restore_mode::in_place;
  restore_result r = restore(o);
  CHECK(r.plain_sql);
  CHECK(test::schema_dump(dst.name()) == test::schema_dump(src.name()));
  CHECK(test::data_dump(dst.name()) == test::data_dump(src.name()));
  // in place into a non-empty database is refused
  CHECK_THROWS_AS(restore(o), error);
}

TEST_CASE("roles the dump needs are checked before anything is created", "[plain][restore][matrix][pg_dump]") {
  test::scratch_database src("plain_role_src");
  src.psql("CREATE TABLE t (a int); INSERT INTO t VALUES (1), (2); GRANT SELECT ON t TO PUBLIC");
  test::temp_dir dir("plain_role");
  std::string sql = test::run_ok(pg_dump(src.name()));
  std::string ghost = fmt::format("ghost_{}", ::getpid());
  for (std::size_t p; (p = sql.find("OWNER TO postgres")) != std::string::npos;)
    sql.replace(p, 17, "OWNER TO " + ghost);
  sql += fmt::format("GRANT SELECT ON TABLE public.t TO \"{}_reader\";\n", ghost);
  fs::path file = dir.path() / "roles.sql";
  write_file(file, sql);

  fresh_name dst("roles");
  try {
    restore(options(file, dst.name));
    FAIL("expected missing_role");
  } catch (const error& e) {
    CHECK(e.code() == errc::missing_role);
    CHECK_THAT(e.what(), Catch::Contains(ghost) && Catch::Contains("_reader") && Catch::Contains("--no-owner"));
  }
  CHECK(scalar("postgres", fmt::format("SELECT count(*) FROM pg_database WHERE datname LIKE '{}%'", dst.name)) == 0);

  auto o = options(file, dst.name);
  o.no_owner = true;
  o.no_privileges = true;
  restore_result r = restore(o);
  CHECK(r.rows == 2);
  CHECK(scalar(dst.name, "SELECT count(*) FROM t") == 2);
}

TEST_CASE("a plain dump relying on a database-level search_path gets a warning with the fix", "[plain][restore][matrix][pg_dump]") {
  test::scratch_database src("plain_sp_src");
  src.psql("CREATE SCHEMA vectors; CREATE EXTENSION cube WITH SCHEMA vectors; "
           "CREATE TABLE t (id int, c vectors.cube); INSERT INTO t VALUES (1, '(1,2)')");
  src.psql(fmt::format("ALTER DATABASE \"{}\" SET search_path TO \"$user\", public, vectors", src.name()));
  test::temp_dir dir("plain_sp");
  fs::path file = dir.path() / "sp.sql";
  test::run_ok(pg_dump(src.name()) + " > " + test::shell_quote(file.string()));
  fresh_name dst("sp");
  restore_result r = restore(options(file, dst.name));
  REQUIRE(r.warnings.size() == 1);
  CHECK_THAT(r.warnings[0],
             Catch::Contains(fmt::format("ALTER DATABASE \"{}\" SET search_path TO \"$user\", public, \"vectors\";",
                                         dst.name)));

  // a --create dump carries the setting: no warning, and it is applied
  fs::path created = dir.path() / "sp_create.sql";
  test::run_ok(pg_dump(src.name(), "--create") + " > " + test::shell_quote(created.string()));
  fresh_name dst2("sp2");
  restore_result r2 = restore(options(created, dst2.name));
  CHECK(r2.warnings.empty());
  CHECK(scalar(dst2.name, "SELECT count(*) FROM t WHERE c = '(1,2)'") == 1);
}

TEST_CASE("pg_dump archives and foreign files are refused with a hint", "[plain][restore][matrix][pg_dump]") {
  test::scratch_database src("plain_fmt_src");
  src.psql("CREATE TABLE t (a int)");
  test::temp_dir dir("plain_fmt");
  fs::path custom = dir.path() / "immich.dump";
  test::run_ok(pg_dump(src.name(), "-Fc") + " > " + test::shell_quote(custom.string()));
  fs::path dirfmt = dir.path() / "dirdump";
  test::run_ok(pg_dump(src.name(), "-Fd -f " + test::shell_quote(dirfmt.string())));
  fs::path script = dir.path() / "include.sql";
  write_file(script, "SELECT 1;\n\\i /etc/passwd\n");
  fresh_name dst("fmt");
  for (const fs::path& f : {custom, dirfmt, script}) {
    INFO(f.string());
    try {
      restore_detail::restore_plain(options(f, dst.name));
      FAIL("expected an error");
    } catch (const error& e) {
      CHECK(e.code() == errc::unsupported_format);
      if (f != script) CHECK_THAT(e.what(), Catch::Contains("pg_restore"));
      else CHECK_THAT(e.what(), Catch::Contains("\\i at line 2"));
    }
  }
  CHECK(scalar("postgres", fmt::format("SELECT count(*) FROM pg_database WHERE datname LIKE '{}%'", dst.name)) == 0);
}

TEST_CASE("cancelling a plain restore leaves the target unchanged", "[plain][restore][matrix][pg_dump]") {
  test::scratch_database src("plain_cancel_src");
  test::load_immich_fixture(src, 30);
  test::temp_dir dir("plain_cancel");
  fs::path file = dir.path() / "d.sql";
  test::run_ok(pg_dump(src.name()) + " > " + test::shell_quote(file.string()));
  test::scratch_database dst("plain_cancel_dst");
  dst.psql("CREATE TABLE keep (v int)");
  std::atomic<bool> cancel{false};
  auto o = options(file, dst.name());
  o.mode = restore_mode::replace;
  o.events.cancel = &cancel;
  o.events.log = [&](log_level, const std::string& m) {
    if (m.find("created scratch database") != std::string::npos) cancel = true;
  };
  try {
    restore(o);
    FAIL("expected cancelled");
  } catch (const error& e) {
    CHECK(e.code() == errc::cancelled);
  }
  CHECK(fixture_tables(dst.name()) == 1);
  CHECK(leftover_scratch(dst.name()) == 0);
}

TEST_CASE("cancelling stops a long-running statement of a plain script on the server", "[plain][restore][matrix][pg_dump]") {
  test::temp_dir dir("plain_cancel_long");
  fs::path file = dir.path() / "slow.sql";
  write_file(file, "CREATE TABLE t (a int);\nSELECT pg_sleep(120);\nCREATE TABLE never (a int);\n");
  fresh_name dst("cancel_long");
  std::atomic<bool> cancel{false};
  auto o = options(file, dst.name);
  o.events.cancel = &cancel;
  std::atomic<bool> scratch_made{false};
  o.events.log = [&](log_level, const std::string& m) {
    if (m.find("created scratch database") != std::string::npos) scratch_made = true;
  };
  std::thread canceller([&] {
    while (!scratch_made) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    cancel = true;
  });
  auto t0 = std::chrono::steady_clock::now();
  try {
    restore(o);
    FAIL("expected cancelled");
  } catch (const error& e) {
    CHECK(e.code() == errc::cancelled);
  }
  canceller.join();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
  CHECK(scalar("postgres", fmt::format("SELECT count(*) FROM pg_database WHERE datname LIKE '{}%'", dst.name)) == 0);
}

TEST_CASE("large objects in a plain dump restore, also in one transaction", "[plain][restore][matrix][pg_dump]") {
  test::scratch_database src("plain_lo_src");
  src.psql("CREATE TABLE doc (id int, blob oid); "
           "INSERT INTO doc SELECT g, lo_from_bytea(0, convert_to(repeat('x', 1000 * g), 'UTF8')) "
           "FROM generate_series(1, 3) g");
  test::temp_dir dir("plain_lo");
  fs::path file = dir.path() / "lo.sql";
  test::run_ok(pg_dump(src.name()) + " > " + test::shell_quote(file.string()));
  REQUIRE_THAT(read_file(file), Catch::Contains("lo_open"));
  const char* check = "SELECT count(*) FROM doc WHERE length(lo_get(blob)) = 1000 * id";
  fresh_name dst("lo");
  restore(options(file, dst.name));
  CHECK(scalar(dst.name, check) == 3);
  test::scratch_database ip("plain_lo_ip");
  auto o = options(file, ip.name());
  o.mode = restore_mode::in_place;
  restore(o);
  CHECK(scalar(ip.name(), check) == 3);
}
