// PostgreSQL 17+ builds indexes with search_path = pg_catalog, pg_temp. An index through a
// function whose body calls another function without a schema cannot be built there; the
// restore must find it after pre-data, before any row is loaded, and refuse naming the
// index, the function and the call (load/index_search_path). On 14-16 the same backup
// restores. Runs on every major of the matrix.
#include "test_restore_support.hpp"

#include "pg/connection.hpp"

#include <immichbak/backup.hpp>
#include <immichbak/error.hpp>
#include <immichbak/restore.hpp>

using namespace immichbak;

namespace {

int server_major() {
  pg::connection c(test::dsn("postgres"));
  return c.server_version() / 10000;
}

std::string take_backup(const test::scratch_database& src, const test::temp_dir& dir) {
  backup_options o;
  o.dsn = src.dsn();
  o.dest_dir = dir.path();
  return backup(o).file.string();
}

}  // namespace

TEST_CASE("an index PostgreSQL 17+ cannot build is refused before any row is loaded", "[restore][matrix]") {
  test::scratch_database src("unq_src");
  // Old Immich's f_unaccent: a string body calling unaccent() unqualified. 17+ refuses to
  // create such an index (it inlines the function under the safe search path), so the
  // index is made with a qualified body that is then replaced: the state a database
  // pg_upgrade'd from 16 is in, and the rows go in with the session's ordinary search path.
  src.psql(
      "CREATE EXTENSION unaccent;"
      "CREATE FUNCTION public.f_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
      "  AS $$ SELECT public.unaccent('public.unaccent', $1) $$;"
      "CREATE TABLE public.asset (id integer PRIMARY KEY, name text);"
      "CREATE INDEX asset_name_unaccent_idx ON public.asset (public.f_unaccent(name));");
  // (Each step in a transaction of its own: in the index's transaction 17+ still inlines
  // the function under the safe search path.)
  src.psql(
      "CREATE OR REPLACE FUNCTION public.f_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
      "  AS $$ SELECT unaccent('unaccent', $1) $$;");
  src.psql(
      "INSERT INTO public.asset SELECT g, 'Café ' || g FROM generate_series(1, 50) g;"
      // Current Immich's form: an SQL-standard body, bound when created: builds everywhere.
      "CREATE FUNCTION public.f_unaccent_new(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
      "  RETURN public.unaccent('public.unaccent'::regdictionary, $1);"
      "CREATE INDEX asset_name_new_idx ON public.asset (public.f_unaccent_new(name));");
  test::temp_dir dir("unq");
  auto file = take_backup(src, dir);
  std::string target = test::unique_db("unq_dst");
  test::drop_databases cleanup{{target}};
  restore_options r;
  r.file = file;
  r.dsn = test::dsn(target);
  if (server_major() >= 17) {
    auto e = test::restore_error(r);
    std::string msg = e.what();
    INFO(msg);
    CHECK(e.code() == errc::server_version);
    CHECK(msg.find("INDEX public.asset_name_unaccent_idx") != std::string::npos);
    CHECK(msg.find("\"public\".\"f_unaccent\"(text)") == std::string::npos);  // format('%I') leaves plain names bare
    CHECK(msg.find("public.f_unaccent(text) calls unaccent() without a schema") != std::string::npos);
    CHECK(msg.find("asset_name_new_idx") == std::string::npos);
    CHECK(msg.find("Nothing was loaded") != std::string::npos);
    CHECK_FALSE(test::database_exists(target));
    // Nothing of the restore is left: no scratch database either.
    CHECK(test::databases_like(target).empty());
  } else {
    restore(r);
    CHECK(test::query_one(target, "SELECT count(*) FROM pg_indexes WHERE indexname IN "
                                  "('asset_name_unaccent_idx', 'asset_name_new_idx')") == "2");
  }
}

TEST_CASE("the index check agrees with the server about earthdistance's ll_to_earth", "[restore][matrix]") {
  // Whether ll_to_earth can run under a safe search path depends on the earthdistance
  // version the server ships: ask the server itself, and require the restore to agree.
  test::scratch_database src("earth_src");
  src.psql(
      "CREATE EXTENSION cube; CREATE EXTENSION earthdistance;"
      "CREATE TABLE public.geodata_places (id integer PRIMARY KEY, latitude double precision, longitude double precision);"
      "CREATE INDEX idx_geodata_gist_earthcoord ON public.geodata_places USING gist (public.ll_to_earth(latitude, longitude));"
      "INSERT INTO public.geodata_places SELECT g, g % 80, g % 170 FROM generate_series(1, 100) g;");
  std::string truth;
  int rc = test::run(fmt::format("psql -X -q -v ON_ERROR_STOP=1 -d {} -c {}", test::shell_quote(src.name()),
                                 test::shell_quote("SET search_path = pg_catalog, pg_temp; SELECT public.ll_to_earth(1::float8, 2::float8);")),
                     &truth);
  bool builds = server_major() < 17 || rc == 0;
  test::temp_dir dir("earth");
  auto file = take_backup(src, dir);
  std::string target = test::unique_db("earth_dst");
  test::drop_databases cleanup{{target}};
  restore_options r;
  r.file = file;
  r.dsn = test::dsn(target);
  INFO("PostgreSQL " << server_major() << ", ll_to_earth under a safe search path: " << truth);
  if (builds) {
    restore(r);
    CHECK(test::query_one(target, "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_geodata_gist_earthcoord'") == "1");
  } else {
    auto e = test::restore_error(r);
    std::string msg = e.what();
    INFO(msg);
    CHECK(e.code() == errc::server_version);
    CHECK(msg.find("INDEX public.idx_geodata_gist_earthcoord") != std::string::npos);
    CHECK(msg.find("function of extension earthdistance") != std::string::npos);
    CHECK(msg.find("ll_to_earth_public") != std::string::npos);
    CHECK_FALSE(test::database_exists(target));
  }
}
