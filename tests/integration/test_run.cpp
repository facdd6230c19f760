// `immichbak run` end to end against the test cluster: the command as systemd runs it (an
// EnvironmentFile's variables, a config file, no terminal), the metrics file, the hooks
// with the summary on stdin, --restore-test-every, and failures that must prune nothing.
#include <catch2/catch.hpp>

#include "integration/test_run_support.hpp"
#include "support/test_env.hpp"
#include "unit/test_retention_support.hpp"

#include <immichbak/run.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>

// Built only with the CLI (IMMICHBAK_BUILD_CLI, on by default).
#ifdef IMMICHBAK_CLI_PATH

using namespace immichbak;
using namespace immichbak::test;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const std::string cli = IMMICHBAK_CLI_PATH;

std::string q(const fs::path& p) { return shell_quote(p.string()); }

// Older backups already in the directory: verified, one a day, the newest two days old.
std::vector<fs::path> older_backups(const fs::path& dir, int n) {
  std::vector<fs::path> v;
  for (int i = 0; i < n; ++i) {
    v.push_back(write_backup(dir, std::time(nullptr) - (2 + i) * 86400));
    mark_verified(v.back());
  }
  return v;
}

// The environment file of the service: the cluster, the directory, retention, metrics, hooks.
// The password is one the test cluster (trust auth) ignores: it must appear nowhere.
void write_env_file(const fs::path& file, const std::string& dsn, const fs::path& dest, const fs::path& scratch,
                    const std::string& extra = "") {
  spit(file, fmt::format("# as systemd's EnvironmentFile= reads it\n"
                         "IMMICHBAK_DBNAME='{} password=sekrit-pw'\n"
                         "IMMICHBAK_DEST='{}'\n"
                         "IMMICHBAK_KEEP_LAST=2\n"
                         "IMMICHBAK_METRICS_FILE='{}'\n"
                         "IMMICHBAK_ON_SUCCESS='cat > {}; echo \"$IMMICHBAK_RUN_STATUS $IMMICHBAK_EXIT_CODE\" > {}'\n"
                         "IMMICHBAK_ON_FAILURE='cat > {}; echo \"$IMMICHBAK_RUN_STATUS $IMMICHBAK_EXIT_CODE "
                         "$IMMICHBAK_FAILED_STEP\" > {}'\n{}",
                         dsn, dest.string(), (scratch / "immichbak.prom").string(), (scratch / "success.json").string(),
                         (scratch / "success.env").string(), (scratch / "failure.json").string(),
                         (scratch / "failure.env").string(), extra));
}

void forget_hooks(const fs::path& scratch) {
  for (const char* f : {"success.json", "success.env", "failure.json", "failure.env"}) fs::remove(scratch / f);
}

void no_secret(const std::string& what, const std::string& text) {
  INFO(what);
  CHECK(text.find("sekrit") == std::string::npos);
}

}  // namespace

