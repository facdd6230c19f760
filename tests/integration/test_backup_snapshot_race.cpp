// A backup worker that cannot import the leader's snapshot: the leader's session is gone
// (server stopped, session terminated), so the run reports connection_failed, never the
// worker's "invalid snapshot identifier" as a query failure. Once, on a fresh machine, the
// worker won the race against the leader's own error ("losing the server mid-backup").
// Here the race is made deterministic by driving the data phase directly.
#include <catch2/catch.hpp>

#include "backup/data_phase.hpp"
#include "backup/work_items.hpp"
#include "format/backup_writer.hpp"
#include "format/header_sql.hpp"
#include "pg/connection.hpp"
#include "support/test_env.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <chrono>
#include <thread>

using namespace immichbak;
using namespace immichbak::backup_detail;

namespace {

std::vector<schema::table_data> two_tables() {
  // Built whole rather than assigned field by field: GCC 12's -Wrestrict misfires on string
  // assignments from literals once inlined at -O2 (the Release build).
  std::vector<schema::table_data> tables;
  for (const char* name : {"a", "b"}) {
    schema::table_data t;
    t.schema = std::string("public");
    t.name = std::string(name);
    t.copy_columns = std::string("(\"id\")");
    tables.push_back(std::move(t));
  }
  return tables;
}

// Runs the data phase with two sessions (the leader and one worker importing `snapshot`)
// and returns the error it recorded.
error data_phase_error(const std::string& dsn, pg::connection& leader, const std::string& snapshot,
                       const std::filesystem::path& dir) {
  auto tables = two_tables();
  item_options io;
  io.no_split.assign(tables.size(), false);
  auto items = make_work_items(tables, io);
  REQUIRE(items.size() == 2);
  format::backup_writer writer(dir / "race.sql.zst", compression::zstd, 1);
  writer.write_frame({frame_kind::header, post_phase::none, "", "", "", 0}, format::header_sql());
  event_sink sink;
  util::reporter report(sink);
  pg::run_control control(nullptr, "cancelled");
  data_phase_options o;
  o.dsn = dsn;
  o.snapshot = snapshot;
  o.worker_setup_sql = "SET search_path = ''";
  o.jobs = 2;
  run_data_phase(leader, tables, items, writer, control, report, o);
  writer.abort();
  auto e = control.first_error();
  REQUIRE(e);
  try {
    std::rethrow_exception(e);
  } catch (const error& err) {
    return err;
  }
  FAIL("the data phase recorded something that is not an immichbak::error");
  return error(errc::internal, "");
}

}  // namespace

TEST_CASE("backup: a worker that cannot join the snapshot reports the lost leader session", "[backup][failure][matrix]") {
  test::scratch_database db("snap_race");
  db.psql("CREATE TABLE public.a (id integer); CREATE TABLE public.b (id integer); "
          "INSERT INTO public.a SELECT generate_series(1, 1000); INSERT INTO public.b SELECT generate_series(1, 1000)");
  test::temp_dir dir("snap_race");

  SECTION("the session that exported the snapshot has ended") {
    std::string snapshot;
    {
      pg::connection exporter(db.dsn());
      exporter.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      snapshot = exporter.exec("SELECT pg_catalog.pg_export_snapshot()").str(0, 0);
    }  // closed: its snapshot can no longer be imported
    pg::connection leader(db.dsn());
    leader.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    auto e = data_phase_error(db.dsn(), leader, snapshot, dir.path());
    INFO(e.what());
    CHECK(e.code() == errc::connection_failed);
    CHECK(std::string(e.what()).find("could not join the backup's snapshot") != std::string::npos);
  }

  SECTION("the leader's session was terminated: its own error is the one reported") {
    pg::connection leader(db.dsn());
    leader.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    std::string snapshot = leader.exec("SELECT pg_catalog.pg_export_snapshot()").str(0, 0);
    int pid = leader.backend_pid();
    pg::connection admin(test::dsn("postgres"));
    admin.exec(fmt::format("SELECT pg_catalog.pg_terminate_backend({})", pid));
    for (int i = 0; i < 500; ++i) {
      if (admin.exec(fmt::format("SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = {}", pid)).rows() == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    auto e = data_phase_error(db.dsn(), leader, snapshot, dir.path());
    INFO(e.what());
    CHECK(e.code() == errc::connection_failed);
  }
}
