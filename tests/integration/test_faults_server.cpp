// Fault injection, server side ([faults]), each on a cluster of its own: the server stopped
// (fast and immediate shutdown) in the middle of `immichbak backup` and `immichbak restore`,
// and SIGINT/SIGTERM to them while every server process is stopped (SIGSTOP), so that no
// cancel request and no query is ever answered.

#include "integration/test_faults_support.hpp"

#include <immichbak/backup.hpp>

#include <pwd.h>

#ifdef IMMICHBAK_CLI_PATH

using namespace immichbak;
using namespace immichbak::faults;

namespace {

enum class op { backup, restore };

// `pg_ctl stop -m fast` of the cluster PGHOST/PGPORT name, as the owner of its data directory.
void stop_server_fast() {
  std::string datadir = query_value("postgres", "SHOW data_directory");
  const char* bindir = std::getenv("IMMICHBAK_PG_BINDIR");
  REQUIRE(bindir);
  struct stat st {};
  REQUIRE(::stat(datadir.c_str(), &st) == 0);
  std::string as;
  if (::geteuid() == 0 && st.st_uid != 0) {
    const passwd* pw = ::getpwuid(st.st_uid);
    REQUIRE(pw);
    as = fmt::format("runuser -u {} -- ", pw->pw_name);
  }
  test::run_ok(fmt::format("{}{} -D {} -m fast -w stop", as, test::shell_quote(std::string(bindir) + "/pg_ctl"),
                           test::shell_quote(datadir)));
}

// Waits until `p` is in the middle of its COPYs: for a backup, a COPY TO STDOUT (text, or
// binary with "(FORMAT binary)" after it) running and every session of it past its first
// statement (so no connection attempt is under way); for a restore, a COPY FROM STDIN into
// the scratch database of `target`.
bool wait_mid_copy(cli_process& p, op what, const std::string& target, int sessions) {
  std::string sql =
      what == op::backup
          ? fmt::format("SELECT CASE WHEN count(*) FILTER (WHERE query LIKE 'COPY%TO STDOUT%' AND state = 'active') > 0 "
                        "AND count(*) FILTER (WHERE query <> '') >= {} THEN 1 ELSE 0 END FROM pg_stat_activity "
                        "WHERE application_name = 'immichbak' AND pid <> pg_backend_pid()",
                        sessions)
          : fmt::format("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'immichbak' AND datname LIKE "
                        "'{}\\_\\_immichbak\\_%' AND query LIKE 'COPY%FROM STDIN%' AND state = 'active'",
                        target);
  return wait_for_count(sql, 1, 60, [&] { return p.running(); });
}

// After a server came back: the sessions of the client that is gone have to go too (they
// would keep the backup's advisory lock, or a scratch database busy). Returns how many had
// to be terminated because they had not gone by themselves within `limit` seconds.
long clear_leftover_sessions(double limit) {
  if (wait_for_no_immichbak_sessions(limit)) return 0;
  pg::connection c(test::dsn("postgres"));
  return c.exec("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'immichbak' "
                "AND pid <> pg_backend_pid()")
      .i64(0, 0);
}

}  // namespace

