// The `immichbak` executable end to end: exit codes, stdout/stderr split, --json, signals.
#include <catch2/catch.hpp>

#include "support/cli.hpp"
#include "support/test_env.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

// Built only with the CLI (IMMICHBAK_BUILD_CLI, on by default).
#ifdef IMMICHBAK_CLI_PATH

using namespace immichbak;
namespace fs = std::filesystem;

namespace {

const std::string cli = IMMICHBAK_CLI_PATH;

using test::run_cli;

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> v;
  for (auto& e : fs::directory_iterator(dir)) v.push_back(e.path());
  return v;
}

}  // namespace

TEST_CASE("cli: --version, --help and usage errors", "[cli][matrix]") {
  test::temp_dir tmp("cli_usage");
  auto v = run_cli("--version", tmp.path());
  CHECK(v.rc == 0);
  CHECK(v.out.find("immichbak ") != std::string::npos);

  auto h = run_cli("backup --help", tmp.path());
  CHECK(h.rc == 0);
  CHECK(h.out.find("--exclude-regenerable") != std::string::npos);

  CHECK(run_cli("frobnicate", tmp.path()).rc == 2);
  CHECK(run_cli("backup --dest /tmp --no-such-option", tmp.path()).rc == 2);
  CHECK(run_cli("", tmp.path()).rc == 2);
  auto bad_compress = run_cli("backup --dest /tmp --compress lz4", tmp.path());
  CHECK(bad_compress.rc == 2);
  CHECK(bad_compress.err.find("--compress") != std::string::npos);
}

TEST_CASE("cli: backup, inspect, verify, extract and restore through the command line", "[cli][matrix]") {
  test::scratch_database src("cli_src");
  test::load_immich_fixture(src, 20);
  test::temp_dir tmp("cli_flow");
  fs::path dest = tmp.path() / "backups";
  fs::create_directories(dest);

  auto b = run_cli(fmt::format("backup --dbname {} --dest {} --json --jobs 2", test::shell_quote(src.dsn()),
                               test::shell_quote(dest.string())),
                   tmp.path());
  INFO(b.err);
  REQUIRE(b.rc == 0);
  auto j = nlohmann::json::parse(b.out);  // stdout is exactly one JSON object
  CHECK(j["ok"] == true);
  fs::path file = j["path"].get<std::string>();
  CHECK(fs::exists(file));
  CHECK(fs::exists(fs::path(file.string() + ".sha256")));
  CHECK(j["rows"].get<std::uint64_t>() > 0);
  CHECK(j["immich_version"] == "v1.135.0");

  auto i = run_cli(fmt::format("inspect {} --json", test::shell_quote(file.string())), tmp.path());
  REQUIRE(i.rc == 0);
  auto m = nlohmann::json::parse(i.out);
  CHECK(m["database"] == src.name());
  CHECK(i.out.find("password") == std::string::npos);

  auto vt = run_cli(fmt::format("verify {}", test::shell_quote(file.string())), tmp.path());
  INFO(vt.out << vt.err);
  CHECK(vt.rc == 0);

  auto x = run_cli(fmt::format("extract {} --table public.album", test::shell_quote(file.string())), tmp.path());
  CHECK(x.rc == 0);
  CHECK(x.out.find("COPY \"public\".\"album\"") != std::string::npos);
  CHECK(run_cli(fmt::format("extract {} --table no_such_table", test::shell_quote(file.string())), tmp.path()).rc != 0);

  std::string target = src.name() + "_r";
  auto r = run_cli(fmt::format("restore {} --dbname {} --json", test::shell_quote(file.string()),
                               test::shell_quote(test::dsn(target))),
                   tmp.path());
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(nlohmann::json::parse(r.out)["database"] == target);
  CHECK(test::data_dump(target) == test::data_dump(src.name()));
  test::run_ok(fmt::format("psql -X -q -d postgres -c {}",
                           test::shell_quote(fmt::format("DROP DATABASE \"{}\" WITH (FORCE)", target))));

  // A damaged copy: verify exits 3 and names the problem.
  fs::path bad = tmp.path() / "damaged.sql.zst";
  fs::copy_file(file, bad);
  {
    std::fstream f(bad, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(bad) / 2));
    char c = 0;
    f.read(&c, 1);
    f.seekp(static_cast<std::streamoff>(fs::file_size(bad) / 2));
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  auto vb = run_cli(fmt::format("verify {} --json", test::shell_quote(bad.string())), tmp.path());
  CHECK(vb.rc == 3);
  CHECK(nlohmann::json::parse(vb.out).dump().find("fail") != std::string::npos);
}

TEST_CASE("cli: failures exit 1 with a clear message and leave nothing behind", "[cli][matrix]") {
  test::temp_dir tmp("cli_fail");
  auto missing = run_cli(fmt::format("backup --dbname {} --dest {}", test::shell_quote(test::dsn("postgres")),
                                     test::shell_quote((tmp.path() / "nope").string())),
                         tmp.path());
  CHECK(missing.rc == 1);
  CHECK(missing.err.find("nope") != std::string::npos);

  auto conn = run_cli(fmt::format("backup --dbname {} --dest {} --json",
                                  test::shell_quote("host=127.0.0.1 port=1 dbname=x password=hunter2 connect_timeout=2"),
                                  test::shell_quote(tmp.path().string())),
                      tmp.path());
  CHECK(conn.rc == 1);
  CHECK(nlohmann::json::parse(conn.out)["error"]["code"] == "connection_failed");
  CHECK(conn.out.find("hunter2") == std::string::npos);
  CHECK(conn.err.find("hunter2") == std::string::npos);

  auto notbackup = tmp.path() / "not-a-backup.sql.zst";
  std::ofstream(notbackup) << "hello";
  auto v = run_cli(fmt::format("verify {}", test::shell_quote(notbackup.string())), tmp.path());
  CHECK(v.rc != 0);
  CHECK(v.err.find("not-a-backup") != std::string::npos);
}

TEST_CASE("cli: SIGTERM during a backup removes the partial file and exits 130", "[cli][matrix]") {
  test::scratch_database src("cli_sig");
  test::load_immich_fixture(src, 400);
  test::temp_dir tmp("cli_sig");
  fs::path dest = tmp.path() / "out";
  fs::create_directories(dest);

  for (int sig : {SIGTERM, SIGINT}) {
    // Slow the backup down with level 19 and one job, so the signal lands mid-run.
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::setenv("IMMICHBAK_PROGRESS", "never", 1);
      std::string dsn = src.dsn();
      std::string d = dest.string();
      ::execl(cli.c_str(), cli.c_str(), "backup", "--dbname", dsn.c_str(), "--dest", d.c_str(), "--compress",
              "zstd:19", "-q", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Wait until the partial file exists, then signal.
    bool seen = false;
    for (int i = 0; i < 400 && !seen; ++i) {
      for (auto& p : files_in(dest))
        if (p.extension() == ".partial") seen = true;
      if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ::kill(pid, sig);
    int status = 0;
    ::waitpid(pid, &status, 0);
    INFO("signal " << sig);
    // The signal must land while the file is being written (else this proves nothing).
    REQUIRE(seen);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 130);
    CHECK(files_in(dest).empty());
    for (auto& p : files_in(dest)) fs::remove(p);
  }
}

#endif  // IMMICHBAK_CLI_PATH
