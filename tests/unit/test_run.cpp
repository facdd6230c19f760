// immichbak run's pure parts: the metrics text, when a restore test is due, the run state
// file, exit codes and the summary's content (no connection string, failures named).
#include <catch2/catch.hpp>

#include "run/hook.hpp"
#include "run/schedule.hpp"
#include "support/test_env.hpp"
#include "run/state.hpp"

#include <immichbak/error.hpp>
#include <immichbak/run.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <signal.h>

using namespace immichbak;
using namespace immichbak::run_detail;

namespace {

std::chrono::sys_seconds at(std::time_t t) { return std::chrono::sys_seconds(std::chrono::seconds(t)); }

run_result successful_run() {
  run_result r;
  r.started_at = at(1750000000);
  r.finished_at = at(1750000042);
  r.seconds = 42.25;
  r.dest_dir = "/mnt/nas/immich";
  r.prefix = "immich-db";
  backup_result b;
  b.file = "/mnt/nas/immich/immich-db-20250615T150640Z.sql.zst";
  b.bytes = 734003;
  b.rows = 2066;
  b.seconds = 3.5;
  b.database = "immich";
  r.backup = b;
  verify_report v;
  v.file = b.file;
  v.checks.push_back({"sidecar", check_status::pass, "", "", std::nullopt});
  r.verify = v;
  r.restore_test = true;
  r.last_restore_test = at(1750000040);
  r.last_success = r.finished_at;
  prune_result p;
  for (int i = 0; i < 3; ++i) {
    plan_entry e;
    e.action = i < 2 ? plan_action::keep : plan_action::remove;
    p.plan.entries.push_back(e);
  }
  removal rm;
  rm.path = "/mnt/nas/immich/immich-db-20250101T000000Z.sql.zst";
  rm.removed = true;
  rm.bytes = 1000;
  p.applied.removals.push_back(rm);
  p.applied.bytes_freed = 1000;
  r.prune = p;
  return r;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

}  // namespace

TEST_CASE("run metrics: every value of a successful run, as the textfile collector reads it", "[run]") {
  std::string m = to_prometheus(successful_run());
  const std::string l = "{dest=\"/mnt/nas/immich\",prefix=\"immich-db\"}";
  CHECK(has_line(m, "immichbak_run_success" + l + " 1"));
  CHECK(has_line(m, "immichbak_run_exit_status" + l + " 0"));
  CHECK(has_line(m, "immichbak_run_timestamp_seconds" + l + " 1750000042"));
  CHECK(has_line(m, "immichbak_run_duration_seconds" + l + " 42.250"));
  CHECK(has_line(m, "immichbak_last_success_timestamp_seconds" + l + " 1750000042"));
  CHECK(has_line(m, "immichbak_backup_size_bytes" + l + " 734003"));
  CHECK(has_line(m, "immichbak_backup_rows" + l + " 2066"));
  CHECK(has_line(m, "immichbak_verify_success" + l + " 1"));
  CHECK(has_line(m, "immichbak_verify_restore_test" + l + " 1"));
  CHECK(has_line(m, "immichbak_last_restore_test_timestamp_seconds" + l + " 1750000040"));
  CHECK(has_line(m, "immichbak_prune_kept_files" + l + " 2"));
  CHECK(has_line(m, "immichbak_prune_removed_files" + l + " 1"));
  CHECK(has_line(m, "immichbak_prune_freed_bytes" + l + " 1000"));
  CHECK(has_line(m, "# TYPE immichbak_run_success gauge"));
  CHECK(m.back() == '\n');
  // every sample line is NAME{labels} VALUE, and each metric has HELP and TYPE once
  std::size_t samples = 0, types = 0;
  std::size_t pos = 0;
  while (pos < m.size()) {
    std::size_t nl = m.find('\n', pos);
    std::string line = m.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.rfind("# TYPE ", 0) == 0) ++types;
    if (line.empty() || line[0] == '#') continue;
    ++samples;
    CHECK(line.find(l + " ") != std::string::npos);
  }
  CHECK(samples == types);
}

