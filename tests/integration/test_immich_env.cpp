// --immich-env against a server that checks the password: a `.env` shaped like Immich's
// example connects backup, verify --restore-test and restore; a wrong password is refused
// (so the password really travels); the password appears in no output, JSON, log, manifest,
// backup file or sidecar; PG* variables given too win over the file.
#include <catch2/catch.hpp>

#include "support/cli.hpp"
#include "support/test_env.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#ifdef IMMICHBAK_CLI_PATH

using namespace immichbak;
namespace fs = std::filesystem;

namespace {

const std::string cli = IMMICHBAK_CLI_PATH;
const std::string password = "Zq8rT2mVx7LkP4-immich";

using test::slurp;

// The role logs in over TCP only with its scram password: a line for it alone goes first
// in the test cluster's pg_hba.conf (every other role keeps trust), removed afterwards.
class password_role {
 public:
  explicit password_role(const test::scratch_database& db) : db_(db) {
    name_ = fmt::format("t_{}_immich_pw", ::getpid());
    db.psql(fmt::format("DROP ROLE IF EXISTS {0}; SET password_encryption = 'scram-sha-256'; "
                        "CREATE ROLE {0} LOGIN SUPERUSER PASSWORD '{1}'",
                        name_, password));
    hba_ = test::run_ok(fmt::format("psql -X -At -d {} -c 'SHOW hba_file'", test::shell_quote(db.name())));
    while (!hba_.empty() && (hba_.back() == '\n' || hba_.back() == '\r')) hba_.pop_back();
    original_ = slurp(hba_);
    line_ = fmt::format("host all {} 127.0.0.1/32 scram-sha-256\n", name_);
    write(line_ + original_);
  }
  ~password_role() {
    try {
      // Only our line goes; a concurrent test's line (another pid) stays.
      std::string now = slurp(hba_);
      if (auto at = now.find(line_); at != std::string::npos) now.erase(at, line_.size());
      write(now);
      db_.psql(fmt::format("DROP ROLE IF EXISTS {}", name_));
    } catch (...) {
    }
  }
  const std::string& name() const { return name_; }

 private:
  void write(const std::string& text) {
    std::string tmp = hba_ + ".immichbak-test";
    {
      std::ofstream(tmp, std::ios::binary) << text;
    }
    fs::permissions(tmp, fs::status(hba_).permissions());
    test::run_ok(fmt::format("chown --reference={} {} 2>/dev/null || true; mv {} {}", test::shell_quote(hba_),
                             test::shell_quote(tmp), test::shell_quote(tmp), test::shell_quote(hba_)));
    db_.psql("SELECT pg_reload_conf(); SELECT pg_sleep(0.3)");
  }
  const test::scratch_database& db_;
  std::string name_, hba_, original_, line_;
};

struct outcome {
  int rc;
  std::string all;  // stdout and stderr
};

// The CLI with no PG* variables: only the .env (and what the test adds) says where to go.
outcome run_cli(const std::string& env_prefix, const std::string& args) {
  test::temp_dir scratch("immich_env_cli");
  auto o = test::run_cli(args, scratch.path(),
                         "-u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGPASSWORD " + env_prefix);
  return {o.rc, o.all()};
}

void no_password(const std::string& what, const std::string& text) {
  INFO(what << ":\n" << text.substr(0, 4000));
  CHECK(text.find(password) == std::string::npos);
  CHECK(text.find("Zq8rT2mV") == std::string::npos);
}

}  // namespace