TEST_CASE("faults: the server stopped (fast and immediate shutdown) mid-backup and mid-restore: a clear error, exit "
          "code 1, no file left, the target unchanged",
          "[faults][server]") {
  test::private_cluster cluster;  // first: the databases below live on it
  test::scratch_database src("fs_src");
  load_source(src, 1500, "new");
  test::scratch_database old_db("fs_old");
  load_source(old_db, 100, "old");
  test::temp_dir tmp("fs_stop");
  fs::path dest = tmp.path() / "dest";
  fs::create_directories(dest);
  backup_options bo;
  bo.dsn = src.dsn();
  bo.dest_dir = tmp.path();
  const fs::path file = backup(bo).file;
  const std::string target = old_db.name();
  const std::string old_fp = fingerprint(target);

  std::vector<std::string> report;
  for (const char* how : {"fast", "immediate"}) {
    for (op what : {op::backup, op::restore}) {
      const char* name = what == op::backup ? "backup" : "restore";
      REQUIRE(wait_for_no_immichbak_sessions(15));
      std::vector<std::string> args =
          what == op::backup
              ? std::vector<std::string>{"backup", "--dbname", src.dsn(), "--dest", dest.string(), "--jobs", "2"}
              : std::vector<std::string>{"restore", file.string(), "--dbname", test::dsn(target), "--replace",
                                         "--jobs", "2"};
      cli_process p(args, tmp.path(), fmt::format("{}_{}", name, how));
      INFO(name << ", " << how << " shutdown");
      REQUIRE(wait_mid_copy(p, what, target, 2));
      // The client holds still while the server goes, so the stop lands in the middle of
      // its COPY whatever the timing.
      p.signal(SIGSTOP);
      if (std::string(how) == "fast") stop_server_fast();
      else cluster.crash();
      p.signal(SIGCONT);
      bool done = p.wait(60);
      INFO("stderr: " << p.err());
      REQUIRE(done);
      CHECK(p.exit_code() == 1);
      std::string err = p.err();
      CHECK(err.find("immichbak: error: ") != std::string::npos);
      // (A session still connecting when the server went would say "could not connect to".)
      CHECK((err.find("lost the connection") != std::string::npos || err.find("could not connect to") != std::string::npos));
      if (what == op::backup) {
        INFO("files: " << fmt::format("{}", fmt::join(names_in(dest), ", ")));
        CHECK(backup_like_in(dest).empty());
      } else {
        CHECK(err.find("was not changed") != std::string::npos);
      }
      cluster.restart();
      if (what == op::restore) {
        CHECK(fingerprint(target) == old_fp);
        CHECK(databases_with_prefix(target + "_before_restore_").empty());
        CHECK(databases_with_prefix(target + "__immichbak_").size() <= 1);
      }
      std::string first_line = err.substr(err.find("immichbak: error: "));
      first_line = first_line.substr(0, first_line.find('\n'));
      report.push_back(fmt::format("{} with {} shutdown: exit {} after {:.1f} s", name, how, p.exit_code(),
                                   p.seconds()));
      UNSCOPED_INFO(first_line);
    }
  }

  // Afterwards: a backup and a restore work, and the restore drops the scratch copies the
  // stopped server kept.
  REQUIRE(wait_for_no_immichbak_sessions(15));
  auto b = run_cli({"backup", "--dbname", src.dsn(), "--dest", dest.string()}, tmp.path(), "after_backup");
  INFO(b.err);
  CHECK(b.rc == 0);
  auto r = run_cli({"restore", file.string(), "--dbname", test::dsn(target), "--replace", "--drop-old"}, tmp.path(),
                   "after_restore");
  INFO(r.err);
  CHECK(r.rc == 0);
  CHECK(databases_with_prefix(target + "__immichbak_").empty());
  test::report(fmt::format("server stopped mid-run: {}; every time no file left / target unchanged; then a backup "
                           "and a restore (which dropped the scratch copies) worked",
                           fmt::join(report, "; ")));
}

TEST_CASE("faults: SIGINT while still connecting to a server whose processes are stopped: exit 130 within 15 s",
          "[faults][server]") {
  // The kernel completes the TCP connection of a stopped postmaster, and libpq then waits
  // for an answer to its startup packet that never comes. The connection is tracked from
  // its first packet (pg::connection connects through PQconnectStartParams), so the
  // run's give-up reaches it.
  test::private_cluster cluster;
  test::scratch_database src("fzc_src");
  test::temp_dir tmp("fzc");
  std::vector<std::string> report;
  for (int sig : {SIGINT, SIGTERM}) {
    const char* sig_name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    INFO(sig_name);
    double seconds = 0;
    bool done = false;
    std::string err;
    {
      frozen_server frozen;
      cli_process p({"backup", "--dbname", src.dsn(), "--dest", tmp.path().string()}, tmp.path(),
                    fmt::format("connect_{}", sig_name));
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // well into the attempt
      REQUIRE(p.running());
      auto t0 = clock_type::now();
      p.signal(sig);
      done = p.wait(15);
      seconds = seconds_since(t0);
      if (!done) {
        p.signal(SIGKILL);
        p.wait(5);
      }
      err = p.err();
      INFO("stderr: " << err);
      CHECK(done);
      if (done) CHECK(p.exit_code() == 130);
      report.push_back(fmt::format("backup + {} while connecting: {} after {:.1f} s", sig_name, p.describe(), seconds));
    }
    CHECK(backup_like_in(tmp.path()).empty());
  }
  test::report(fmt::format("frozen server, still connecting: {}", fmt::join(report, "; ")));
}

