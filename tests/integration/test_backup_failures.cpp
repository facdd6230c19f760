// A backup that cannot complete throws one clear error and leaves nothing that looks like
// a backup (no file, no sidecar, no .partial) in the destination directory.

#include "backup/backup_lock.hpp"
#include "integration/test_backup_support.hpp"
#include "pg/connection.hpp"

#include <immichbak/error.hpp>

#include <atomic>
#include <fstream>
#include <thread>

using namespace immichbak;

namespace {

error expect_backup_error(const backup_options& o, errc code) {
  try {
    backup(o);
  } catch (const error& e) {
    INFO("error: " << code_name(e.code()) << ": " << e.what());
    CHECK(e.code() == code);
    return e;
  }
  FAIL("the backup succeeded but should have failed with " << code_name(code));
  return error(errc::internal, "unreachable");
}

// A login role for one test, dropped when the test ends (after its databases).
class temp_role {
 public:
  explicit temp_role(const std::string& hint) : name_(fmt::format("r_{}_{}", ::getpid(), hint)) {
    test::require_cluster();  // PGHOST/PGPORT for the psql below
    test::run_ok(fmt::format("psql -X -q -v ON_ERROR_STOP=1 -d postgres -c {}",
                             test::shell_quote("CREATE ROLE \"" + name_ + "\" LOGIN")));
  }
  ~temp_role() {
    test::run(fmt::format("psql -X -q -d postgres -c {}", test::shell_quote("DROP ROLE IF EXISTS \"" + name_ + "\"")));
  }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

}  // namespace

TEST_CASE("backup: options are checked before anything else", "[backup][failure]") {
  test::temp_dir dir("bk_opts");
  // No server is needed to reject these: the DSN points nowhere.
  auto o = test::basic_options("host=127.0.0.1 port=1 dbname=nope connect_timeout=1", dir.path());

  auto missing = o;
  missing.dest_dir = dir.path() / "does-not-exist";
  auto e = expect_backup_error(missing, errc::io_error);
  CHECK(std::string(e.what()).find("does-not-exist") != std::string::npos);

  auto file_as_dir = o;
  std::ofstream(dir.path() / "a-file") << "x";
  file_as_dir.dest_dir = dir.path() / "a-file";
  expect_backup_error(file_as_dir, errc::io_error);

  auto jobs = o;
  jobs.jobs = 0;
  CHECK(std::string(expect_backup_error(jobs, errc::invalid_argument).what()).find("--jobs") != std::string::npos);
  jobs.jobs = 65;
  expect_backup_error(jobs, errc::invalid_argument);

  auto level = o;
  level.compression_level = 20;
  CHECK(std::string(expect_backup_error(level, errc::invalid_argument).what()).find("level") != std::string::npos);

  auto prefix = o;
  prefix.prefix = "a/b";
  CHECK(std::string(expect_backup_error(prefix, errc::invalid_argument).what()).find("--prefix") != std::string::npos);

  auto nodest = o;
  nodest.dest_dir.clear();
  expect_backup_error(nodest, errc::invalid_argument);

  // Valid options, unreachable server: a connection error, still no file.
  expect_backup_error(o, errc::connection_failed);
  test::require_no_backup_left(dir.path());
}

TEST_CASE("backup: a second backup of the same database is refused while one runs", "[backup][failure]") {
  test::scratch_database src("bk_running");
  src.psql("CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
  test::temp_dir dir("bk_running");
  pg::connection holder(src.dsn());
  holder.exec(fmt::format("SELECT pg_advisory_lock({}, {})", backup_detail::advisory_key1,
                          backup_detail::advisory_key2));
  auto e = expect_backup_error(test::basic_options(src.dsn(), dir.path()), errc::already_running);
  CHECK(std::string(e.what()).find(src.name()) != std::string::npos);
  CHECK(std::string(e.what()).find(std::to_string(holder.backend_pid())) != std::string::npos);
  test::require_no_backup_left(dir.path());

  // Immich's own backup job (advisory lock 42) does not block us, and once the other
  // backup is done ours runs.
  holder.exec("SELECT pg_advisory_unlock_all(); SELECT pg_advisory_lock(42)");
  CHECK(std::filesystem::exists(backup(test::basic_options(src.dsn(), dir.path())).file));
}

TEST_CASE("backup: a table the role cannot read is a clear error naming it", "[backup][failure]") {
  temp_role role("reader");
  test::scratch_database src("bk_denied");
  src.psql(fmt::format(
      "CREATE TABLE public.open_table (id int); INSERT INTO public.open_table VALUES (1);"
      "CREATE TABLE public.secret_table (id int); INSERT INTO public.secret_table VALUES (2);"
      "GRANT SELECT ON public.open_table TO \"{0}\"; GRANT USAGE ON SCHEMA public TO \"{0}\"",
      role.name()));
  test::temp_dir dir("bk_denied");
  auto o = test::basic_options(src.dsn() + " user=" + role.name(), dir.path());
  auto e = expect_backup_error(o, errc::permission_denied);
  std::string msg = e.what();
  CHECK(msg.find("secret_table") != std::string::npos);
  CHECK(msg.find("open_table") == std::string::npos);
  CHECK(msg.find(role.name()) != std::string::npos);
  test::require_no_backup_left(dir.path());

  // Leaving its rows out is the way around it.
  o.exclude_table_data = {"secret_table"};
  backup_result res = backup(o);
  CHECK(res.tables_excluded == 1);
  src.psql(fmt::format("REVOKE ALL ON public.open_table FROM \"{0}\"; REVOKE ALL ON SCHEMA public FROM \"{0}\"",
                       role.name()));
}

TEST_CASE("backup: row level security makes the read fail loudly, naming the table", "[backup][failure]") {
  temp_role role("rls");
  test::scratch_database src("bk_rls");
  src.psql(fmt::format(
      "CREATE TABLE public.guarded (id int); INSERT INTO public.guarded VALUES (1), (2);"
      "ALTER TABLE public.guarded ENABLE ROW LEVEL SECURITY;"
      "CREATE POLICY only_one ON public.guarded USING (id = 1);"
      "GRANT SELECT ON public.guarded TO \"{0}\"; GRANT USAGE ON SCHEMA public TO \"{0}\"",
      role.name()));
  test::temp_dir dir("bk_rls");
  auto o = test::basic_options(src.dsn() + " user=" + role.name(), dir.path());
  // row_security = off: the server refuses instead of silently returning one row of two.
  auto e = expect_backup_error(o, errc::permission_denied);
  CHECK(std::string(e.what()).find("\"public\".\"guarded\"") != std::string::npos);
  test::require_no_backup_left(dir.path());
  src.psql(fmt::format("DROP TABLE public.guarded; REVOKE ALL ON SCHEMA public FROM \"{0}\"", role.name()));
}

TEST_CASE("backup: the cancel flag stops a running backup and leaves no file", "[backup][failure]") {
  test::scratch_database src("bk_cancel");
  test::load_immich_fixture(src, 80);
  test::temp_dir dir("bk_cancel");
  std::atomic<bool> cancel{false};
  auto o = test::basic_options(src.dsn(), dir.path());
  o.jobs = 2;
  o.chunk_bytes = 1024;
  o.events.cancel = &cancel;
  bool saw_data = false;
  o.events.progress = [&](const progress_event& e) {
    if (e.phase == "data" && e.rows_done > 0) {
      saw_data = true;
      cancel = true;
    }
  };
  auto e = expect_backup_error(o, errc::cancelled);
  CHECK(saw_data);
  CHECK(std::string(e.what()).find("no file was written") != std::string::npos);
  test::require_no_backup_left(dir.path());

  // Set before the start: nothing is done at all.
  cancel = true;
  o.events.progress = nullptr;
  expect_backup_error(o, errc::cancelled);
  test::require_no_backup_left(dir.path());
}

TEST_CASE("backup: cancelling while waiting for a table lock returns promptly", "[backup][failure]") {
  test::scratch_database src("bk_cancel_lock");
  src.psql("CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
  pg::connection blocker(src.dsn());
  blocker.exec("BEGIN; LOCK TABLE public.t IN ACCESS EXCLUSIVE MODE");
  test::temp_dir dir("bk_cancel_lock");
  std::atomic<bool> cancel{false};
  auto o = test::basic_options(src.dsn(), dir.path());
  o.lock_timeout = std::chrono::seconds(60);
  o.events.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel = true;
  });
  auto t0 = std::chrono::steady_clock::now();
  expect_backup_error(o, errc::cancelled);
  canceller.join();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  test::require_no_backup_left(dir.path());
}

TEST_CASE("backup: a table locked by another session gives a lock_timeout error naming it", "[backup][failure]") {
  test::scratch_database src("bk_locked");
  test::load_immich_fixture(src, 50);
  pg::connection blocker(src.dsn());
  blocker.exec("BEGIN; LOCK TABLE public.asset IN ACCESS EXCLUSIVE MODE");
  test::temp_dir dir("bk_locked");
  auto o = test::basic_options(src.dsn(), dir.path());
  o.lock_timeout = std::chrono::milliseconds(300);
  auto t0 = std::chrono::steady_clock::now();
  auto e = expect_backup_error(o, errc::lock_timeout);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
  std::string msg = e.what();
  CHECK(msg.find("\"public\".\"asset\"") != std::string::npos);
  CHECK(msg.find(std::to_string(blocker.backend_pid())) != std::string::npos);
  CHECK(msg.find("--lock-timeout") != std::string::npos);
  test::require_no_backup_left(dir.path());

  // Once the lock is gone the backup goes through.
  blocker.exec("COMMIT");
  CHECK(std::filesystem::exists(backup(o).file));
}

TEST_CASE("backup: losing the server mid-backup is an error and leaves no file", "[backup][failure]") {
  test::scratch_database src("bk_killed");
  test::load_immich_fixture(src, 80);
  test::temp_dir dir("bk_killed");
  pg::connection admin(test::dsn("postgres"));
  auto o = test::basic_options(src.dsn(), dir.path());
  o.jobs = 2;
  o.chunk_bytes = 1024;
  bool killed = false;
  o.events.progress = [&](const progress_event& e) {
    if (e.phase == "data" && e.rows_done > 0 && !killed) {
      killed = true;
      admin.exec(fmt::format("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' "
                             "AND pid <> pg_backend_pid()",
                             src.name()));
    }
  };
  auto e = expect_backup_error(o, errc::connection_failed);
  CHECK(killed);
  test::require_no_backup_left(dir.path());
}
