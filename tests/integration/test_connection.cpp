#include <catch2/catch.hpp>

#include "pg/connection.hpp"
#include "support/test_env.hpp"

#include <immichbak/error.hpp>

using namespace immichbak;

TEST_CASE("connects to the throwaway cluster and reports its version", "[pg][matrix]") {
  test::scratch_database db("conn");
  pg::connection c(db.dsn());
  CHECK(c.server_version() >= 120000);
  CHECK(c.database() == db.name());
  auto r = c.exec("SELECT 1 AS one, NULL::text AS nothing");
  CHECK(r.i64(0, r.column("one")) == 1);
  CHECK(r.is_null(0, 1));
}

TEST_CASE("the dbname override replaces the database of a DSN", "[pg][matrix]") {
  test::scratch_database db("override");
  pg::connection c(test::dsn("postgres"), db.name());
  CHECK(c.database() == db.name());
}

TEST_CASE("server errors keep their SQLSTATE", "[pg][matrix]") {
  test::scratch_database db("sqlstate");
  pg::connection c(db.dsn());
  try {
    c.exec("SELECT * FROM no_such_table");
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::query_failed);
    CHECK(e.sqlstate() == "42P01");
  }
}

TEST_CASE("COPY streams out and back in", "[pg][matrix]") {
  test::scratch_database db("copy");
  pg::connection c(db.dsn());
  c.exec("CREATE TABLE t (id int, s text); INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 1000) g");
  std::string data;
  auto n = c.copy_out("COPY t TO STDOUT", [&](std::string_view row) { data += row; });
  CHECK(n == 1000);
  c.exec("CREATE TABLE u (id int, s text)");
  c.copy_in_start("COPY u FROM STDIN");
  c.copy_in_put(data);
  CHECK(c.copy_in_finish() == 1000);
  CHECK(c.exec("SELECT count(*) FROM u").i64(0, 0) == 1000);
}

TEST_CASE("a connection failure names the target without its password", "[pg][matrix]") {
  test::require_cluster();
  try {
    pg::connection c("host=127.0.0.1 port=1 user=x password=hunter2 dbname=nope connect_timeout=2");
    FAIL("expected a connection failure");
  } catch (const error& e) {
    CHECK(e.code() == errc::connection_failed);
    CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
  }
}
