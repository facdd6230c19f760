// pg_dumpall cluster dumps: restored only into databases that do not exist yet (created
// fresh, roles created when missing, everything dropped again on failure), or one of
// their databases alone when the connection string names it.
//
// The dump comes from a small cluster of its own (pg_dumpall takes every database of a
// cluster, and the test cluster is shared); database and role names are unique per run.

#include <catch2/catch.hpp>

#include "pg/connection.hpp"
#include "support/test_env.hpp"

#include <immichbak/error.hpp>
#include <immichbak/restore.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace immichbak;
namespace fs = std::filesystem;

namespace {

// A throwaway source cluster, started once for this file's tests.
struct source_cluster {
  fs::path dir;
  std::string env;  // "PGHOST=... PGPORT=... PGUSER=postgres" for shell commands

  source_cluster() {
    char tmpl[] = "/tmp/immichbak-src-XXXXXX";
    dir = ::mkdtemp(tmpl);
    fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
    test::run_ok(fmt::format("{} start {} --fast", (test::source_dir() / "tests/pg/pg-cluster.sh").string(),
                             test::shell_quote(dir.string())));
    std::ifstream in(dir / "env");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("PGHOST=", 0) == 0 || line.rfind("PGPORT=", 0) == 0 || line.rfind("PGUSER=", 0) == 0)
        env += line + " ";
  }
  ~source_cluster() {
    std::string out;
    test::run(fmt::format("{} stop {}", (test::source_dir() / "tests/pg/pg-cluster.sh").string(),
                          test::shell_quote(dir.string())),
              &out);
    fs::remove_all(dir);
  }
  std::string psql(const std::string& db, const std::string& sql) const {
    return test::run_ok(fmt::format("env {} psql -X -q -v ON_ERROR_STOP=1 -d {} -c {}", env, test::shell_quote(db),
                                    test::shell_quote(sql)));
  }
  std::string shell(const std::string& cmd) const { return test::run_ok(fmt::format("env {} {}", env, cmd)); }
};

struct names {
  std::string one, two, owner;
  names() {
    static int n = 0;
    std::string base = fmt::format("pda_{}_{}", ::getpid(), n++);
    one = base + "_one";
    two = base + "_Two";  // needs quoting: \connect -reuse-previous=on "dbname='...'"
    owner = base + "_owner";
  }
};

