// `immichbak list`, `prune` and `check-age` end to end: exit codes, stdout/stderr, --json.
// The backups are written with the real writer (their manifest's created_at is their time);
// no server is needed.
#include <catch2/catch.hpp>

#include "format/dir_lock.hpp"
#include "support/cli.hpp"
#include "support/test_env.hpp"
#include "unit/test_retention_support.hpp"

#include <immichbak/retention.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

// Built only with the CLI (IMMICHBAK_BUILD_CLI, on by default).
#ifdef IMMICHBAK_CLI_PATH

using namespace immichbak;
using namespace immichbak::test;
namespace fs = std::filesystem;

namespace {

// Every run in UTC: the listings print local times.
test::cli_outcome run_cli_utc(const std::string& args, const fs::path& scratch) {
  return test::run_cli(args, scratch, "TZ=UTC");
}

std::string q(const fs::path& p) { return shell_quote(p.string()); }

std::time_t now_s() { return std::time(nullptr); }

// `n` verified backups, one every `step` seconds, the newest `age` seconds old.
std::vector<fs::path> backups(const fs::path& dir, int n, std::time_t age, std::time_t step = 86400) {
  std::vector<fs::path> v;
  for (int i = 0; i < n; ++i) {
    v.push_back(write_backup(dir, now_s() - age - i * step));
    mark_verified(v.back());
  }
  return v;
}

}  // namespace

TEST_CASE("cli: list shows every file, newest first, and --json is one object", "[cli][retention]") {
  temp_dir tmp("cli_list");
  const fs::path dir = tmp.path() / "b";
  fs::create_directories(dir);
  auto files = backups(dir, 3, 3600);
  mark_verified(files[1], false);
  {
    std::ofstream(dir / "notes.txt") << "hi";
  }
  set_mtime(dir / "notes.txt", now_s() - 30 * 86400);  // a file's time is its mtime: the oldest

  auto t = run_cli_utc(fmt::format("list {}", q(dir)), tmp.path());
  INFO(t.out << t.err);
  CHECK(t.rc == 0);
  CHECK(t.out.find(files[0].filename().string()) < t.out.find(files[1].filename().string()));
  CHECK(t.out.find("VERIFY FAILED") != std::string::npos);
  CHECK(t.out.find("not a backup") != std::string::npos);
  CHECK(t.out.find("Immich v1.135.0") != std::string::npos);

  auto j = run_cli_utc(fmt::format("list {} --json", q(dir)), tmp.path());
  REQUIRE(j.rc == 0);
  auto doc = nlohmann::json::parse(j.out);
  CHECK(doc["ok"] == true);
  REQUIRE(doc["entries"].size() == 4);
  CHECK(doc["entries"][0]["name"] == files[0].filename().string());
  CHECK(doc["entries"][0]["kind"] == "backup");
  CHECK(doc["entries"][0]["verification"] == "passed");
  CHECK(doc["entries"][0]["time_source"] == "manifest");
  CHECK(doc["entries"][0]["rows"] == 3);
  CHECK(doc["entries"][1]["verification"] == "failed");
  CHECK(doc["entries"][1]["last_verify"]["failed_checks"][0] == "frame");

  auto missing = run_cli_utc(fmt::format("list {} --json", q(dir / "nope")), tmp.path());
  CHECK(missing.rc == 1);
  CHECK(nlohmann::json::parse(missing.out)["ok"] == false);
  CHECK(missing.err.find("nope") != std::string::npos);
}

TEST_CASE("cli: prune refuses without a rule, shows its plan with --dry-run, removes with sidecars", "[cli][retention]") {
  temp_dir tmp("cli_prune");
  const fs::path dir = tmp.path() / "b";
  fs::create_directories(dir);
  auto files = backups(dir, 5, 7200);

  auto none = run_cli_utc(fmt::format("prune {} --json", q(dir)), tmp.path());
  CHECK(none.rc == 2);
  CHECK(nlohmann::json::parse(none.out)["error"]["code"] == "invalid_argument");
  CHECK(none.err.find("no keep rule") != std::string::npos);
  CHECK(run_cli_utc(fmt::format("prune {} --keep-daily x", q(dir)), tmp.path()).rc == 2);
  CHECK(run_cli_utc(fmt::format("prune {} --keep-within 3q", q(dir)), tmp.path()).rc == 2);
  CHECK(run_cli_utc(fmt::format("prune {} --keep-last -1", q(dir)), tmp.path()).rc == 2);
  CHECK(run_cli_utc(fmt::format("prune {} --keep-last 1 --wait 5m", q(dir)), tmp.path()).rc == 2);

  auto dry = run_cli_utc(fmt::format("prune {} --keep-last 2 --dry-run", q(dir)), tmp.path());
  INFO(dry.out << dry.err);
  CHECK(dry.rc == 0);
  CHECK(dry.out.find("dry run: keep 2 last") != std::string::npos);
  CHECK(dry.out.find("remove  ") != std::string::npos);
  CHECK(dry.out.find("(last, newest verified backup)") != std::string::npos);
  CHECK(dry.out.find("would keep 2, remove 3") != std::string::npos);
  for (const auto& f : files) CHECK(fs::exists(f));

  auto dj = run_cli_utc(fmt::format("prune {} --keep-last 2 --dry-run --json", q(dir)), tmp.path());
  REQUIRE(dj.rc == 0);
  auto plan = nlohmann::json::parse(dj.out);
  CHECK(plan["dry_run"] == true);
  CHECK(plan["to_remove"] == 3);
  CHECK(plan["entries"][0]["action"] == "keep");
  CHECK(plan["entries"][0]["reasons"][0] == "last");
  CHECK(plan["entries"][4]["action"] == "remove");
  CHECK(plan["entries"][4]["reasons"][0] == "no rule keeps it");

  // A backup writing into the directory: prune refuses (exit 1) and says why.
  {
    auto lock = format::dir_lock::for_backup(dir, std::chrono::milliseconds(0), nullptr);
    auto busy = run_cli_utc(fmt::format("prune {} --keep-last 2", q(dir)), tmp.path());
    CHECK(busy.rc == 1);
    CHECK(busy.err.find("backup is working in") != std::string::npos);
    auto waited = run_cli_utc(fmt::format("prune {} --keep-last 2 --wait 1s --json", q(dir)), tmp.path());
    CHECK(waited.rc == 1);
    CHECK(nlohmann::json::parse(waited.out)["error"]["code"] == "lock_timeout");
  }
  for (const auto& f : files) CHECK(fs::exists(f));

  auto real = run_cli_utc(fmt::format("prune {} --keep-last 2 --json", q(dir)), tmp.path());
  INFO(real.out << real.err);
  REQUIRE(real.rc == 0);
  auto done = nlohmann::json::parse(real.out);
  CHECK(done["ok"] == true);
  CHECK(done["removed"] == 3);
  for (std::size_t i = 0; i < files.size(); ++i) {
    CHECK(fs::exists(files[i]) == (i < 2));
    CHECK(fs::exists(files[i].string() + ".sha256") == (i < 2));
    CHECK(fs::exists(files[i].string() + ".verified.json") == (i < 2));
  }
  // -q: nothing on stdout when all went well.
  auto quiet = run_cli_utc(fmt::format("prune {} --keep-last 2 -q", q(dir)), tmp.path());
  CHECK(quiet.rc == 0);
  CHECK(quiet.out.empty());
}