TEST_CASE("run: as a systemd service (env file, config file, no TTY) writes metrics, calls hooks, restore-tests weekly and prunes", "[run]") {
  scratch_database db("run_service");
  load_immich_fixture(db, 10);
  temp_dir tmp("run_service");
  const fs::path dest = tmp.path() / "nas";
  fs::create_directories(dest);
  auto older = older_backups(dest, 3);
  const fs::path env = tmp.path() / "immichbak.env", conf = tmp.path() / "immichbak.conf";
  write_env_file(env, db.dsn(), dest, tmp.path());
  // The config file (CLI11's format): the restore test once a week.
  spit(conf, "# /etc/immichbak/immichbak.conf\n[run]\nrestore-test-every = \"7d\"\n");

  // 1st run: backup, verify with a test restore (none recorded yet), prune to the last 2.
  auto r1 = run_as_service(cli, fmt::format("run --config {}", q(conf)), env, tmp.path());
  INFO(r1.out << r1.err);
  REQUIRE(r1.rc == 0);
  CHECK(r1.err.find('\r') == std::string::npos);  // no progress bar without a terminal
  CHECK(r1.err.find("\ndata ") == std::string::npos);  // --progress auto: no progress lines either
  const std::string m1 = slurp(tmp.path() / "immichbak.prom");
  CHECK(metric(m1, "immichbak_run_success") == "1");
  CHECK(metric(m1, "immichbak_run_exit_status") == "0");
  CHECK(metric(m1, "immichbak_verify_success") == "1");
  CHECK(metric(m1, "immichbak_verify_restore_test") == "1");
  CHECK(metric(m1, "immichbak_prune_kept_files") == "2");
  CHECK(metric(m1, "immichbak_prune_removed_files") == "2");
  CHECK(std::stoull(metric(m1, "immichbak_backup_size_bytes")) > 1000);
  CHECK(std::stoull(metric(m1, "immichbak_backup_rows")) > 10);
  CHECK_FALSE(metric(m1, "immichbak_last_success_timestamp_seconds").empty());
  CHECK_FALSE(metric(m1, "immichbak_run_duration_seconds").empty());
  for (const auto& e : fs::directory_iterator(tmp.path()))  // atomic write: no temporary left
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);

  REQUIRE(fs::exists(tmp.path() / "success.json"));
  CHECK_FALSE(fs::exists(tmp.path() / "failure.json"));
  CHECK(slurp(tmp.path() / "success.env") == "success 0\n");
  json s1 = json::parse(slurp(tmp.path() / "success.json"));  // the summary, on the hook's stdin
  CHECK(s1["ok"] == true);
  CHECK(s1["verify"]["kind"] == "restore-test");
  CHECK(s1["prune"]["removed"] == 2);
  CHECK(s1["backup"]["database"] == db.name());
  no_secret("hook input", slurp(tmp.path() / "success.json"));
  no_secret("metrics", m1);
  no_secret("stdout", r1.out);
  no_secret("stderr", r1.err);
  no_secret("run state", slurp(dest / ".immichbak-run-immich-db.json"));

  auto names = backup_names(dest);
  REQUIRE(names.size() == 2);  // the new one and the newest older one
  CHECK(names[0] == older[0].filename().string());

  // 2nd run: the restore test passed moments ago, so only the offline verify.
  forget_hooks(tmp.path());
  auto r2 = run_as_service(cli, fmt::format("run --config {} --json", q(conf)), env, tmp.path());
  INFO(r2.out << r2.err);
  REQUIRE(r2.rc == 0);
  json s2 = json::parse(r2.out);  // --json: exactly one object on stdout (the hook's output went to stderr)
  CHECK(s2["verify"]["restore_test"] == false);
  CHECK(s2["verify"]["kind"] == "offline");
  CHECK(s2["verify"]["restore_test_reason"].get<std::string>().find("ago (every 7d)") != std::string::npos);
  CHECK(metric(slurp(tmp.path() / "immichbak.prom"), "immichbak_verify_restore_test") == "0");
  CHECK(json::parse(slurp(tmp.path() / "success.json"))["ok"] == true);
  CHECK(backup_names(dest).size() == 2);

  // 3rd run: a flag overrides the config file: 0s is every run.
  auto r3 = run_as_service(cli, fmt::format("run --config {} --restore-test-every 0s --json", q(conf)), env, tmp.path());
  INFO(r3.out << r3.err);
  REQUIRE(r3.rc == 0);
  CHECK(json::parse(r3.out)["verify"]["restore_test"] == true);

  // A failed backup (the database is gone): exit 1, on-failure with the summary, nothing
  // pruned, the last success still in the metrics.
  forget_hooks(tmp.path());
  const auto before = backup_names(dest);
  const std::string last_success = metric(slurp(tmp.path() / "immichbak.prom"), "immichbak_last_success_timestamp_seconds");
  write_env_file(env, dsn("no_such_database_run"), dest, tmp.path());
  auto bad = run_as_service(cli, fmt::format("run --config {}", q(conf)), env, tmp.path());
  INFO(bad.out << bad.err);
  CHECK(bad.rc == 1);
  CHECK(backup_names(dest) == before);
  CHECK_FALSE(fs::exists(tmp.path() / "success.json"));
  REQUIRE(fs::exists(tmp.path() / "failure.json"));
  CHECK(slurp(tmp.path() / "failure.env") == "failure 1 backup\n");
  json f = json::parse(slurp(tmp.path() / "failure.json"));
  CHECK(f["ok"] == false);
  CHECK(f["error"]["step"] == "backup");
  CHECK(f["prune"]["ran"] == false);
  no_secret("failure hook input", slurp(tmp.path() / "failure.json"));
  no_secret("stderr", bad.err);
  const std::string mb = slurp(tmp.path() / "immichbak.prom");
  CHECK(metric(mb, "immichbak_run_success") == "0");
  CHECK(metric(mb, "immichbak_run_exit_status") == "1");
  CHECK(metric(mb, "immichbak_last_success_timestamp_seconds") == last_success);
  CHECK(metric(mb, "immichbak_backup_size_bytes").empty());
}

