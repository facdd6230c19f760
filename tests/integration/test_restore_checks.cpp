// What a restore checks and leaves behind beyond the rows themselves: the two depths of
// the content check (rows as loaded, and --check-readback), and the statistics it takes.
#include "test_restore_support.hpp"

#include <immichbak/error.hpp>
#include <immichbak/restore.hpp>

#include <chrono>
#include <thread>

using namespace immichbak;

namespace {

test::handmade_backup two_tables(const test::scratch_database& src, const std::string& second_table_sql) {
  src.psql("CREATE SCHEMA app; CREATE TABLE app.quick (id integer, label text); CREATE TABLE app.other (id integer); "
           "INSERT INTO app.quick SELECT g, 'row ' || g FROM generate_series(1, 2000) g; "
           "INSERT INTO app.other SELECT g FROM generate_series(1, 2000) g");
  test::handmade_backup b;
  b.source_db = src.name();
  b.units = {
      {frame_kind::pre_data, post_phase::none, "SCHEMA app", "", "", "CREATE SCHEMA \"app\";\n"},
      {frame_kind::pre_data, post_phase::none, "TABLE app.quick", "app", "quick",
       "CREATE TABLE \"app\".\"quick\" (\"id\" integer, \"label\" text);\n"},
      {frame_kind::pre_data, post_phase::none, "TABLE app.other", "app", "other", second_table_sql},
  };
  b.tables = {{"app", "quick"}, {"app", "other"}};
  b.rows_per_frame = 500;
  return b;
}

std::string scalar(const std::string& db, const std::string& sql) { return test::query_one(db, sql); }

// Restore `file` over `target` (replacing it, the old copy dropped).
restore_options over(const test::scratch_database& target, const std::filesystem::path& file, int jobs) {
  restore_options o;
  o.file = file;
  o.dsn = target.dsn();
  o.jobs = jobs;
  o.mode = restore_mode::replace_drop_old;
  return o;
}

}  // namespace

TEST_CASE("the content check compares the rows as loaded, and --check-readback also reads the tables back",
          "[restore][check][matrix]") {
  test::scratch_database src("rb_src");
  // The backup's definition of app.other (a blank-padded character column where the
  // source has integers) changes every row on the way in: the rows sent match the
  // manifest, the rows stored ("1     ") do not.
  auto spec = two_tables(src, "CREATE TABLE \"app\".\"other\" (\"id\" character(6));\n");
  test::temp_dir dir("rb");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", spec);

  test::scratch_database target("rb_target");
  restore_options o = over(target, file, 2);

  SECTION("read back: the changed table fails the restore, the target stays as it was") {
    o.check_readback = true;
    auto e = test::restore_error(o);
    INFO(e.what());
    CHECK(e.code() == errc::restore_check_failed);
    CHECK(std::string(e.what()).find("app.other: content hash differs") != std::string::npos);
    CHECK(std::string(e.what()).find("app.quick") == std::string::npos);
    CHECK(scalar(target.name(), "SELECT count(*) FROM pg_class WHERE relname = 'other'") == "0");
    CHECK(test::databases_like(target.name() + "__immichbak_").empty());
  }
  SECTION("as loaded: the rows sent match the manifest, so the restore goes through") {
    restore(o);
    CHECK(scalar(target.name(), "SELECT min(id) FROM app.other") == "1     ");
  }
  SECTION("--check-readback without the check is refused") {
    o.check_readback = true;
    o.check_content = false;
    auto e = test::restore_error(o);
    CHECK(e.code() == errc::invalid_argument);
    CHECK(std::string(e.what()).find("--check-readback") != std::string::npos);
  }
}

TEST_CASE("restore takes quick statistics that autovacuum completes, and full ones where it would not",
          "[restore][analyze][matrix]") {
  test::scratch_database src("an_src");
  auto spec = two_tables(src, "CREATE TABLE \"app\".\"other\" (\"id\" integer) WITH (autovacuum_enabled = false);\n");
  test::temp_dir dir("an");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", spec);
  test::scratch_database target("an_target");
  restore_options o = over(target, file, 2);
  restore(o);

  auto bounds = [&](const std::string& table) {
    return scalar(target.name(), "SELECT array_length(histogram_bounds::text::int[], 1) FROM pg_stats "
                                 "WHERE schemaname = 'app' AND tablename = '" + table + "' AND attname = 'id'");
  };
  // The reloptions are the backup's again once the load is over (autovacuum was paused).
  CHECK(scalar(target.name(), "SELECT COALESCE(reloptions::text, '') FROM pg_class WHERE oid = 'app.quick'::regclass")
            .empty());
  CHECK(scalar(target.name(), "SELECT COALESCE(t.reloptions::text, '') FROM pg_class c JOIN pg_class t ON t.oid = "
                              "c.reltoastrelid WHERE c.oid = 'app.quick'::regclass")
            .empty());
  CHECK(scalar(target.name(), "SELECT reloptions::text FROM pg_class WHERE oid = 'app.other'::regclass") ==
        "{autovacuum_enabled=false}");
  // 2000 distinct ids: statistics target 10 gives 11 histogram bounds, the default 100 gives 101.
  CHECK(bounds("other") == "101");  // autovacuum is off for it: the full ANALYZE ran at once
  // The quick pass left the change counter, so autovacuum analyzes the table again in
  // full. (Should autovacuum already have done so, the full statistics must be there.)
  std::string state;
  for (int i = 0; i < 100; ++i) {
    state = scalar(target.name(),
                   "SELECT n_mod_since_analyze || ' ' || (last_analyze IS NOT NULL)::text || ' ' || "
                   "(last_autoanalyze IS NOT NULL)::text FROM pg_stat_user_tables WHERE relname = 'quick'");
    if (state != "0 true false") break;  // the load's counts reach the shared statistics a moment later
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(state);
  if (state.substr(state.size() - 4) == "true") {
    CHECK(bounds("quick") == "101");
  } else {
    CHECK(state == "2000 true false");
    CHECK(bounds("quick") == "11");
  }
}

TEST_CASE("autovacuum stays off the tables while they load", "[restore][analyze][matrix]") {
  test::scratch_database src("avp_src");
  auto spec = test::slow_backup(src, 40, 0.05);  // two seconds of COPY
  test::temp_dir dir("avp");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", spec);
  test::scratch_database target("avp_target");
  restore_options o = over(target, file, 1);

  std::string during;
  std::thread watcher([&] {
    if (!test::wait_for_copy_in_scratch(target.name())) return;
    auto scratch = test::databases_like(target.name() + "__immichbak_");
    if (!scratch.empty())
      during = scalar(scratch[0], "SELECT COALESCE(reloptions::text, '') FROM pg_class WHERE relname = 'slow'");
  });
  restore(o);
  watcher.join();
  CHECK(during == "{autovacuum_enabled=false}");
  CHECK(scalar(target.name(), "SELECT COALESCE(reloptions::text, '') FROM pg_class WHERE relname = 'slow'").empty());
}
