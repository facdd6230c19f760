// Moving Immich to a newer PostgreSQL (the "upgrade or migration" disaster scenario): a
// backup taken on 14, the server Immich's docker-compose ships, restores exactly into 15,
// 16, 17 and 18: rows by content, and the schema equal to the same schema created natively
// on the target major (compared through the target's own deparsers: 16+ writes views
// differently from 14/15, so comparing with the source's text would be wrong). A restore
// into an older major is refused before anything is touched.
//
// Needs clusters of several majors at once: CTest runs these tests (tag [cross]) with every
// matrix fixture and IMMICHBAK_TEST_PGENV_<major> naming each cluster's env file.
#include "test_restore_support.hpp"

#include <immichbak/backup.hpp>
#include <immichbak/error.hpp>
#include <immichbak/restore.hpp>

#include <cstdlib>
#include <fstream>

using namespace immichbak;

namespace {

/// Points PGHOST/PGPORT (and so test::dsn, scratch_database and psql) at the test cluster
/// of one major while it lives.
class on_cluster {
 public:
  explicit on_cluster(int major) {
    test::require_cluster();
    saved_host_ = std::getenv("PGHOST");
    saved_port_ = std::getenv("PGPORT");
    std::string var = fmt::format("IMMICHBAK_TEST_PGENV_{}", major);
    const char* file = std::getenv(var.c_str());
    if (!file) throw std::runtime_error(var + " is not set: run the [cross] tests through ctest (label cross)");
    std::ifstream in(file);
    if (!in) throw std::runtime_error(fmt::format("{}: cannot read {} (the PostgreSQL {} cluster did not start?)", var, file, major));
    std::string line;
    while (std::getline(in, line)) {
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string key = line.substr(0, eq);
      if (key == "PGHOST" || key == "PGPORT") ::setenv(key.c_str(), line.substr(eq + 1).c_str(), 1);
    }
    std::string v = test::run_ok("psql -X -At -d postgres -c 'SHOW server_version_num'");
    if (std::stoi(v) / 10000 != major) throw std::runtime_error(fmt::format("{} names a {} server", var, v));
  }
  ~on_cluster() {
    ::setenv("PGHOST", saved_host_.c_str(), 1);
    ::setenv("PGPORT", saved_port_.c_str(), 1);
  }
  on_cluster(const on_cluster&) = delete;
  on_cluster& operator=(const on_cluster&) = delete;

 private:
  std::string saved_host_, saved_port_;
};

/// What the test adds to the Immich-shaped fixture: the exactness cases of issue 11 that
/// exist on every major from 14 (constraint index storage parameters, an integer identity
/// column with a bigint sequence, a column option).
constexpr const char* extra_schema =
    "CREATE TABLE public.c_opts (id integer, code text, extra text, "
    "  CONSTRAINT c_opts_pkey PRIMARY KEY (id) WITH (fillfactor = 100), "
    "  CONSTRAINT c_opts_code_key UNIQUE (code) INCLUDE (extra) WITH (fillfactor = 90) DEFERRABLE);"
    "CREATE TABLE public.narrow_ident (id integer GENERATED ALWAYS AS IDENTITY, v text);"
    "ALTER SEQUENCE public.narrow_ident_id_seq AS bigint MAXVALUE 2147483647;"
    "ALTER TABLE public.c_opts ALTER COLUMN code SET (n_distinct = 50);";

void load_source(const test::scratch_database& db) {
  test::load_immich_fixture(db, 30);
  db.psql(extra_schema);
  db.psql("INSERT INTO public.narrow_ident (v) SELECT 'v' || g FROM generate_series(1, 20) g;"
          "INSERT INTO public.c_opts SELECT g, 'c' || g, 'e' FROM generate_series(1, 20) g;");
}

/// Takes the line "schema public: ..." out of a catalog_schema() text and returns it. The
/// public schema keeps the source's owner and privileges (pg_dump does the same): from 14
/// that is owner postgres with CREATE for PUBLIC, where a database made natively on 15+ has
/// pg_database_owner and USAGE only.
std::string take_public_schema_line(std::string& schema) {
  auto at = schema.find("\nschema public: ");
  if (at == std::string::npos) return "<none>";
  auto end = schema.find('\n', at + 1);
  std::string line = schema.substr(at + 1, end - at - 1);
  schema.erase(at, end - at);
  return line;
}

std::filesystem::path backup_on(int major, const test::temp_dir& dir, std::string* rows,
                                std::string* public_schema = nullptr) {
  on_cluster on(major);
  test::scratch_database src(fmt::format("cross{}", major));
  load_source(src);
  backup_options o;
  o.dsn = src.dsn();
  o.dest_dir = dir.path();
  auto result = backup(o);
  *rows = test::data_dump(src.name());
  if (public_schema) {
    std::string schema = test::catalog_schema(src.name());
    *public_schema = take_public_schema_line(schema);
  }
  return result.file;
}

}  // namespace

TEST_CASE("a backup taken on PostgreSQL 14 restores exactly into 15, 16, 17 and 18", "[.cross]") {
  test::temp_dir dir("cross14");
  std::string source_rows, source_public;
  auto file = backup_on(14, dir, &source_rows, &source_public);
  CHECK_THAT(source_public, Catch::Contains("owner=postgres"));
  REQUIRE(source_rows.size() > 1000);
  for (int major : {15, 16, 17, 18}) {
    DYNAMIC_SECTION("into PostgreSQL " << major) {
      on_cluster on(major);
      std::string target = test::unique_db(fmt::format("from14_to{}", major));
      test::drop_databases cleanup{{target}};
      restore_options r;
      r.file = file;
      r.dsn = test::dsn(target);
      r.jobs = 2;
      auto result = restore(r);
      for (const auto& w : result.warnings) UNSCOPED_INFO("restore warning: " << w);
      CHECK(test::data_dump(target) == source_rows);
      // The same schema, created natively on this major.
      test::scratch_database native(fmt::format("native{}", major));
      load_source(native);
      std::string want = test::catalog_schema(native.name()), got = test::catalog_schema(target);
      CHECK(take_public_schema_line(got) == source_public);
      take_public_schema_line(want);
      INFO("schema restored from 14 differs from the native one on " << major << " (- native, + restored)");
      CHECK(!want.empty());
      CHECK(test::unified_diff(want, got) == "");
      CHECK(test::query_one(target, "SELECT data_type FROM pg_sequences WHERE sequencename = 'narrow_ident_id_seq'") == "bigint");
    }
  }
}

TEST_CASE("a restore into an older major than the backup's is refused before anything is touched", "[.cross]") {
  test::temp_dir dir("cross16");
  std::string rows;
  auto file = backup_on(16, dir, &rows);
  on_cluster on(14);
  std::string target = test::unique_db("from16_to14");
  test::drop_databases cleanup{{target}};
  restore_options r;
  r.file = file;
  r.dsn = test::dsn(target);
  auto e = test::restore_error(r);
  std::string msg = e.what();
  INFO(msg);
  CHECK(e.code() == errc::server_version);
  CHECK(msg.find("comes from PostgreSQL 16") != std::string::npos);
  CHECK(msg.find("restore into PostgreSQL 16 or newer") != std::string::npos);
  CHECK_FALSE(test::database_exists(target));
  CHECK(test::databases_like(target).empty());
}