TEST_CASE("run: a backup that fails its verify prunes nothing, exits 3 and runs on-failure", "[run]") {
  // An honest failed verify: the backup role may read everything but not create databases,
  // so the test restore cannot run: the backup is not proven, and must not replace others.
  scratch_database db("run_verify_fail");
  load_immich_fixture(db, 5);
  const std::string role = db.name() + "_reader";
  db.psql(fmt::format("CREATE ROLE \"{0}\" LOGIN NOCREATEDB; GRANT pg_read_all_data TO \"{0}\";", role));
  struct drop_role {
    const scratch_database& d;
    std::string r;
    ~drop_role() {
      try {
        d.psql(fmt::format("DROP OWNED BY \"{0}\"; DROP ROLE IF EXISTS \"{0}\";", r));
      } catch (...) {
      }
    }
  } cleanup{db, role};
  temp_dir tmp("run_verify_fail");
  const fs::path dest = tmp.path() / "nas";
  fs::create_directories(dest);
  auto older = older_backups(dest, 4);
  const fs::path env = tmp.path() / "immichbak.env";
  write_env_file(env, db.dsn() + " user=" + role, dest, tmp.path(), "IMMICHBAK_RESTORE_TEST_EVERY=0s\n");

  auto r = run_as_service(cli, "run --keep-last 1", env, tmp.path());
  INFO(r.out << r.err);
  CHECK(r.rc == 3);
  for (const auto& f : older) CHECK(fs::exists(f));  // every older backup stays
  CHECK(backup_names(dest).size() == older.size() + 1);
  CHECK_FALSE(fs::exists(tmp.path() / "success.json"));
  REQUIRE(fs::exists(tmp.path() / "failure.json"));
  CHECK(slurp(tmp.path() / "failure.env") == "failure 3 verify\n");
  json f = json::parse(slurp(tmp.path() / "failure.json"));
  CHECK(f["error"]["code"] == "verify_failed");
  CHECK(f["verify"]["ok"] == false);
  CHECK(f["verify"]["failed_checks"][0]["name"] == "restore-test");
  CHECK(f["prune"]["ran"] == false);
  const std::string m = slurp(tmp.path() / "immichbak.prom");
  CHECK(metric(m, "immichbak_verify_success") == "0");
  CHECK(metric(m, "immichbak_run_exit_status") == "3");
  CHECK(metric(m, "immichbak_last_success_timestamp_seconds").empty());  // never succeeded here
  // The failed backup is listed as such, and prune by hand would not count it.
  auto list = json::parse(run_ok(fmt::format("{} list {} --json 2>/dev/null", shell_quote(cli), q(dest))));
  CHECK(list["entries"][0]["verification"] == "failed");
}

TEST_CASE("run (library): a backup damaged between writing and verifying prunes nothing", "[run]") {
  // The medium corrupts the file after it was written (a NAS, a bad disk): the offline
  // verify catches it. step_done is the public per-step callback; the test uses it to damage
  // the file at exactly that point.
  scratch_database db("run_damaged");
  load_immich_fixture(db, 5);
  temp_dir tmp("run_damaged");
  const fs::path dest = tmp.path() / "nas";
  fs::create_directories(dest);
  auto older = older_backups(dest, 3);
  bool on_success_ran = false;
  run_options o;
  o.backup.dsn = db.dsn();
  o.backup.dest_dir = dest;
  o.backup.require_immich = true;
  o.retention.keep_last = 1;
  o.metrics_file = tmp.path() / "m.prom";
  o.on_success = "true";
  o.on_failure = fmt::format("cat > {}", q(tmp.path() / "failure.json"));
  std::vector<std::string> steps;
  o.step_done = [&](run_step s, const run_result& r) {
    steps.push_back(run_step_name(s));
    if (s != run_step::backup || !r.backup) return;
    std::fstream f(r.backup->file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(r.backup->bytes / 2));
    f.write("\xde\xad\xbe\xef", 4);
  };
  run_result r = run(o);
  INFO(to_text(r));
  CHECK(steps == std::vector<std::string>{"backup", "verify"});
  CHECK_FALSE(r.ok());
  REQUIRE(r.failure);
  CHECK(r.failure->step == run_step::verify);
  CHECK(run_exit_code(r) == 3);
  CHECK_FALSE(r.prune);
  for (const auto& f : older) CHECK(fs::exists(f));
  CHECK(backup_names(dest).size() == older.size() + 1);
  REQUIRE(r.hook);
  CHECK(r.hook->which == "on-failure");
  CHECK(r.hook->ok);
  CHECK_FALSE(on_success_ran);
  CHECK(json::parse(slurp(tmp.path() / "failure.json"))["error"]["step"] == "verify");
  CHECK(metric(slurp(o.metrics_file), "immichbak_verify_success") == "0");
}

