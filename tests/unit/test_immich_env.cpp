// Immich's `.env`: compose's env-file rules, and the connection Immich's server would make
// from it (its defaults, DB_URL winning), with what the user gives winning over the file.
#include <catch2/catch.hpp>

#include "immich/env_file.hpp"
#include "pg/conninfo.hpp"
#include "support/test_env.hpp"

#include <immichbak/dsn.hpp>
#include <immichbak/error.hpp>
#include <immichbak/immich_env.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

using namespace immichbak;

namespace {

// The shape of Immich's docker/example.env, with a password set as its comment asks.
const char* immich_example_env = R"(# You can find documentation for all the supported env variables at https://docs.immich.app

# The location where your uploaded files are stored
UPLOAD_LOCATION=./library

# The location where your database files are stored
DB_DATA_LOCATION=./postgres

# TZ=Etc/UTC

# The Immich version to use. You can pin this to a specific version like "v2.1.0"
IMMICH_VERSION=v2

# Connection secret for postgres. You should change it to a random password
DB_PASSWORD=Zq8rT2mVx7LkP4

# The values below this line do not need to be changed
###################################################################################
DB_USERNAME=postgres
DB_DATABASE_NAME=immich
)";

std::map<std::string, std::string> settings(const std::string& dsn) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : pg::conninfo_parse(dsn)) m[k] = v;
  return m;
}

struct env_file {
  test::temp_dir dir{"immich_env"};
  std::filesystem::path path = dir.path() / ".env";
  explicit env_file(const std::string& text) { std::ofstream(path) << text; }
};

// Unsets PG* variables for the test's scope (the test runner may have a cluster's set).
struct clean_pg_env {
  std::map<std::string, std::string> saved;
  clean_pg_env() {
    for (const char* n : {"PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE", "PGHOSTADDR"})
      if (const char* v = std::getenv(n)) saved[n] = v, ::unsetenv(n);
  }
  ~clean_pg_env() {
    for (const auto& [k, v] : saved) ::setenv(k.c_str(), v.c_str(), 1);
  }
};

}  // namespace

TEST_CASE("immich env file: compose's rules for comments, quotes, export and interpolation", "[immich_env]") {
  auto v = immich::parse_env_file("# comment\n"
                                  "\n"
                                  "export A=plain\n"
                                  "B = spaced value  # inline comment\n"
                                  "C=pass#word\n"
                                  "D='single $A # not a comment'\n"
                                  "E=\"double \\\"q\\\" \\\\ ${A} $A\\n\" # comment\n"
                                  "F=${A}-x\n"
                                  "G=${UNSET_IMMICHBAK_TEST_VAR:-fallback}\n"
                                  "H=cost$$5\n"
                                  "I=\r\n"
                                  "J=\"\\$A\"\n",
                                  ".env");
  CHECK(v["A"] == "plain");
  CHECK(v["B"] == "spaced value");
  CHECK(v["C"] == "pass#word");
  CHECK(v["D"] == "single $A # not a comment");
  CHECK(v["E"] == "double \"q\" \\ plain plain\n");
  CHECK(v["F"] == "plain-x");
  CHECK(v["G"] == "fallback");
  CHECK(v["H"] == "cost$5");
  CHECK(v["I"].empty());
  CHECK(v["J"] == "$A");
  CHECK(immich::parse_env_file("\xEF\xBB\xBF" "K=v\n", "x").at("K") == "v");
}

TEST_CASE("immich env file: a bad line is named by number, its value never shown", "[immich_env]") {
  auto message = [](const std::string& text) {
    try {
      immich::parse_env_file(text, "/srv/immich/.env");
    } catch (const error& e) {
      CHECK(e.code() == errc::invalid_argument);
      return std::string(e.what());
    }
    FAIL("accepted: " << text);
    return std::string();
  };
  auto m = message("A=1\nDB_PASSWORD='hunter2-unterminated\n");
  CHECK(m.find("/srv/immich/.env line 2") != std::string::npos);
  CHECK(m.find("DB_PASSWORD") != std::string::npos);
  CHECK(m.find("hunter2") == std::string::npos);
  m = message("hunter2secret\n");
  CHECK(m.find("line 1") != std::string::npos);
  CHECK(m.find("hunter2") == std::string::npos);
  m = message("DB_PASSWORD=\"hunter2\" trailing\n");
  CHECK(m.find("hunter2") == std::string::npos);
  CHECK(message("1BAD=x\n").find("name") != std::string::npos);
}