TEST_CASE("run metrics: a failed backup leaves out what it did not produce, keeps the last success", "[run]") {
  run_result r;
  r.finished_at = at(1750086400);
  r.dest_dir = "/b";
  r.prefix = "immich-db";
  r.failure = run_failure{run_step::backup, "connection_failed", "could not connect"};
  r.last_success = at(1750000042);
  std::string m = to_prometheus(r);
  const std::string l = "{dest=\"/b\",prefix=\"immich-db\"}";
  CHECK(has_line(m, "immichbak_run_success" + l + " 0"));
  CHECK(has_line(m, "immichbak_run_exit_status" + l + " 1"));
  CHECK(has_line(m, "immichbak_last_success_timestamp_seconds" + l + " 1750000042"));
  CHECK(m.find("immichbak_backup_size_bytes") == std::string::npos);
  CHECK(m.find("immichbak_verify_success") == std::string::npos);
  CHECK(m.find("immichbak_prune_") == std::string::npos);
}

TEST_CASE("run metrics: label values are escaped", "[run]") {
  run_result r;
  r.dest_dir = "/x/\"q\"\\y\nz";
  r.prefix = "p";
  std::string m = to_prometheus(r);
  CHECK(m.find(R"({dest="/x/\"q\"\\y\nz",prefix="p"})") != std::string::npos);
}

TEST_CASE("run: exit codes and the summary", "[run]") {
  run_result ok = successful_run();
  CHECK(run_exit_code(ok) == 0);
  auto j = nlohmann::json::parse(to_json(ok));
  CHECK(j["ok"] == true);
  CHECK(j["status"] == "success");
  CHECK(j["backup"]["rows"] == 2066);
  CHECK(j["verify"]["kind"] == "restore-test");
  CHECK(j["prune"]["removed"] == 1);
  CHECK(j["last_success"] == "2025-06-15T15:07:22Z");
  CHECK_FALSE(j.contains("error"));

  run_result bad_verify = successful_run();
  bad_verify.prune.reset();
  bad_verify.prune_skipped = "the verify failed";
  bad_verify.failure = run_failure{run_step::verify, "verify_failed", "frame: damaged"};
  CHECK(run_exit_code(bad_verify) == 3);
  auto jv = nlohmann::json::parse(to_json(bad_verify));
  CHECK(jv["ok"] == false);
  CHECK(jv["error"]["step"] == "verify");
  CHECK(jv["prune"]["ran"] == false);

  run_result cancelled;
  cancelled.failure = run_failure{run_step::backup, "cancelled", "backup cancelled"};
  CHECK(run_exit_code(cancelled) == 130);
  run_result prune_failed = successful_run();
  prune_failed.failure = run_failure{run_step::prune, "already_running", "a backup holds the directory"};
  CHECK(run_exit_code(prune_failed) == 1);
  run_result metrics_failed = successful_run();
  metrics_failed.metrics_problem = "cannot create /ro/x.prom.1.tmp: read-only file system";
  CHECK_FALSE(metrics_failed.ok());
  CHECK(run_exit_code(metrics_failed) == 1);
  CHECK(nlohmann::json::parse(to_json(metrics_failed))["error"]["step"] == "metrics");
}

TEST_CASE("run: --restore-test-every decides from the last passed restore test", "[run]") {
  const std::time_t now = 1750000000;
  const auto week = parse_age("7d");
  CHECK(week == std::chrono::hours(24 * 7));
  CHECK_FALSE(restore_test_due(std::nullopt, std::nullopt, now).due);
  CHECK(restore_test_due(std::chrono::seconds(0), now - 10, now).due);  // 0s: every run
  auto first = restore_test_due(week, std::nullopt, now);
  CHECK(first.due);
  CHECK(first.reason.find("none recorded") != std::string::npos);
  auto recent = restore_test_due(week, now - 2 * 86400, now);
  CHECK_FALSE(recent.due);
  CHECK(recent.reason == "the last one was 2d ago (every 7d)");
  CHECK(restore_test_due(week, now - 7 * 86400, now).due);
  CHECK(restore_test_due(week, now - 8 * 86400, now).due);
  CHECK(restore_test_due(week, now + 86400, now).due);  // a record from the future does not postpone it
  CHECK_THROWS_AS(parse_age("7x"), immichbak::error);
}

TEST_CASE("run: the run state file round-trips and rejects what it did not write", "[run]") {
  run_state s;
  s.last_success = 1750000042;
  s.last_restore_test = 1749000000;
  s.last_restore_test_file = "immich-db-20250604T011840Z.sql.zst";
  auto back = parse_run_state(run_state_json(s, "immich-db"));
  REQUIRE(back);
  CHECK(back->last_success == s.last_success);
  CHECK(back->last_restore_test == s.last_restore_test);
  CHECK(back->last_restore_test_file == s.last_restore_test_file);
  CHECK(parse_run_state(run_state_json(run_state{}, "p")));
  CHECK_FALSE(parse_run_state("{}"));
  CHECK_FALSE(parse_run_state("not json"));
  CHECK_FALSE(parse_run_state(R"({"format": 1, "last_success": "yesterday"})"));
  CHECK_FALSE(parse_run_state(R"({"format": 2})"));
  CHECK(run_state_path("/b", "immich-db").filename() == ".immichbak-run-immich-db.json");
}