TEST_CASE("run (library): a metrics file that cannot be written fails the run, a cancelled run exits 130", "[run]") {
  scratch_database db("run_edges");
  load_immich_fixture(db, 2);
  temp_dir tmp("run_edges");
  const fs::path dest = tmp.path() / "nas";
  fs::create_directories(dest);
  auto older = older_backups(dest, 2);
  run_options o;
  o.backup.dsn = db.dsn();
  o.backup.dest_dir = dest;
  o.retention.keep_last = 1;
  o.on_failure = fmt::format("cat > {}", q(tmp.path() / "failure.json"));

  SECTION("metrics file under a directory that does not exist") {
    // The backup is good and pruning happened: the run still fails, so that monitoring
    // that reads the metrics file is not left looking at yesterday's values unnoticed.
    o.metrics_file = tmp.path() / "no-such-dir" / "immichbak.prom";
    run_result r = run(o);
    INFO(to_text(r));
    CHECK_FALSE(r.failure);
    CHECK(r.prune);
    CHECK_FALSE(r.ok());
    CHECK(run_exit_code(r) == 1);
    CHECK(r.metrics_problem.find("no-such-dir") != std::string::npos);
    REQUIRE(r.hook);
    CHECK(r.hook->which == "on-failure");
    CHECK(json::parse(slurp(tmp.path() / "failure.json"))["error"]["step"] == "metrics");
  }

  SECTION("cancelled (SIGTERM from systemd) after the backup: nothing pruned, the hook still told") {
    std::atomic<bool> cancel{false};
    o.backup.events.cancel = &cancel;
    o.events.cancel = &cancel;
    o.metrics_file = tmp.path() / "immichbak.prom";
    o.step_done = [&](run_step s, const run_result&) {
      if (s == run_step::backup) cancel = true;
    };
    run_result r = run(o);
    INFO(to_text(r));
    REQUIRE(r.failure);
    CHECK(r.failure->step == run_step::verify);
    CHECK(r.failure->code == "cancelled");
    CHECK(run_exit_code(r) == 130);
    CHECK_FALSE(r.prune);
    for (const auto& f : older) CHECK(fs::exists(f));
    REQUIRE(r.hook);
    CHECK(r.hook->which == "on-failure");
    CHECK(r.hook->ok);
    CHECK(metric(slurp(o.metrics_file), "immichbak_run_exit_status") == "130");
  }
}

TEST_CASE("run: settings precedence: flag over config file over IMMICHBAK_* environment", "[run]") {
  // No server needed: a connection that fails at once still prints the summary, which
  // shows the prefix and the restore-test interval that were in effect.
  temp_dir tmp("run_settings");
  const fs::path dest = tmp.path() / "b";
  fs::create_directories(dest);
  const fs::path env = tmp.path() / "env", conf = tmp.path() / "conf";
  auto summary = [&](const std::string& env_text, const std::string& conf_text, const std::string& flags) {
    spit(env, "IMMICHBAK_DBNAME='host=127.0.0.1 port=1 connect_timeout=2 dbname=x'\nIMMICHBAK_DEST='" + dest.string() +
                  "'\n" + env_text);
    spit(conf, conf_text);
    auto r = run_as_service(cli, fmt::format("run --json --config {} {}", q(conf), flags), env, tmp.path());
    INFO(r.out << r.err);
    CHECK(r.rc == 1);
    return json::parse(r.out);
  };
  // defaults
  auto d = summary("", "", "");
  CHECK(d["prefix"] == "immich-db");
  CHECK(d["verify"]["restore_test_reason"] == "not asked for (--restore-test-every)");
  // environment alone
  auto e = summary("IMMICHBAK_PREFIX=from-env\nIMMICHBAK_RESTORE_TEST_EVERY=3d\n", "", "");
  CHECK(e["prefix"] == "from-env");
  CHECK(e["verify"]["restore_test_reason"] == "none recorded yet (every 3d)");
  // the config file over the environment
  auto c = summary("IMMICHBAK_PREFIX=from-env\nIMMICHBAK_RESTORE_TEST_EVERY=3d\n",
                   "[run]\nprefix = \"from-config\"\nrestore-test-every = \"5d\"\n", "");
  CHECK(c["prefix"] == "from-config");
  CHECK(c["verify"]["restore_test_reason"] == "none recorded yet (every 5d)");
  // a flag over both
  auto f = summary("IMMICHBAK_PREFIX=from-env\n", "[run]\nprefix = \"from-config\"\n", "--prefix from-flag");
  CHECK(f["prefix"] == "from-flag");
  // a key the file may not hold is refused (exit 2), not ignored
  spit(conf, "[run]\nkeep-dayly = 7\n");
  auto typo = run_as_service(cli, fmt::format("run --config {}", q(conf)), env, tmp.path());
  CHECK(typo.rc == 2);
  // a bad value from the environment is a usage error before anything runs
  spit(conf, "");
  spit(env, "IMMICHBAK_DEST='" + dest.string() + "'\nIMMICHBAK_KEEP_DAILY=seven\n");
  auto bad = run_as_service(cli, fmt::format("run --config {}", q(conf)), env, tmp.path());
  CHECK(bad.rc == 2);
  CHECK(bad.err.find("--keep-daily") != std::string::npos);
}

#endif  // IMMICHBAK_CLI_PATH