TEST_CASE("cli: --immich-env connects with Immich's .env and its password, which is shown nowhere", "[cli][immich_env]") {
  test::require_cluster();
  test::scratch_database db("immich_env");
  test::load_immich_fixture(db, 3);
  password_role role(db);
  test::temp_dir tmp("immich_env");
  const std::string port = std::getenv("PGPORT");
  auto env_text = [&](const std::string& pw) {
    return fmt::format("# as Immich's docker/example.env, with the database reachable from here\n"
                       "UPLOAD_LOCATION=./library\nDB_DATA_LOCATION=./postgres\nIMMICH_VERSION=v2\n"
                       "# Connection secret for postgres. You should change it to a random password\n"
                       "DB_PASSWORD={}\n"
                       "###################################################################################\n"
                       "DB_HOSTNAME=127.0.0.1\nDB_PORT=\"{}\"\nDB_USERNAME='{}'\nDB_DATABASE_NAME={}   # ours\n",
                       pw, port, role.name(), db.name());
  };
  const fs::path env_file = tmp.path() / ".env";
  std::ofstream(env_file) << env_text(password);
  const fs::path wrong_file = tmp.path() / "wrong.env";
  std::ofstream(wrong_file) << env_text("not-the-password");
  const fs::path dest = tmp.path() / "backups";
  fs::create_directories(dest);
  const std::string q_env = test::shell_quote(env_file.string());

  // The server checks the password: a wrong one fails, so the right one below was sent.
  auto wrong = run_cli("", fmt::format("backup --immich-env {} --dest {}", test::shell_quote(wrong_file.string()),
                                       test::shell_quote(dest.string())));
  INFO(wrong.all);
  CHECK(wrong.rc == 1);
  CHECK(wrong.all.find("password authentication failed") != std::string::npos);
  CHECK(wrong.all.find("not-the-password") == std::string::npos);

  auto b = run_cli("", fmt::format("backup --immich-env {} --dest {} --json -v", q_env, test::shell_quote(dest.string())));
  INFO(b.all);
  REQUIRE(b.rc == 0);
  CHECK(b.all.find("DB_PASSWORD") != std::string::npos);  // named, as used
  CHECK(b.all.find("password=***") != std::string::npos);
  no_password("backup output", b.all);
  fs::path backup;
  for (const auto& e : fs::directory_iterator(dest)) {
    no_password(e.path().filename().string(), slurp(e.path()));
    if (e.path().extension() == ".zst") backup = e.path();
  }
  REQUIRE(!backup.empty());
  no_password("backup file, decompressed", test::run_ok("zstd -dc " + test::shell_quote(backup.string())));
  no_password("inspect --json", test::run_ok(fmt::format("{} inspect {} --json", test::shell_quote(cli),
                                                         test::shell_quote(backup.string()))));

  auto v = run_cli("", fmt::format("verify {} --restore-test --immich-env {} --json", test::shell_quote(backup.string()), q_env));
  INFO(v.all);
  CHECK(v.rc == 0);
  no_password("verify --restore-test", v.all);

  // The bare word after --dbname names the database; host, user and password stay the file's.
  test::scratch_database target("immich_env_target");
  auto r = run_cli("", fmt::format("restore {} --immich-env {} --dbname {} --json", test::shell_quote(backup.string()),
                                   q_env, target.name()));
  INFO(r.all);
  CHECK(r.rc == 0);
  no_password("restore", r.all);
  CHECK(test::data_dump(target.name()) == test::data_dump(db.name()));

  // PG* given too wins over the file: a port where nothing listens fails, and says so
  // without the password.
  auto p = run_cli("PGPORT=1", fmt::format("backup --immich-env {} --dest {}", q_env, test::shell_quote(dest.string())));
  INFO(p.all);
  CHECK(p.rc == 1);
  CHECK(p.all.find("port (PGPORT)") != std::string::npos);
  no_password("PGPORT failure", p.all);

  auto missing = run_cli("", fmt::format("backup --immich-env {} --dest {}", test::shell_quote((tmp.path() / "nope.env").string()),
                                         test::shell_quote(dest.string())));
  CHECK(missing.rc == 2);
  CHECK(missing.all.find("nope.env") != std::string::npos);
}

#endif  // IMMICHBAK_CLI_PATH
