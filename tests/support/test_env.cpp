#include "support/test_env.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace immichbak::test {

namespace fs = std::filesystem;

void require_cluster() {
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    const char* envfile = std::getenv("IMMICHBAK_TEST_PGENV");
    if (!envfile) {
      failure = "IMMICHBAK_TEST_PGENV is not set: run integration tests through ctest, which starts "
                "the throwaway cluster (tests/pg/pg-cluster.sh) as the pg_cluster fixture";
      return;
    }
    std::ifstream in(envfile);
    if (!in) {
      failure = fmt::format("no cluster environment at {}: the pg_cluster fixture did not start a server",
                            envfile);
      return;
    }
    std::string line;
    while (std::getline(in, line)) {
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      ::setenv(line.substr(0, eq).c_str(), line.substr(eq + 1).c_str(), 1);
    }
    ::unsetenv("PGPASSWORD");
    ::unsetenv("PGSERVICE");
  });
  if (!failure.empty()) throw std::runtime_error(failure);
}

std::string dsn(const std::string& db) {
  require_cluster();
  return fmt::format("host={} port={} user={} dbname={}", std::getenv("PGHOST"), std::getenv("PGPORT"),
                     std::getenv("PGUSER"), db);
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int run(const std::string& command, std::string* output) {
  std::string cmd = command + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed for: " + command);
  std::string out;
  std::array<char, 65536> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = ::pclose(p);
  if (output) *output = std::move(out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string run_ok(const std::string& command) {
  std::string out;
  int rc = run(command, &out);
  if (rc != 0) throw std::runtime_error(fmt::format("command failed (exit {}): {}\n{}", rc, command, out));
  return out;
}

namespace {
std::atomic<int> counter{0};

std::string sanitize(const std::string& hint) {
  std::string s;
  for (char c : hint) s += (std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_');
  return s.substr(0, 30);
}

std::string psql_cmd(const std::string& db) {
  return fmt::format("psql -X -q -v ON_ERROR_STOP=1 -d {}", shell_quote(db));
}
}  // namespace

scratch_database::scratch_database(const std::string& hint) {
  require_cluster();
  name_ = fmt::format("t_{}_{}_{}", ::getpid(), counter++, sanitize(hint));
  run_ok(fmt::format("psql -X -q -v ON_ERROR_STOP=1 -d postgres -c {}",
                     shell_quote(fmt::format("CREATE DATABASE \"{}\"", name_))));
}

scratch_database::~scratch_database() {
  std::string out;
  run(fmt::format("psql -X -q -d postgres -c {}",
                  shell_quote(fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", name_))),
      &out);
}

void scratch_database::psql(const std::string& sql) const {
  run_ok(fmt::format("{} -c {}", psql_cmd(name_), shell_quote(sql)));
}

void scratch_database::psql_file(const fs::path& file) const {
  run_ok(fmt::format("{} -f {}", psql_cmd(name_), shell_quote(file.string())));
}

int server_major() {
  static int major = 0;
  if (major == 0) {
    require_cluster();
    std::string out = run_ok("psql -X -At -d postgres -c 'SHOW server_version_num'");
    major = std::stoi(out) / 10000;
  }
  return major;
}

int pg_dump_major() {
  static int major = 0;
  if (major == 0) {
    // "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    std::string out = run_ok("pg_dump --version");
    auto p = out.find(") ");
    if (p == std::string::npos) throw std::runtime_error("cannot read pg_dump --version: " + out);
    major = std::stoi(out.substr(p + 2));
  }
  return major;
}

void report(const std::string& line) {
  std::cout << line << std::endl;
  // The same test runs on every major of the matrix: say which one this line is from.
  std::ofstream(fs::path(IMMICHBAK_BINARY_DIR) / "test-report.txt", std::ios::app)
      << "pg" << server_major() << ": " << line << '\n';
}

std::string unified_diff(const std::string& a, const std::string& b) {
  temp_dir dir("diff");
  auto pa = dir.path() / "a", pb = dir.path() / "b";
  std::ofstream(pa) << a;
  std::ofstream(pb) << b;
  std::string out;
  run(fmt::format("diff -u {} {} | head -200", shell_quote(pa.string()), shell_quote(pb.string())), &out);
  return out;
}

std::string schema_dump(const std::string& db) {
  require_cluster();
  const char* forced = std::getenv("IMMICHBAK_TEST_SCHEMA_DUMP");
  std::string how = forced && *forced ? forced : "";
  if (how.empty()) how = server_major() > pg_dump_major() ? "catalog" : "pg_dump";
  if (how == "catalog") return catalog_schema(db);
  if (how != "pg_dump")
    throw std::runtime_error("IMMICHBAK_TEST_SCHEMA_DUMP=" + how + ": expected catalog or pg_dump");
  std::string dump = run_ok(fmt::format("pg_dump --schema-only -d {}", shell_quote(db)));
  std::istringstream in(dump);
  std::string line, result;
  while (std::getline(in, line)) {
    if (line.rfind("-- Dumped from", 0) == 0 || line.rfind("-- Dumped by", 0) == 0) continue;
    if (line.rfind("\\restrict", 0) == 0 || line.rfind("\\unrestrict", 0) == 0) continue;
    result += line;
    result += '\n';
  }
  return result;
}

std::string data_dump(const std::string& db) {
  require_cluster();
  std::string listed = run_ok(fmt::format(
      "psql -X -At -d {} -c {}", shell_quote(db),
      shell_quote("SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON "
                  "n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN "
                  "('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
                  "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid='pg_class'::regclass AND "
                  "d.objid=c.oid AND d.deptype='e') ORDER BY 1")));
  std::vector<std::string> tables;
  std::istringstream in(listed);
  for (std::string table; std::getline(in, table);)
    if (!table.empty()) tables.push_back(table);
  // Every table's COPY in one psql session (a psql per table cost most of a round-trip test's
  // time), each preceded by a marker line naming the table's index; the rows are sorted here
  // bytewise, as `LC_ALL=C sort` did.
  const std::string marker = "--immichbak-test-data-dump-table--";
  temp_dir dir("data_dump");
  fs::path script = dir.path() / "dump.sql";
  {
    std::ofstream out(script, std::ios::binary);
    out << "SET extra_float_digits=3; SET TimeZone='UTC'; SET DateStyle='ISO';\n";
    for (std::size_t i = 0; i < tables.size(); ++i)
      out << "\\echo " << marker << ' ' << i << "\nCOPY " << tables[i] << " TO STDOUT;\n";
    if (!out) throw std::runtime_error("data_dump: cannot write " + script.string());
  }
  std::string rows = run_ok(fmt::format("{} -At -f {}", psql_cmd(db), shell_quote(script.string())));
  std::vector<std::vector<std::string>> per_table(tables.size());
  std::vector<std::string>* current = nullptr;
  std::istringstream lines(rows);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(marker + ' ', 0) == 0) {
      std::size_t i = std::stoul(line.substr(marker.size() + 1));
      if (i >= tables.size()) throw std::runtime_error("data_dump: stray marker " + line);
      current = &per_table[i];
    } else if (current) {
      current->push_back(std::move(line));
    } else if (line != "SET") {
      throw std::runtime_error("data_dump: psql printed before the first table: " + line);
    }
  }
  std::string result;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    std::sort(per_table[i].begin(), per_table[i].end());
    result += "== " + tables[i] + "\n";
    for (const auto& r : per_table[i]) result += r + '\n';
  }
  return result;
}

void load_immich_fixture(const scratch_database& db, int assets) {
  fs::path schema = source_dir() / "tests/fixtures/immich_schema.sql";
  db.psql_file(schema);
  fs::path gen = source_dir() / "tests/fixtures/generate_immich_data.py";
  run_ok(fmt::format("python3 {} --assets {} | {}", shell_quote(gen.string()), assets,
                     psql_cmd(db.name())));
}

std::string load_torture_schema(const scratch_database& db) {
  fs::path file = source_dir() / "tests/fixtures/torture_schema.sql";
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string sql = ss.str();
  struct rewrite {
    bool needed;
    std::string from, to, why;
  };
  const int major = server_major();
  const bool lz4 =
      run_ok(fmt::format("psql -X -At -d {} -c {}", shell_quote(db.name()),
                         shell_quote("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = "
                                     "'default_toast_compression'")))
          .rfind("t", 0) == 0;
  const std::vector<rewrite> rewrites = {
      {major < 15, "CREATE UNLOGGED SEQUENCE app.unlogged_seq;", "CREATE SEQUENCE app.unlogged_seq;",
       "unlogged sequences are PostgreSQL 15+"},
      {major < 15, "CREATE VIEW app.invoker_view WITH (security_invoker = true) AS",
       "CREATE VIEW app.invoker_view AS", "security_invoker views are PostgreSQL 15+"},
      {!lz4, "ALTER TABLE app.defaults ALTER COLUMN jb SET COMPRESSION lz4;",
       "ALTER TABLE app.defaults ALTER COLUMN jb SET COMPRESSION pglz;", "this server is built without lz4"},
  };
  std::string done;
  for (const auto& r : rewrites) {
    if (!r.needed) continue;
    auto pos = sql.find(r.from);
    if (pos == std::string::npos)
      throw std::runtime_error(fmt::format("load_torture_schema: {} no longer has \"{}\" ({}): update the rewrite",
                                           file.string(), r.from, r.why));
    sql.replace(pos, r.from.size(), r.to);
    done += fmt::format("{} -> {} ({})\n", r.from, r.to, r.why);
  }
  if (done.empty()) {
    db.psql_file(file);
  } else {
    temp_dir dir("torture");
    fs::path rewritten = dir.path() / "torture_schema.sql";
    std::ofstream(rewritten, std::ios::binary) << sql;
    db.psql_file(rewritten);
  }
  return done;
}

temp_dir::temp_dir(const std::string& hint) {
  fs::path base = fs::path(IMMICHBAK_BINARY_DIR) / "test-tmp";
  fs::create_directories(base);
  path_ = base / fmt::format("{}_{}_{}", sanitize(hint), ::getpid(), counter++);
  fs::remove_all(path_);
  fs::create_directories(path_);
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {
std::string cluster_script() { return shell_quote((source_dir() / "tests/pg/pg-cluster.sh").string()); }
}  // namespace

private_cluster::private_cluster() {
  require_cluster();
  saved_host_ = std::getenv("PGHOST");
  saved_port_ = std::getenv("PGPORT");
  run_ok(fmt::format("{} start {} --fast", cluster_script(), shell_quote(dir_.path().string())));
  std::ifstream in(dir_.path() / "env");
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) ::setenv(line.substr(0, eq).c_str(), line.substr(eq + 1).c_str(), 1);
  }
}

private_cluster::~private_cluster() {
  run(fmt::format("{} stop {}", cluster_script(), shell_quote(dir_.path().string())));
  ::setenv("PGHOST", saved_host_.c_str(), 1);
  ::setenv("PGPORT", saved_port_.c_str(), 1);
}

void private_cluster::crash() { run_ok(fmt::format("{} crash {}", cluster_script(), shell_quote(dir_.path().string()))); }

void private_cluster::restart() {
  run_ok(fmt::format("{} restart {}", cluster_script(), shell_quote(dir_.path().string())));
}

fs::path source_dir() { return fs::path(IMMICHBAK_SOURCE_DIR); }

}  // namespace immichbak::test
