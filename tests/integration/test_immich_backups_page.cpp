// Files Immich's own Backups page restores (docs/immich.md): a `--compress gzip` backup of
// the Immich fixture goes through Immich's restore pipeline, replayed with Node.js exactly
// as Immich runs it (tests/integration/immich_restore_replay.mjs), into a database that
// Immich is using and that holds other data; and through `gunzip -c | psql` into an empty
// one; and through `immichbak restore`. Each result must be identical to the source:
// schema from the catalog, every row.
#include "integration/test_backup_support.hpp"

#include <immichbak/restore.hpp>
#include <immichbak/verify.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <thread>

using namespace immichbak;
namespace fs = std::filesystem;

namespace {

const char* const extra_schema = R"sql(
CREATE SCHEMA extra;
CREATE TABLE extra.notes (id integer PRIMARY KEY, body text NOT NULL);
INSERT INTO extra.notes SELECT g, 'note ' || g FROM generate_series(1, 40) g;
COMMENT ON SCHEMA extra IS 'not Immich''s: outside the public schema Immich re-creates';
)sql";

int sessions_on(const std::string& db) {
  const std::string sql = fmt::format("SELECT count(*) FROM pg_stat_activity WHERE datname = '{}'", db);
  return std::stoi(test::run_ok("psql -X -At -d postgres -c " + test::shell_quote(sql)));
}

}  // namespace

TEST_CASE("a gzip backup restores through Immich's own restore, gunzip | psql and immichbak restore, identical",
          "[gzip][immich][matrix]") {
  test::scratch_database src("gz_src");
  test::load_immich_fixture(src, 60);
  src.psql(extra_schema);
  const std::string want_schema = test::catalog_schema(src.name());
  const std::string want_data = test::data_dump(src.name());
  auto require_identical = [&](const std::string& db) {
    const std::string got_schema = test::catalog_schema(db);
    INFO(test::unified_diff(want_schema, got_schema));
    CHECK(got_schema == want_schema);
    CHECK(test::data_dump(db) == want_data);
  };

  test::temp_dir dir("gz_page");
  backup_options o = test::basic_options(src.dsn(), dir.path());
  o.compress = compression::gzip;
  o.compression_level = default_gzip_level;
  o.jobs = 2;
  const backup_result b = backup(o);
  const fs::path file = b.file;
  REQUIRE(file.string().ends_with(".sql.gz"));
  verify_options vo;
  vo.file = file;
  const verify_report vr = verify(vo);
  INFO(to_text(vr));
  REQUIRE(vr.ok());

  SECTION("Immich's restore pipeline, into the database a running Immich uses") {
    test::scratch_database target("gz_immich");
    test::load_immich_fixture(target, 12);  // other photos than the backup's
    target.psql("CREATE SCHEMA extra; CREATE TABLE extra.notes (id integer, other text); "
                "CREATE TABLE extra.stale (x integer);");
    // "Immich" holds a session open; its restore ends it first.
    const std::string waiter =
        fmt::format("psql -X -q -d {} -c 'SELECT pg_sleep(120)' >/dev/null 2>&1 &", test::shell_quote(target.name()));
    REQUIRE(test::run(waiter) == 0);
    for (int i = 0; i < 100 && sessions_on(target.name()) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(sessions_on(target.name()) == 1);

    std::string out;
    const fs::path replay = test::source_dir() / "tests" / "integration" / "immich_restore_replay.mjs";
    const int rc = test::run(fmt::format("node {} {} {}", test::shell_quote(replay.string()),
                                         test::shell_quote(file.string()), test::shell_quote(target.name())),
                             &out);
    INFO(out.substr(0, 4000));
    REQUIRE(rc == 0);
    CHECK(sessions_on(target.name()) == 0);
    require_identical(target.name());
  }

  SECTION("gunzip -c | psql, into an empty database") {
    test::scratch_database dst("gz_psql");
    std::string out;
    const int rc = test::run(fmt::format("gunzip -c {} | psql -X -q -v ON_ERROR_STOP=1 -d {}",
                                         test::shell_quote(file.string()), test::shell_quote(dst.name())),
                             &out);
    INFO(out.substr(0, 4000));
    REQUIRE(rc == 0);
    CHECK(out.find("ERROR") == std::string::npos);
    require_identical(dst.name());
  }

  SECTION("immichbak restore, in parallel, with its content check") {
    test::scratch_database dst("gz_restore");
    restore_options r;
    r.file = file;
    r.dsn = dst.dsn();
    r.jobs = 2;
    r.mode = restore_mode::replace;  // the scratch database exists (empty)
    restore(r);
    require_identical(dst.name());
  }
}
