// The edges of the `immichbak` command a person touches first: misspelt commands and
// options, --json with text that is not UTF-8, passwords in malformed connection strings,
// the database chosen when none is named, progress in a log, the backup summary.
#include <catch2/catch.hpp>

#include "support/cli.hpp"
#include "support/test_env.hpp"

#include <immichbak/manifest.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

// Built only with the CLI (IMMICHBAK_BUILD_CLI, on by default).
#ifdef IMMICHBAK_CLI_PATH

using namespace immichbak;
namespace fs = std::filesystem;

namespace {

using test::run_cli;

std::string q(const std::string& s) { return test::shell_quote(s); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> v;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

// Index of the first line that contains `needle` (or starts with it), or -1.
long find_line(const std::vector<std::string>& lines, const std::string& needle, bool prefix = false) {
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (prefix ? lines[i].rfind(needle, 0) == 0 : lines[i].find(needle) != std::string::npos)
      return static_cast<long>(i);
  return -1;
}

std::size_t backup_files(const fs::path& dir) {
  std::size_t n = 0;
  for (auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".zst" || e.path().extension() == ".partial";
  return n;
}

void drop_database(const std::string& name) {
  test::run_ok(fmt::format("psql -X -q -d postgres -c {}",
                           q(fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", name))));
}

}  // namespace

TEST_CASE("cli: an unknown command or option is named first, with the nearest known one", "[cli][matrix]") {
  test::temp_dir tmp("cli_unknown");

  auto typo = run_cli("bakup", tmp.path());
  CHECK(typo.rc == 2);
  CHECK(typo.err.find("unknown command 'bakup'") != std::string::npos);
  CHECK(typo.err.find("did you mean 'backup'?") != std::string::npos);
  CHECK(typo.err.find("A subcommand is required") == std::string::npos);

  auto far = run_cli("frobnicate --dest /tmp", tmp.path());
  CHECK(far.rc == 2);
  CHECK(far.err.find("unknown command 'frobnicate'") != std::string::npos);
  CHECK(far.err.find("backup, restore, verify, inspect, extract") != std::string::npos);

  // Unknown options come before missing required ones.
  for (const char* args : {"backup --frobnicate", "backup --dest /tmp --frobnicate", "--frobnicate backup"}) {
    INFO(args);
    auto o = run_cli(args, tmp.path());
    CHECK(o.rc == 2);
    CHECK(o.err.find("unknown option '--frobnicate'") != std::string::npos);
    CHECK(o.err.find("--dest is required") == std::string::npos);
  }
  auto near = run_cli("backup --dbnam x --dest /tmp", tmp.path());
  CHECK(near.rc == 2);
  CHECK(near.err.find("backup: unknown option '--dbnam'; did you mean '--dbname'?") != std::string::npos);
  auto shrt = run_cli("restore -x f", tmp.path());
  CHECK(shrt.rc == 2);
  CHECK(shrt.err.find("unknown option '-x'") != std::string::npos);

  // Known words with a missing value or argument keep CLI11's own message.
  auto missing = run_cli("backup", tmp.path());
  CHECK(missing.rc == 2);
  CHECK(missing.err.find("--dest is required") != std::string::npos);
  auto jv = run_cli("backup -j4 -vv --progress never", tmp.path());
  CHECK(jv.rc == 2);
  CHECK(jv.err.find("--dest is required") != std::string::npos);

  // With --json the usage error is one JSON object on stdout too.
  auto json = run_cli("--json bakup", tmp.path());
  CHECK(json.rc == 2);
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["ok"] == false);
  CHECK(j["error"]["message"].get<std::string>().find("unknown command 'bakup'") != std::string::npos);
}

TEST_CASE("cli: --json output never aborts on text that is not UTF-8", "[cli][matrix]") {
  test::temp_dir tmp("cli_utf8");
  const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD

  SECTION("a plain SQL file whose text quotes a Latin-1 byte") {
    fs::path sql = tmp.path() / "min.sql";
    std::ofstream(sql, std::ios::binary) << "SELECT $\xe9$ abc";
    std::string target = fmt::format("t_{}_utf8_min", ::getpid());
    auto r = run_cli(fmt::format("restore {} --dbname {} --json", q(sql.string()), q(test::dsn(target))), tmp.path());
    INFO(r.out << r.err);
    CHECK(r.rc != 134);
    CHECK((r.rc == 1 || r.rc == 2));
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["ok"] == false);
    CHECK(j["error"]["message"].get<std::string>().find(replacement) != std::string::npos);
    drop_database(target);
  }

  SECTION("a Latin-1 identifier the server rejects") {
    fs::path sql = tmp.path() / "latin1.sql";
    std::ofstream(sql, std::ios::binary) << "CREATE TABLE public.caf\xe9 (id integer);\n";
    std::string target = fmt::format("t_{}_utf8_ident", ::getpid());
    auto r = run_cli(fmt::format("restore {} --dbname {} --json", q(sql.string()), q(test::dsn(target))), tmp.path());
    INFO(r.out << r.err);
    CHECK(r.rc == 1);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["ok"] == false);
    CHECK(j["error"]["message"].get<std::string>().find(replacement) != std::string::npos);
    drop_database(target);
  }

  SECTION("a backup of a SQL_ASCII database with a Latin-1 table name") {
    std::string db = fmt::format("t_{}_utf8_ascii", ::getpid());
    drop_database(db);
    test::run_ok(fmt::format("psql -X -q -d postgres -c {}",
                             q(fmt::format("CREATE DATABASE \"{}\" ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' "
                                           "TEMPLATE template0",
                                           db))));
    fs::path sql = tmp.path() / "ascii.sql";
    std::ofstream(sql, std::ios::binary) << "CREATE TABLE public.asset (id integer);\n"
                                         << "CREATE TABLE public.\"caf\xe9\" (id integer);\n";
    test::run_ok(fmt::format("PGCLIENTENCODING=SQL_ASCII psql -X -q -v ON_ERROR_STOP=1 -d {} -f {}", q(db),
                             q(sql.string())));
    fs::path dest = tmp.path() / "out";
    fs::create_directories(dest);
    auto r = run_cli(fmt::format("backup --dbname {} --dest {} --json", q(test::dsn(db)), q(dest.string())),
                     tmp.path());
    INFO(r.out << r.err);
    CHECK(r.rc != 134);
    CHECK_NOTHROW(nlohmann::json::parse(r.out));  // one JSON object, whatever the outcome
    drop_database(db);
  }
}

TEST_CASE("cli: a password in a malformed connection string is never printed", "[cli][matrix]") {
  test::scratch_database src("cli_pw_src");
  src.psql("CREATE TABLE public.asset (id integer); INSERT INTO public.asset VALUES (1)");
  test::temp_dir tmp("cli_pw");
  fs::path dest = tmp.path() / "out";
  fs::create_directories(dest);
  auto made = run_cli(fmt::format("backup --dbname {} --dest {} -q", q(src.dsn()), q(dest.string())), tmp.path());
  REQUIRE(made.rc == 0);
  std::string file = made.out.substr(0, made.out.find('\n'));
  fs::path plain = tmp.path() / "plain.sql";
  std::ofstream(plain) << "CREATE TABLE t (id integer);\n";

  const std::string pw = "s3cretPW";
  const std::string host = std::getenv("PGHOST"), port = std::getenv("PGPORT");
  const std::vector<std::string> dsns = {
      "postgresql://u:" + pw + "@[bad",                                  // libpq quotes the whole URI
      "postgresql://u:" + pw + "%zz@" + host + "/db",                    // bad percent escape
      "postgresql://u:" + pw + "%00@" + host + "/db",                    // forbidden %00
      "postgresql://u:%zz" + pw + "@" + host + ":" + port + "/db",       // escape first
      "postgresql://" + host + ":" + port + "/db?password=" + pw + "%zz",  // query parameter
      "postgresql://u:pa/" + pw + "@" + host + ":" + port + "/db",       // unencoded '/'
      "host=" + host + " port=" + port + " password='" + pw,             // unterminated quote
      "host=" + host + " port=" + port + " password = '" + pw + "\\",    // unterminated, escaped
      "host=" + host + " port=1 password=" + pw + " dbname=x connect_timeout=2",
      "host=" + host + " port=" + port + " user=nobody_here password=" + pw + " dbname=x",
      "host=" + host + " port=" + port + " password=" + pw + " sslmode=bogus",
  };
  for (const auto& d : dsns) {
    INFO("DSN: " << d);
    for (const char* json : {"", " --json"}) {
      auto b = run_cli(fmt::format("backup --dbname {} --dest {}{}", q(d), q(dest.string()), json), tmp.path());
      auto r = run_cli(fmt::format("restore {} --dbname {}{}", q(plain.string()), q(d), json), tmp.path());
      auto v = run_cli(fmt::format("verify {} --restore-test --dbname {}{}", q(file), q(d), json), tmp.path());
      for (const auto* o : {&b, &r, &v}) {
        INFO(o->out << o->err);
        CHECK(o->rc != 0);
        CHECK(o->rc != 134);
        CHECK(o->all().find(pw) == std::string::npos);
        if (*json) CHECK_NOTHROW(nlohmann::json::parse(o->out));
      }
    }
  }
  CHECK(backup_files(dest) == 1);
}

TEST_CASE("cli: backup says which database it backs up and refuses one without Immich tables", "[cli][matrix]") {
  test::scratch_database src("cli_notimmich");
  src.psql("CREATE TABLE public.t (id integer); INSERT INTO public.t VALUES (1)");
  test::temp_dir tmp("cli_notimmich");
  fs::path dest = tmp.path() / "out";
  fs::create_directories(dest);

  auto refused = run_cli(fmt::format("backup --dbname {} --dest {}", q(src.dsn()), q(dest.string())), tmp.path());
  INFO(refused.err);
  CHECK(refused.rc == 2);
  CHECK(refused.err.find(fmt::format("database \"{}\" holds no Immich tables", src.name())) != std::string::npos);
  CHECK(refused.err.find("--allow-non-immich") != std::string::npos);
  CHECK(backup_files(dest) == 0);

  // Neither --dbname nor PGDATABASE: libpq's default (the user name, "postgres" here) is
  // named, in the log line and in the refusal.
  auto dflt = run_cli(fmt::format("backup --dest {}", q(dest.string())), tmp.path(), "-u PGDATABASE");
  INFO(dflt.err);
  CHECK(dflt.rc == 2);
  CHECK(dflt.err.find("backing up database \"postgres\" (no database named by the connection string or PGDATABASE, "
                      "so libpq's default: the user name") != std::string::npos);
  CHECK(dflt.err.find("database \"postgres\" holds no Immich tables") != std::string::npos);
  CHECK(backup_files(dest) == 0);

  auto envdb = run_cli(fmt::format("backup --dest {} --json", q(dest.string())), tmp.path(),
                       "PGDATABASE=" + src.name());
  CHECK(envdb.rc == 2);
  CHECK(envdb.err.find(fmt::format("backing up database \"{}\" (named by PGDATABASE", src.name())) !=
        std::string::npos);
  CHECK(nlohmann::json::parse(envdb.out)["error"]["code"] == "invalid_argument");

  auto allowed = run_cli(fmt::format("backup --dbname {} --dest {} --allow-non-immich", q(src.dsn()), q(dest.string())),
                         tmp.path());
  INFO(allowed.err);
  CHECK(allowed.rc == 0);
  CHECK(allowed.err.find(fmt::format("backing up database \"{}\"", src.name())) != std::string::npos);
  CHECK(backup_files(dest) == 1);
}

TEST_CASE("cli: binary COPY is the default, --text-copy and IMMICHBAK_BINARY_COPY=0 turn it off", "[cli][matrix]") {
  test::scratch_database src("cli_binary");
  test::load_immich_fixture(src, 30);
  test::temp_dir tmp("cli_binary");
  fs::path dest = tmp.path() / "out";
  fs::create_directories(dest);
  // -v shows the debug line "data: N of M table(s) read with binary COPY" when binary COPY is planned.
  auto planned = [](const test::cli_outcome& r) { return r.err.find("read with binary COPY") != std::string::npos; };
  const std::string common = fmt::format("--dbname {} --dest {} -v", q(src.dsn()), q(dest.string()));
  auto dflt = run_cli("backup " + common, tmp.path());
  INFO(dflt.err);
  CHECK(dflt.rc == 0);
  CHECK(planned(dflt));
  CHECK(dflt.err.find("data: 0 of") == std::string::npos);
  auto text = run_cli("backup --text-copy " + common, tmp.path());
  CHECK(text.rc == 0);
  CHECK_FALSE(planned(text));
  auto explicit_binary = run_cli("backup --binary-copy " + common, tmp.path());  // scripts from before the default
  CHECK(explicit_binary.rc == 0);
  CHECK(planned(explicit_binary));
  auto run_text = run_cli("run " + common, tmp.path(), "IMMICHBAK_BINARY_COPY=0");
  INFO(run_text.err);
  CHECK(run_text.rc == 0);
  CHECK(run_text.err.find("backup") != std::string::npos);
  CHECK_FALSE(planned(run_text));
  CHECK(backup_files(dest) == 4);
}

TEST_CASE("cli: --progress always in a log prints each phase's real counts, in order", "[cli][matrix]") {
  test::scratch_database src("cli_progress");
  test::load_immich_fixture(src, 30);
  test::temp_dir tmp("cli_progress");
  fs::path dest = tmp.path() / "out";
  fs::create_directories(dest);
  auto b = run_cli(fmt::format("backup --dbname {} --dest {} --progress always --jobs 2", q(src.dsn()),
                               q(dest.string())),
                   tmp.path());
  INFO(b.err);
  REQUIRE(b.rc == 0);
  auto lines = lines_of(b.err);
  long start = find_line(lines, "immichbak: backing up database");
  long schema = find_line(lines, "schema ", true);
  long data = find_line(lines, "data ", true);
  long post = find_line(lines, "post-data ", true);
  long commit = find_line(lines, "commit ", true);
  REQUIRE(start >= 0);
  REQUIRE(schema >= 0);
  REQUIRE(data >= 0);
  REQUIRE(post >= 0);
  REQUIRE(commit >= 0);
  CHECK(start < schema);
  CHECK(schema < data);
  CHECK(data < post);
  CHECK(post < commit);
  // A closing line per phase with its totals: N/N items done, not the 0/N of the start.
  std::smatch m;
  const std::string& dl = lines[static_cast<std::size_t>(data)];
  REQUIRE(std::regex_search(dl, m, std::regex(R"(done: (\d+)/(\d+), (\d+) rows, .* in [0-9.]+ s)")));
  CHECK(m[1] == m[2]);
  CHECK(std::stoul(m[1]) > 0);
  CHECK(std::stoul(m[3]) > 0);
  const std::string& pl = lines[static_cast<std::size_t>(post)];
  REQUIRE(std::regex_search(pl, m, std::regex(R"(done: (\d+)/(\d+))")));
  CHECK(m[1] == m[2]);
  CHECK(std::stoul(m[1]) > 0);
  CHECK(b.err.find("(0/") == std::string::npos);
}

TEST_CASE("cli: the backup summary counts empty and excluded tables apart and prints the path once",
          "[cli][matrix]") {
  test::scratch_database src("cli_summary");
  test::load_immich_fixture(src, 20);
  src.psql("CREATE TABLE public.empty_one (id integer); CREATE TABLE public.empty_two (id integer)");
  test::temp_dir tmp("cli_summary");
  fs::path dest = tmp.path() / "out";
  fs::create_directories(dest);

  auto j = run_cli(fmt::format("backup --dbname {} --dest {} --json --exclude-table-data public.smart_search", q(src.dsn()),
                               q(dest.string())),
                   tmp.path());
  INFO(j.err);
  REQUIRE(j.rc == 0);
  auto r = nlohmann::json::parse(j.out);
  manifest m = read_manifest(r["path"].get<std::string>());
  std::size_t empty = 0, excluded = 0;
  for (const auto& t : m.tables) {
    if (t.data_excluded) ++excluded;
    else if (t.rows == 0) ++empty;
  }
  CHECK(empty >= 2);
  CHECK(excluded == 1);
  CHECK(r["tables"] == m.tables.size());
  CHECK(r["tables_empty"] == empty);
  CHECK(r["tables_excluded"] == excluded);
  CHECK(r["database"] == src.name());

  auto t = run_cli(fmt::format("backup --dbname {} --dest {} --exclude-table-data public.smart_search", q(src.dsn()),
                               q(dest.string())),
                   tmp.path());
  INFO(t.err);
  REQUIRE(t.rc == 0);
  auto out = lines_of(t.out);
  REQUIRE(out.size() == 1);  // stdout: the path, nothing else
  CHECK(fs::exists(out[0]));
  CHECK(t.err.find(out[0]) == std::string::npos);  // and only there
  CHECK(t.err.find(fmt::format("{} tables ({} of them empty, {} with rows left out)", m.tables.size(), empty,
                               excluded)) != std::string::npos);
  CHECK(t.err.find("without rows") == std::string::npos);
}

#endif  // IMMICHBAK_CLI_PATH