// Drops what a cluster restore may have created on the shared test cluster.
struct cleanup {
  const names& n;
  explicit cleanup(const names& names_) : n(names_) {}
  ~cleanup() {
    std::string out;
    for (const auto& db : {n.one, n.two})
      test::run(fmt::format("psql -X -q -d postgres -c {}",
                            test::shell_quote(fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", db))),
                &out);
    test::run(fmt::format("psql -X -q -d postgres -c {}",
                          test::shell_quote(fmt::format("DROP ROLE IF EXISTS \"{}\"", n.owner))),
              &out);
  }
};

std::int64_t scalar(const std::string& db, const std::string& sql) {
  pg::connection c(test::dsn(db));
  return c.exec(sql).i64(0, 0);
}

bool db_exists(const std::string& db) {
  return scalar("postgres", fmt::format("SELECT count(*) FROM pg_database WHERE datname = '{}'", db)) == 1;
}
bool role_exists(const std::string& r) {
  return scalar("postgres", fmt::format("SELECT count(*) FROM pg_roles WHERE rolname = '{}'", r)) == 1;
}

// Two small databases, one owned by a role of its own, one with a table owned by it.
void populate(const source_cluster& sc, const names& n) {
  sc.psql("postgres", fmt::format("CREATE ROLE \"{}\" LOGIN", n.owner));
  sc.psql("postgres", fmt::format("CREATE DATABASE \"{}\"", n.one));
  sc.psql("postgres", fmt::format("CREATE DATABASE \"{}\" OWNER \"{}\"", n.two, n.owner));
  sc.psql(n.one, "CREATE TABLE t (id int PRIMARY KEY, s text); INSERT INTO t SELECT g, 'row ' || g FROM "
                 "generate_series(1, 500) g; CREATE INDEX ON t (s)");
  sc.psql(n.two, fmt::format("CREATE EXTENSION pg_trgm; CREATE TABLE u (id bigint GENERATED ALWAYS AS IDENTITY, "
                             "v jsonb); INSERT INTO u (v) SELECT jsonb_build_object('k', g) FROM generate_series(1, "
                             "50) g; ALTER TABLE u OWNER TO \"{}\"; COMMENT ON DATABASE \"{}\" IS 'second'",
                             n.owner, n.two));
  sc.psql(n.two, fmt::format("ALTER DATABASE \"{}\" SET work_mem = '7MB'", n.two));
}

std::string rows(const std::string& db, const std::string& table) {
  return test::run_ok(fmt::format("psql -X -At -d {} -c {}", test::shell_quote(db),
                                  test::shell_quote(fmt::format("SELECT * FROM {} ORDER BY 1", table))));
}

// One source cluster for all tests of this file in one process (ctest runs each test in
// its own process, so each starts one); dumps are made when first asked for.
struct dumps {
  source_cluster sc;
  names n;
  test::temp_dir dir{"cluster_dumps"};
  std::string expected_t;
  dumps() {
    populate(sc, n);
    expected_t = sc.shell(fmt::format("psql -X -At -d {} -c 'SELECT * FROM t ORDER BY 1'", n.one));
  }
  // `pg_dumpall ARGS | FILTER > dir/NAME`, once
  fs::path dump(const std::string& name, const std::string& args, const std::string& filter = "cat") {
    fs::path p = dir.path() / name;
    if (!fs::exists(p)) sc.shell(fmt::format("pg_dumpall {} | {} > {}", args, filter, test::shell_quote(p.string())));
    return p;
  }
  fs::path plain() { return dump("all.sql", ""); }
  fs::path clean_gz() { return dump("all-clean.sql.gz", "--clean --if-exists", "gzip"); }
  fs::path clean_zst() { return dump("all-clean.sql.zst", "--clean --if-exists", "zstd -q"); }
  // What pg_dumpall 15+ writes for a PostgreSQL 14 cluster: every database, template1 and
  // postgres included, restates its public schema's 14-style owner and privileges.
  fs::path older_server() {
    return dump("all-from-14.sql", "",
                "sed -e '/^\\\\connect \\(template1\\|postgres\\)$/a ALTER SCHEMA public OWNER TO postgres;"
                "\\nREVOKE USAGE ON SCHEMA public FROM PUBLIC;\\nGRANT ALL ON SCHEMA public TO PUBLIC;'");
  }
};

dumps& the_dumps() {
  test::require_cluster();
  static dumps d;
  return d;
}

restore_options options(const fs::path& file, const std::string& db) {
  restore_options o;
  o.file = file;
  o.dsn = test::dsn(db);
  return o;
}

}  // namespace

// [same_major]: the dump's CREATE DATABASE statements are pg_dumpall's (Debian's 15) and load
// only into a server of its own major or newer (15's LOCALE_PROVIDER is unknown to 14).
TEST_CASE("a pg_dumpall cluster dump creates its databases and roles", "[plain][cluster][matrix][pg_dump][same_major]") {
  dumps& d = the_dumps();
  cleanup c(d.n);
  const std::string public_acl = "SELECT coalesce(nspacl::text, '') || nspowner::regrole::text FROM pg_namespace "
                                 "WHERE nspname = 'public'";
  const std::string template1_before = test::run_ok(
      fmt::format("psql -X -At -d template1 -c {}", test::shell_quote(public_acl)));
  for (const fs::path& f : {d.plain(), d.clean_gz(), d.older_server()}) {
    INFO(f.string());
    REQUIRE(!db_exists(c.n.one));
    restore_result r = restore(options(f, "postgres"));
    CHECK(r.plain_sql);
    CHECK_THAT(r.database, Catch::Contains(c.n.one) && Catch::Contains(c.n.two));
    CHECK(r.tables == 2);
    CHECK(r.rows == 550);
    CHECK(rows(c.n.one, "t") == d.expected_t);
    CHECK(scalar(c.n.two, "SELECT count(*) FROM u") == 50);
    CHECK(role_exists(c.n.owner));
    CHECK(scalar("postgres", fmt::format("SELECT count(*) FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba "
                                         "WHERE d.datname = '{}' AND r.rolname = '{}'",
                                         c.n.two, c.n.owner)) == 1);
    CHECK(scalar(c.n.two, fmt::format("SELECT count(*) FROM pg_tables WHERE tablename = 'u' AND tableowner = '{}'",
                                      c.n.owner)) == 1);
    CHECK(scalar(c.n.two, "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase "
                          "WHERE d.datname = current_database() AND 'work_mem=7MB' = ANY (s.setconfig)") == 1);
    CHECK(scalar(c.n.two, "SELECT count(*) FROM pg_database d WHERE d.datname = current_database() AND "
                          "shobj_description(d.oid, 'pg_database') = 'second'") == 1);
    // the server's own superuser and databases are untouched (--clean's DROP ROLE/DATABASE left out)
    CHECK(role_exists("postgres"));
    CHECK(db_exists("template1"));
    // template1's public-schema statements (all-from-14.sql) are left out: it existed
    CHECK(test::run_ok(fmt::format("psql -X -At -d template1 -c {}", test::shell_quote(public_acl))) ==
          template1_before);

    // a second time: its databases exist now, so it is refused and nothing changes
    try {
      restore(options(f, "postgres"));
      FAIL("expected target_not_empty");
    } catch (const error& e) {
      CHECK(e.code() == errc::target_not_empty);
      CHECK_THAT(e.what(), Catch::Contains(c.n.one));
    }
    CHECK(rows(c.n.one, "t") == d.expected_t);
    // start over for the next file
    test::run_ok(fmt::format("psql -X -q -d postgres -c 'DROP DATABASE \"{}\"' -c 'DROP DATABASE \"{}\"' -c 'DROP "
                             "ROLE \"{}\"'",
                             c.n.one, c.n.two, c.n.owner));
  }
}

TEST_CASE("naming one database of a cluster dump restores only that one", "[plain][cluster][matrix][pg_dump]") {
  dumps& d = the_dumps();
  cleanup c(d.n);
  restore_result r = restore(options(d.clean_zst(), c.n.two));
  CHECK(r.database == c.n.two);
  CHECK(r.rows == 50);
  CHECK(db_exists(c.n.two));
  CHECK(!db_exists(c.n.one));
  CHECK(role_exists(c.n.owner));  // the table's owner was missing: created
  CHECK(scalar(c.n.two, "SELECT count(*) FROM u") == 50);
  CHECK(scalar(c.n.two, fmt::format("SELECT count(*) FROM pg_tables WHERE tablename = 'u' AND tableowner = '{}'",
                                    c.n.owner)) == 1);
  CHECK(scalar(c.n.two, "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase "
                        "WHERE d.datname = current_database() AND 'work_mem=7MB' = ANY (s.setconfig)") == 1);

  // again over the now non-empty database: refused without --replace, swapped with it
  CHECK_THROWS_AS(restore(options(d.clean_zst(), c.n.two)), error);
  auto o = options(d.clean_zst(), c.n.two);
  o.mode = restore_mode::replace_drop_old;
  restore_result r2 = restore(o);
  CHECK(!r2.kept_old_database);
  CHECK(scalar(c.n.two, "SELECT count(*) FROM u") == 50);
}

TEST_CASE("a failing cluster dump drops the databases and roles it created", "[plain][cluster][matrix][pg_dump][same_major]") {
  dumps& d = the_dumps();
  cleanup c(d.n);
  std::string sql;
  {
    std::ifstream in(d.plain(), std::ios::binary);
    sql.assign(std::istreambuf_iterator<char>(in), {});
  }
  // break the second database's data: a row the table rejects
  std::string marker = "COPY public.u (id, v) FROM stdin;\n";
  std::size_t at = sql.find(marker);
  REQUIRE(at != std::string::npos);
  sql.insert(at + marker.size(), "not-a-number\t{}\n");
  test::temp_dir dir("cluster_fail");
  fs::path file = dir.path() / "broken.sql";
  std::ofstream(file, std::ios::binary) << sql;

  try {
    restore(options(file, "postgres"));
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::query_failed);
    CHECK_THAT(e.what(), Catch::Contains("COPY at line") && Catch::Contains("dropped again"));
  }
  CHECK(!db_exists(c.n.one));
  CHECK(!db_exists(c.n.two));
  CHECK(!role_exists(c.n.owner));
  CHECK(role_exists("postgres"));
}