TEST_CASE("immich env: Immich's example .env gives Immich's own connection", "[immich_env]") {
  clean_pg_env clean;
  env_file f(immich_example_env);
  auto c = connection_from_immich_env(f.path);
  auto s = settings(c.dsn);
  CHECK(s["host"] == "database");  // the compose service name, as Immich's server uses it
  CHECK(s["port"] == "5432");
  CHECK(s["user"] == "postgres");
  CHECK(s["password"] == "Zq8rT2mVx7LkP4");
  CHECK(s["dbname"] == "immich");
  CHECK(c.used == std::vector<std::string>{"DB_USERNAME", "DB_PASSWORD", "DB_DATABASE_NAME"});
  REQUIRE(c.defaults.size() == 2);
  CHECK(c.defaults[0] == "host=database (DB_HOSTNAME unset)");
  CHECK(c.defaults[1] == "port=5432 (DB_PORT unset)");
  CHECK(redact_dsn(c.dsn).find("Zq8rT2mVx7LkP4") == std::string::npos);

  // Immich's `||`: an empty DB_PASSWORD is its default, named but not shown.
  env_file empty("DB_PASSWORD=\nDB_HOSTNAME=10.0.0.5\n");
  auto e = connection_from_immich_env(empty.path);
  CHECK(settings(e.dsn)["password"] == "postgres");
  CHECK(e.defaults == std::vector<std::string>{"port=5432 (DB_PORT unset)", "user=postgres (DB_USERNAME unset)",
                                               "password: Immich's default (DB_PASSWORD unset)",
                                               "dbname=immich (DB_DATABASE_NAME unset)"});
}

TEST_CASE("immich env: DB_URL wins over the parts, as in Immich", "[immich_env]") {
  clean_pg_env clean;
  env_file f("DB_URL=postgresql://immich:p%40ss%20word@db.lan:5433/photos?sslmode=require\n"
             "DB_HOSTNAME=ignored\nDB_PASSWORD=ignored\n");
  auto c = connection_from_immich_env(f.path);
  auto s = settings(c.dsn);
  CHECK(s["host"] == "db.lan");
  CHECK(s["port"] == "5433");
  CHECK(s["user"] == "immich");
  CHECK(s["password"] == "p@ss word");
  CHECK(s["dbname"] == "photos");
  CHECK(s["sslmode"] == "require");
  CHECK(c.used == std::vector<std::string>{"DB_URL"});

  env_file bad("DB_URL=postgresql://u:hunter2@[bad\n");
  try {
    connection_from_immich_env(bad.path);
    FAIL("a broken DB_URL was accepted");
  } catch (const error& ex) {
    CHECK(ex.code() == errc::invalid_argument);
    CHECK(std::string(ex.what()).find("DB_URL") != std::string::npos);
    CHECK(std::string(ex.what()).find("hunter2") == std::string::npos);
  }
}

TEST_CASE("immich env: the connection string and PG* variables given too win over the file", "[immich_env]") {
  clean_pg_env clean;
  env_file f(immich_example_env);
  ::setenv("PGHOST", "127.0.0.1", 1);
  ::setenv("PGPORT", "15432", 1);
  auto c = connection_from_immich_env(f.path, "dbname=immich_restored user=admin");
  ::unsetenv("PGHOST");
  ::unsetenv("PGPORT");
  auto s = settings(c.dsn);
  CHECK(s.count("host") == 0);  // left to libpq, which reads PGHOST
  CHECK(s.count("port") == 0);
  CHECK(s["dbname"] == "immich_restored");
  CHECK(s["user"] == "admin");
  CHECK(s["password"] == "Zq8rT2mVx7LkP4");
  CHECK(c.overridden == std::vector<std::string>{"host (PGHOST)", "port (PGPORT)", "user (the connection string)",
                                                 "dbname (the connection string)"});
  // A bare word is a database name (as psql and libpq take it); a URI's settings win too.
  CHECK(settings(connection_from_immich_env(f.path, "other").dsn)["dbname"] == "other");
  auto u = settings(connection_from_immich_env(f.path, "postgresql://h2:6000/x").dsn);
  CHECK(u["host"] == "h2");
  CHECK(u["port"] == "6000");
  CHECK(u["dbname"] == "x");
  CHECK(u["password"] == "Zq8rT2mVx7LkP4");
}

TEST_CASE("immich env: a missing file is refused with what to give instead", "[immich_env]") {
  try {
    connection_from_immich_env("/nonexistent/immich/.env");
    FAIL("accepted a missing file");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_argument);
    CHECK(std::string(e.what()).find("/nonexistent/immich/.env") != std::string::npos);
    CHECK(std::string(e.what()).find("docker-compose.yml") != std::string::npos);
  }
}

TEST_CASE("conninfo: values are quoted for libpq and read back the same", "[immich_env]") {
  pg::conninfo_settings s{{"password", "it's a \\ pass\nword"}, {"host", "h"}, {"password", "last"}, {"user", ""}};
  auto text = pg::conninfo_string(s);
  auto back = settings(text);
  CHECK(back["password"] == "last");
  CHECK(back["host"] == "h");
  CHECK(back["user"].empty());
  CHECK(settings(pg::conninfo_string({{"password", "it's a \\ pass\nword"}}))["password"] == "it's a \\ pass\nword");
}