TEST_CASE("faults: SIGINT/SIGTERM while every server process is stopped (SIGSTOP): immichbak gives the server up "
          "after its grace period and exits 130 within 15 s",
          "[faults][server]") {
  test::private_cluster cluster;
  test::scratch_database src("fz_src");
  load_source(src, 1500, "new");
  test::scratch_database old_db("fz_old");
  load_source(old_db, 100, "old");
  test::temp_dir tmp("fz");
  fs::path dest = tmp.path() / "dest";
  fs::create_directories(dest);
  backup_options bo;
  bo.dsn = src.dsn();
  bo.dest_dir = tmp.path();
  const fs::path file = backup(bo).file;
  const std::string target = old_db.name();
  const std::string old_fp = fingerprint(target);

  struct run_case {
    op what;
    int sig;
  };
  std::vector<std::string> report;
  long terminated = 0;
  for (run_case rc : {run_case{op::backup, SIGINT}, run_case{op::restore, SIGTERM}, run_case{op::backup, SIGTERM},
                      run_case{op::restore, SIGINT}}) {
    const char* name = rc.what == op::backup ? "backup" : "restore";
    const char* sig = rc.sig == SIGINT ? "SIGINT" : "SIGTERM";
    REQUIRE(wait_for_no_immichbak_sessions(15));
    std::vector<std::string> args =
        rc.what == op::backup
            ? std::vector<std::string>{"backup", "--dbname", src.dsn(), "--dest", dest.string(), "--jobs", "2"}
            : std::vector<std::string>{"restore", file.string(), "--dbname", test::dsn(target), "--replace",
                                       "--jobs", "2"};
    cli_process p(args, tmp.path(), fmt::format("{}_{}", name, sig));
    INFO(name << ", " << sig);
    REQUIRE(wait_mid_copy(p, rc.what, target, 2));
    p.signal(SIGSTOP);  // so the run cannot end between the check above and the freeze
    double seconds = 0;
    bool done = false;
    std::size_t frozen_processes = 0;
    std::string stacks;
    {
      frozen_server frozen;  // SIGCONT when this block ends, whatever happens in it
      frozen_processes = frozen.size();
      p.signal(SIGCONT);
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // it runs into the frozen server
      REQUIRE(p.running());
      auto t0 = clock_type::now();
      p.signal(rc.sig);
      done = p.wait(15);
      seconds = seconds_since(t0);
      // Where it hangs, for the failure message (while the server is still frozen).
      if (!done) test::run(fmt::format("command -v gdb >/dev/null && gdb -p {} -batch -ex 'thread apply all bt 8' "
                                       "2>/dev/null | grep -E '^(Thread|#)' | grep -v '^#.* in std::' | head -60",
                                       p.pid()),
                           &stacks);
    }
    INFO("stacks of the hanging process: " << stacks);
    INFO("stderr: " << p.err());
    CHECK(done);
    if (!done) {
      // Not within 15 s: see whether it would have ended at all once the server resumed.
      bool later = p.wait(30);
      FAIL_CHECK(name << " did not exit within 15 s of " << sig << " on a frozen server"
                      << (later ? fmt::format(" (it exited {:.1f} s after the server resumed)", p.seconds() - seconds)
                                : std::string(" (nor 30 s after the server resumed)")));
    }
    CHECK(p.exit_code() == 130);
    CHECK(p.err().find("cancelled") != std::string::npos);
    report.push_back(fmt::format("{} + {}: {} after {:.1f} s ({} server processes stopped)", name, sig, p.describe(),
                                 seconds, frozen_processes));
    terminated += clear_leftover_sessions(20);
    if (rc.what == op::backup) {
      INFO("files: " << fmt::format("{}", fmt::join(names_in(dest), ", ")));
      CHECK(backup_like_in(dest).empty());
    } else {
      CHECK(fingerprint(target) == old_fp);
      CHECK(databases_with_prefix(target + "_before_restore_").empty());
      CHECK(databases_with_prefix(target + "__immichbak_").size() <= 1);
    }
  }
  // The next restore drops a scratch copy the cancelled one could not.
  REQUIRE(wait_for_no_immichbak_sessions(15));
  auto r = run_cli({"restore", file.string(), "--dbname", test::dsn(target), "--replace", "--drop-old"}, tmp.path(),
                   "after_restore");
  INFO(r.err);
  CHECK(r.rc == 0);
  CHECK(databases_with_prefix(target + "__immichbak_").empty());
  test::report(fmt::format("frozen server: {}; server sessions that outlived their client and were terminated: {}; "
                           "SIGCONTs sent again to a process still stopped after its first: {}",
                           fmt::join(report, "; "), terminated, frozen_server::resent()));
}

#endif  // IMMICHBAK_CLI_PATH