TEST_CASE("cli: check-age speaks the monitoring plugins' exit codes", "[cli][retention]") {
  temp_dir tmp("cli_age");
  const fs::path dir = tmp.path() / "b";
  fs::create_directories(dir);

  auto empty = run_cli_utc(fmt::format("check-age {} --max-age 26h", q(dir)), tmp.path());
  CHECK(empty.rc == 2);
  CHECK(empty.out.rfind("IMMICHBAK CRITICAL - no immichbak backup in", 0) == 0);

  auto files = backups(dir, 2, 3 * 3600);
  auto ok = run_cli_utc(fmt::format("check-age {} --max-age 26h --warn-age 25h", q(dir)), tmp.path());
  INFO(ok.out << ok.err);
  CHECK(ok.rc == 0);
  CHECK(ok.out.rfind("IMMICHBAK OK - newest verified backup " + files[0].filename().string() + " is 3h old", 0) == 0);
  CHECK(ok.out.find("| age=") != std::string::npos);
  CHECK(ok.out.find(";90000;93600;0") != std::string::npos);
  CHECK(std::count(ok.out.begin(), ok.out.end(), '\n') == 1);  // one line

  CHECK(run_cli_utc(fmt::format("check-age {} --max-age 4h --warn-age 2h", q(dir)), tmp.path()).rc == 1);
  CHECK(run_cli_utc(fmt::format("check-age {} --max-age 2h", q(dir)), tmp.path()).rc == 2);

  auto j = run_cli_utc(fmt::format("check-age {} --max-age 4h --warn-age 2h --json", q(dir)), tmp.path());
  CHECK(j.rc == 1);
  auto doc = nlohmann::json::parse(j.out);
  CHECK(doc["status"] == "WARNING");
  CHECK(doc["exit_code"] == 1);
  CHECK(doc["age_seconds"].get<long>() >= 3 * 3600);
  CHECK(doc["newest_good"]["name"] == files[0].filename().string());

  // A newer backup that failed its verify: CRITICAL, whatever the age of the good one.
  fs::path bad = write_backup(dir, now_s() - 600);
  mark_verified(bad, false);
  auto failed = run_cli_utc(fmt::format("check-age {} --max-age 26h", q(dir)), tmp.path());
  CHECK(failed.rc == 2);
  CHECK(failed.out.find("failed its verify") != std::string::npos);
  // Not verified yet: judged by the newest verified one.
  fs::remove(format::verify_record_path(bad));
  auto pending = run_cli_utc(fmt::format("check-age {} --max-age 26h", q(dir)), tmp.path());
  CHECK(pending.rc == 0);
  CHECK(pending.out.find("newer: " + bad.filename().string() + " (unverified)") != std::string::npos);
  // ... unless unverified backups count.
  auto counted = run_cli_utc(fmt::format("check-age {} --max-age 26h --count-unverified", q(dir)), tmp.path());
  CHECK(counted.rc == 0);
  CHECK(counted.out.find("newest readable backup " + bad.filename().string()) != std::string::npos);

  // UNKNOWN (3): the directory cannot be read, or the options make no sense.
  auto missing = run_cli_utc(fmt::format("check-age {} --max-age 26h", q(dir / "nope")), tmp.path());
  CHECK(missing.rc == 3);
  CHECK(missing.out.rfind("IMMICHBAK UNKNOWN - ", 0) == 0);
  CHECK(run_cli_utc(fmt::format("check-age {}", q(dir)), tmp.path()).rc == 3);
  CHECK(run_cli_utc(fmt::format("check-age {} --max-age 26x", q(dir)), tmp.path()).rc == 3);
  CHECK(run_cli_utc(fmt::format("check-age {} --max-age 2h --warn-age 3h", q(dir)), tmp.path()).rc == 3);
  auto uj = run_cli_utc(fmt::format("check-age {} --max-age 30m --json", q(dir)), tmp.path());
  CHECK(uj.rc == 3);
  CHECK(nlohmann::json::parse(uj.out)["status"] == "UNKNOWN");
}

#endif  // IMMICHBAK_CLI_PATH
