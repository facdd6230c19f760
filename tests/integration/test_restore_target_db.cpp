// The target-database lifecycle of a restore: inspect, scratch, swap, stale cleanup.
#include "load/target_db.hpp"

#include <immichbak/error.hpp>

#include "pg/connection.hpp"
#include "support/test_env.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace immichbak;
using namespace immichbak::load;

namespace {

bool db_exists(const std::string& name) {
  pg::connection c(test::dsn("postgres"));
  return c.exec("SELECT 1 FROM pg_database WHERE datname = $1", {name}).rows() == 1;
}

std::string scalar(const std::string& db, const std::string& sql) {
  pg::connection c(test::dsn(db));
  return c.exec(sql).str(0, 0);
}

// Drops databases a test created under other names (kept/scratch) when it ends.
struct drop_later {
  std::vector<std::string> names;
  ~drop_later() {
    try {
      pg::connection c(test::dsn("postgres"));
      for (const auto& n : names) c.exec("DROP DATABASE IF EXISTS \"" + n + "\" WITH (FORCE)");
    } catch (...) {
    }
  }
};

}  // namespace

TEST_CASE("restore names: scratch, kept and their recognition", "[restore][target_db]") {
  CHECK(scratch_name("immich", "20240102T030405", 4242) == "immich__immichbak_20240102T030405_4242");
  CHECK(kept_name("immich", "20240102T030405") == "immich_before_restore_20240102T030405");
  std::string longname(60, 'x');
  auto s = scratch_name(longname, "20240102T030405", 4242);
  CHECK(s.size() <= 63);
  CHECK(s.find("__immichbak_20240102T030405_4242") != std::string::npos);
  CHECK(scratch_owner_pid(s, longname) == 4242);
  CHECK(scratch_owner_pid(scratch_name(longname, "20240102T030405", 7, "_old"), longname) == 7);
  CHECK_FALSE(scratch_owner_pid(s, "other").has_value());
  CHECK_FALSE(scratch_owner_pid("immich", "immich").has_value());
  CHECK_FALSE(scratch_owner_pid("immich__immichbak_2024_1", "immich").has_value());
  // UTF-8: never split a multi-byte sequence ("é" is 2 bytes)
  std::string accented;
  for (int i = 0; i < 40; ++i) accented += "\xc3\xa9";
  auto u = scratch_name(accented, "20240102T030405", 1);
  CHECK(u.size() <= 63);
  CHECK((static_cast<unsigned char>(u[u.find("__immichbak_") - 1]) & 0xC0) != 0xC0);
  CHECK(scratch_owner_pid(u, accented) == 1);
  CHECK(utc_timestamp().size() == 15);
}

TEST_CASE("target_db inspects absent, empty and non-empty targets", "[restore][target_db]") {
  test::require_cluster();
  {
    target_db t(test::dsn("no_such_db_for_inspect"));
    CHECK(t.name() == "no_such_db_for_inspect");
    auto st = t.inspect();
    CHECK_FALSE(st.exists);
    CHECK(st.empty);
  }
  test::scratch_database db("inspect");
  {
    target_db t(db.dsn());
    auto st = t.inspect();
    CHECK(st.exists);
    CHECK(st.empty);
    CHECK(st.encoding == "UTF8");
  }
  // extension members and the public schema do not count
  db.psql("CREATE EXTENSION pg_trgm");
  CHECK(target_db(db.dsn()).inspect().empty);
  db.psql("CREATE SCHEMA s; CREATE TABLE s.t (id int); CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'select 1'");
  auto st = target_db(db.dsn()).inspect(2);
  CHECK_FALSE(st.empty);
  CHECK(st.object_count == 3);
  REQUIRE(st.objects.size() == 2);
  CHECK(st.objects[0] == "schema s");
  CHECK(st.objects[1] == "table s.t");
  try {
    throw_not_empty(db.name(), st);
  } catch (const error& e) {
    CHECK(e.code() == errc::target_not_empty);
    std::string m = e.what();
    CHECK(m.find(db.name()) != std::string::npos);
    CHECK(m.find("table s.t") != std::string::npos);
    CHECK(m.find("1 more") != std::string::npos);
    CHECK(m.find("--replace") != std::string::npos);
  }
}

TEST_CASE("swap into an absent target renames the scratch database", "[restore][target_db]") {
  test::require_cluster();
  std::string target = fmt::format("t_swap_absent_{}", ::getpid());
  drop_later cleanup{{target}};
  target_db t(test::dsn(target));
  auto st = t.inspect();
  std::string scratch = t.create_scratch(st, "UTF8");
  CHECK(scratch_owner_pid(scratch, target) == t.owner_pid());
  { pg::connection c(test::dsn(scratch)); c.exec("CREATE TABLE marker (v text); INSERT INTO marker VALUES ('new')"); }
  auto r = t.swap(scratch, {});
  CHECK(r.what == swap_result::kind::created);
  CHECK_FALSE(r.kept_old);
  CHECK(scalar(target, "SELECT v FROM marker") == "new");
  CHECK_FALSE(db_exists(scratch));
}