// --on-success / --on-failure: the hook runner itself (run/hook).
namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("run hook: the summary on stdin, the run's variables, the exit status", "[run]") {
  test::temp_dir dir("hook");
  const auto out = dir.path() / "seen";
  auto r = run_hook("cat > \"$OUT\"; echo \"status=$IMMICHBAK_RUN_STATUS\" >> \"$OUT\"; exit 3", "{\"ok\": false}\n",
                    {{"OUT", out.string()}, {"IMMICHBAK_RUN_STATUS", "failure"}}, std::chrono::seconds(30), nullptr);
  CHECK(r.started);
  CHECK(r.exit_status == 3);
  CHECK_FALSE(r.timed_out);
  CHECK(r.problem == "exited with status 3");
  CHECK(read_text(out) == "{\"ok\": false}\nstatus=failure\n");

  auto missing = run_hook("no-such-command-immichbak-test", "{}", {}, std::chrono::seconds(30), nullptr);
  CHECK(missing.exit_status == 127);
  CHECK(missing.problem.find("command not found") != std::string::npos);

  // A hook that does not read its stdin is no failure of ours (no SIGPIPE for the caller).
  auto deaf = run_hook("exit 0", std::string(1 << 20, 'x'), {}, std::chrono::seconds(30), nullptr);
  CHECK(deaf.exit_status == 0);
  CHECK(deaf.problem.empty());
}

TEST_CASE("run hook: past its timeout the hook's whole group is terminated, then killed", "[run]") {
  test::temp_dir dir("hook");
  const auto t0 = std::chrono::steady_clock::now();
  // The child sleep is in the hook's process group: it must not outlive the timeout either.
  auto r = run_hook("sleep 60 & wait", "{}", {}, std::chrono::seconds(1), nullptr);
  CHECK(r.timed_out);
  CHECK(r.signal == SIGTERM);
  CHECK(r.problem == "still running after 1 s; terminated");

  const auto pidfile = dir.path() / "pid";
  auto stubborn = run_hook("trap '' TERM; echo $$ > \"$PIDFILE\"; while :; do sleep 0.1; done", "{}",
                           {{"PIDFILE", pidfile.string()}}, std::chrono::seconds(1), nullptr);
  CHECK(stubborn.timed_out);
  CHECK(stubborn.signal == SIGKILL);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(seconds < 20);
  const auto pid = std::stoi(read_text(pidfile));
  CHECK(::kill(pid, 0) != 0);  // gone, not orphaned

  std::atomic<bool> cancel{true};
  auto cancelled = run_hook("sleep 60", "{}", {}, std::chrono::seconds(60), &cancel);
  CHECK_FALSE(cancelled.timed_out);
  CHECK(cancelled.signal == SIGTERM);
}

TEST_CASE("run hook: no variable that carries a database password reaches the hook", "[run]") {
  test::temp_dir dir("hook");
  const auto out = dir.path() / "env";
  ::setenv("PGPASSWORD", "pw-from-env", 1);
  ::setenv("IMMICHBAK_DBNAME", "postgresql://immich:uri%2Dsecret@db/immich", 1);
  ::setenv("HOOK_TEST_CONNINFO", "host=db password=kv-secret dbname=immich", 1);
  ::setenv("HOOK_TEST_PLAIN", "visible", 1);
  auto r = run_hook("env > \"$OUT\"", "{}", {{"OUT", out.string()}}, std::chrono::seconds(30), nullptr,
                    {"uri-secret"});
  for (const char* name : {"PGPASSWORD", "IMMICHBAK_DBNAME", "HOOK_TEST_CONNINFO", "HOOK_TEST_PLAIN"}) ::unsetenv(name);
  REQUIRE(r.exit_status == 0);
  const auto env = read_text(out);
  CHECK(env.find("HOOK_TEST_PLAIN=visible") != std::string::npos);
  for (const char* leak : {"pw-from-env", "uri%2Dsecret", "uri-secret", "kv-secret", "PGPASSWORD", "IMMICHBAK_DBNAME", "HOOK_TEST_CONNINFO"})
    CHECK(env.find(leak) == std::string::npos);
}