TEST_CASE("swap over an empty target drops the old empty database", "[restore][target_db]") {
  test::scratch_database db("swapempty");
  target_db t(db.dsn());
  std::string scratch = t.create_scratch(t.inspect(), "");
  { pg::connection c(test::dsn(scratch)); c.exec("CREATE TABLE marker (v text); INSERT INTO marker VALUES ('new')"); }
  auto r = t.swap(scratch, {});
  CHECK(r.what == swap_result::kind::replaced_empty);
  CHECK(r.warnings.empty());
  CHECK(scalar(db.name(), "SELECT v FROM marker") == "new");
  pg::connection c(test::dsn("postgres"));
  CHECK(c.exec("SELECT 1 FROM pg_database WHERE datname LIKE $1", {db.name() + "\\_\\_immichbak%"}).rows() == 0);
}

TEST_CASE("swap over a non-empty target needs replace and keeps the old one", "[restore][target_db]") {
  test::scratch_database db("swapfull");
  db.psql("CREATE TABLE marker (v text); INSERT INTO marker VALUES ('old')");
  drop_later cleanup;
  target_db t(db.dsn());
  auto st = t.inspect();
  std::string scratch = t.create_scratch(st, "UTF8");
  cleanup.names.push_back(scratch);
  { pg::connection c(test::dsn(scratch)); c.exec("CREATE TABLE marker (v text); INSERT INTO marker VALUES ('new')"); }

  SECTION("refused without replace; nothing renamed") {
    REQUIRE_THROWS_AS(t.swap(scratch, {}), error);
    try {
      t.swap(scratch, {});
    } catch (const error& e) {
      CHECK(e.code() == errc::target_not_empty);
    }
    CHECK(scalar(db.name(), "SELECT v FROM marker") == "old");
    CHECK(db_exists(scratch));
  }
  SECTION("refused while somebody is connected; nothing renamed") {
    pg::connection app(db.dsn());
    try {
      t.swap(scratch, {true, false});
      FAIL("swap should refuse a target in use");
    } catch (const error& e) {
      CHECK(e.code() == errc::target_in_use);
      CHECK(std::string(e.what()).find(fmt::format("pid {}", app.backend_pid())) != std::string::npos);
    }
    CHECK(scalar(db.name(), "SELECT v FROM marker") == "old");
    CHECK(db_exists(scratch));
  }
  SECTION("replace keeps the old database") {
    auto r = t.swap(scratch, {true, false});
    CHECK(r.what == swap_result::kind::replaced);
    REQUIRE(r.kept_old);
    cleanup.names.push_back(*r.kept_old);
    CHECK(r.kept_old->rfind(db.name() + "_before_restore_", 0) == 0);
    CHECK(scalar(db.name(), "SELECT v FROM marker") == "new");
    CHECK(scalar(*r.kept_old, "SELECT v FROM marker") == "old");
  }
  SECTION("replace with drop_old drops it") {
    auto r = t.swap(scratch, {true, true});
    CHECK_FALSE(r.kept_old);
    CHECK(r.warnings.empty());
    CHECK(scalar(db.name(), "SELECT v FROM marker") == "new");
    pg::connection c(test::dsn("postgres"));
    CHECK(c.exec("SELECT 1 FROM pg_database WHERE datname LIKE $1", {db.name() + "\\_before\\_restore%"}).rows() == 0);
  }
}

TEST_CASE("stale scratch databases of dead restores are dropped, live ones kept", "[restore][target_db]") {
  test::require_cluster();
  std::string target = fmt::format("t_stale_{}", ::getpid());
  drop_later cleanup;
  pg::connection admin(test::dsn("postgres"));
  // a dead owner: a pid no backend has
  auto dead_pid = admin.exec("SELECT (SELECT max(pid) FROM pg_stat_activity) + 100000").i64(0, 0);
  std::string dead = scratch_name(target, "20200101T000000", static_cast<int>(dead_pid));
  std::string live = scratch_name(target, "20200101T000000", admin.backend_pid());
  std::string other = scratch_name("someone_else", "20200101T000000", static_cast<int>(dead_pid));
  cleanup.names = {dead, live, other};
  for (const auto& n : cleanup.names) admin.exec("CREATE DATABASE \"" + n + "\"");
  target_db t(test::dsn(target));
  auto dropped = t.drop_stale_scratch();
  REQUIRE(dropped.size() == 1);
  CHECK(dropped[0] == dead);
  CHECK_FALSE(db_exists(dead));
  CHECK(db_exists(live));
  CHECK(db_exists(other));
}

TEST_CASE("drop_database forces out sessions of a scratch database", "[restore][target_db]") {
  test::require_cluster();
  std::string target = fmt::format("t_dropforce_{}", ::getpid());
  target_db t(test::dsn(target));
  std::string scratch = t.create_scratch(t.inspect(), "UTF8");
  pg::connection worker(test::dsn(scratch));
  CHECK(t.drop_database(scratch).empty());
  CHECK_FALSE(db_exists(scratch));
}
