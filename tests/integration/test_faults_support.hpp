#pragma once
// Helpers of the fault-injection suite (test_faults_*.cpp, tag [faults]): the `immichbak`
// executable run as a child process that can be killed, signalled, limited or frozen, a
// server whose processes can be stopped, and cheap fingerprints of databases and backup
// directories.

#include "support/test_env.hpp"

#include "pg/connection.hpp"
#include "util/sql_quote.hpp"

#include <immichbak/manifest.hpp>
#include <immichbak/verify.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#ifdef IMMICHBAK_CLI_PATH

namespace immichbak::faults {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

inline double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

/// The seed of the random kill points: IMMICHBAK_FAULT_SEED, else a fixed one (so a failure
/// can be replayed; CI prints it).
inline std::uint32_t fault_seed() {
  const char* s = std::getenv("IMMICHBAK_FAULT_SEED");
  return s && *s ? static_cast<std::uint32_t>(std::strtoul(s, nullptr, 10)) : 20251203u;
}

using test::slurp;

/// One run of the `immichbak` executable in a child process. stdout and stderr go to files
/// in `dir`; progress is off. Everything the child needs is prepared before fork().
class cli_process {
 public:
  struct limits {
    std::optional<rlim_t> file_size;  ///< RLIMIT_FSIZE, with SIGXFSZ ignored
  };

  cli_process(const std::vector<std::string>& args, const fs::path& dir, const std::string& tag, limits lim = {})
      : out_(dir / (tag + ".stdout")), err_(dir / (tag + ".stderr")) {
    std::vector<std::string> argv_s{IMMICHBAK_CLI_PATH};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e)
      if (std::string(*e).rfind("IMMICHBAK_PROGRESS=", 0) != 0) env_s.emplace_back(*e);
    env_s.emplace_back("IMMICHBAK_PROGRESS=never");
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string out = out_.string(), err = err_.string();
    start_ = clock_type::now();
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      // Only async-signal-safe calls from here on.
      int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (o < 0 || e < 0) ::_exit(126);
      ::dup2(o, 1);
      ::dup2(e, 2);
      ::close(o);
      ::close(e);
      // The test process may have signals blocked or ignored in its threads: start clean.
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::signal(SIGINT, SIG_DFL);
      ::signal(SIGTERM, SIG_DFL);
      if (lim.file_size) {
        ::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG instead
        struct rlimit rl {
          *lim.file_size, *lim.file_size
        };
        if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) ::_exit(125);
      }
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
  }
  ~cli_process() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  cli_process(const cli_process&) = delete;
  cli_process& operator=(const cli_process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) const { ::kill(pid_, sig); }

  /// Still running? (Reaps it if not.)
  bool running() {
    if (status_) return false;
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = st;
      end_ = clock_type::now();
      return false;
    }
    return true;
  }

  /// Waits for the exit, at most `limit` seconds; false if it is still running then.
  bool wait(double limit) {
    auto until = clock_type::now() + std::chrono::milliseconds(static_cast<long>(limit * 1000));
    while (running()) {
      if (clock_type::now() >= until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }
  /// SIGKILL and reap.
  void kill_now() {
    if (status_) return;
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    status_ = st;
    end_ = clock_type::now();
  }

  bool exited() const { return status_ && WIFEXITED(*status_); }
  int exit_code() const { return status_ && WIFEXITED(*status_) ? WEXITSTATUS(*status_) : -1; }
  bool killed_by(int sig) const { return status_ && WIFSIGNALED(*status_) && WTERMSIG(*status_) == sig; }
  std::string describe() const {
    if (!status_) return "still running";
    if (WIFEXITED(*status_)) return fmt::format("exit code {}", WEXITSTATUS(*status_));
    if (WIFSIGNALED(*status_)) return fmt::format("killed by signal {}", WTERMSIG(*status_));
    return "?";
  }
  double seconds() const { return std::chrono::duration<double>((status_ ? end_ : clock_type::now()) - start_).count(); }
  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }

 private:
  fs::path out_, err_;
  pid_t pid_ = -1;
  std::optional<int> status_;
  clock_type::time_point start_{}, end_{};
};

/// Runs the executable to its end (at most `limit` seconds, else the test fails).
struct cli_result {
  int rc = -1;
  std::string out, err;
  double seconds = 0;
};
inline cli_result run_cli(const std::vector<std::string>& args, const fs::path& dir, const std::string& tag,
                          cli_process::limits lim = {}, double limit = 120) {
  cli_process p(args, dir, tag, lim);
  bool done = p.wait(limit);
  INFO("immichbak " << fmt::format("{}", fmt::join(args, " ")) << " still running after " << limit << " s");
  REQUIRE(done);
  return {p.exit_code(), p.out(), p.err(), p.seconds()};
}

// ---- backup directories -------------------------------------------------------------------

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// `s` contains `part`, ignoring ASCII case (strerror texts are lower-cased in messages).
inline bool contains_ci(const std::string& s, const std::string& part) {
  auto lower = [](std::string x) {
    for (auto& ch : x) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return x;
  };
  return lower(s).find(lower(part)) != std::string::npos;
}

/// A name a user (or a retention script) takes for a finished backup.
inline bool finished_backup_name(const std::string& n) { return ends_with(n, ".sql.zst") || ends_with(n, ".sql"); }

/// Any file a backup run writes: a finished name, a sidecar, a partial file.
inline bool backup_like_name(const std::string& n) {
  return finished_backup_name(n) || ends_with(n, ".sha256") || ends_with(n, ".partial");
}

inline std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(dir)) v.push_back(e.path().filename().string());
  std::sort(v.begin(), v.end());
  return v;
}

inline std::vector<std::string> backup_like_in(const fs::path& dir) {
  std::vector<std::string> v;
  for (const auto& n : names_in(dir))
    if (backup_like_name(n)) v.push_back(n);
  return v;
}

/// The offline verify of a finished backup: "" when it passes without a warning, else
/// what it found.
inline std::string verify_problems(const fs::path& file) {
  verify_options o;
  o.file = file;
  try {
    verify_report r = verify(o);
    std::string problems;
    for (const auto& c : r.checks)
      if (c.status == check_status::fail || c.status == check_status::warn)
        problems += fmt::format("{} {}: {}; ", check_status_name(c.status), c.name, c.detail);
    return problems;
  } catch (const std::exception& e) {
    return std::string("verify threw: ") + e.what();
  }
}

// ---- servers and databases ----------------------------------------------------------------

/// One query's first value on database `db` of the cluster PGHOST/PGPORT name.
inline std::string query_value(const std::string& db, const std::string& sql) {
  pg::connection c(test::dsn(db));
  auto r = c.exec(sql);
  return r.rows() ? r.str(0, 0) : std::string();
}

inline std::vector<std::string> databases_with_prefix(const std::string& prefix) {
  std::string pat;
  for (char ch : prefix) {
    if (ch == '_' || ch == '%' || ch == '\\') pat += '\\';
    pat += ch;
  }
  pg::connection c(test::dsn("postgres"));
  auto r = c.exec("SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1", {pat + "%"});
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.str(i, 0));
  return out;
}

inline bool database_exists(const std::string& name) {
  pg::connection c(test::dsn("postgres"));
  return c.exec("SELECT 1 FROM pg_database WHERE datname = $1", {name}).rows() > 0;
}

inline void drop_database(const std::string& name) {
  pg::connection c(test::dsn("postgres"));
  c.exec("DROP DATABASE IF EXISTS " + util::sql::ident(name) + " WITH (FORCE)");
}

/// Databases dropped when the test ends, whatever happened.
struct database_guard {
  std::vector<std::string> names;
  std::vector<std::string> prefixes;
  ~database_guard() {
    try {
      for (const auto& p : prefixes)
        for (const auto& n : databases_with_prefix(p)) names.push_back(n);
      for (const auto& n : names) drop_database(n);
    } catch (...) {
    }
  }
};

/// What a database holds, cheaply: every table's row count, the number of indexes,
/// constraints and triggers, and the `fault_marker` row. Two databases with the same
/// fingerprint hold the same tables with the same row counts and the same objects; a
/// half-restored database (rows without indexes, some tables empty) differs.
inline std::string fingerprint(const std::string& db) {
  pg::connection c(test::dsn(db));
  auto r = c.exec(
      "SELECT coalesce(string_agg(format('%s.%s=%s', n.nspname, k.relname, "
      "  (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, k.relname), "
      "   false, true, '')))[1]::text), ',' ORDER BY n.nspname, k.relname), '') "
      "FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace "
      "WHERE k.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "  AND n.nspname NOT LIKE 'pg\\_toast%'");
  std::string tables = r.str(0, 0);
  auto o = c.exec(
      "SELECT (SELECT count(*) FROM pg_index i JOIN pg_class k ON k.oid = i.indexrelid JOIN pg_namespace n ON "
      "  n.oid = k.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE "
      "  'pg\\_toast%'), "
      "(SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname NOT IN "
      "  ('pg_catalog', 'information_schema')), "
      "(SELECT count(*) FROM pg_trigger t WHERE NOT t.tgisinternal), "
      "(SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname NOT IN "
      "  ('pg_catalog', 'information_schema') AND NOT k.convalidated)");
  std::string marker = "-";
  if (c.exec("SELECT 1 FROM pg_class WHERE relname = 'fault_marker' AND relnamespace = 'public'::regnamespace").rows())
    marker = c.exec("SELECT coalesce(string_agg(v, ','), '') FROM public.fault_marker").str(0, 0);
  return fmt::format("marker={} indexes={} constraints={} triggers={} not_validated={} tables: {}", marker, o.str(0, 0),
                     o.str(0, 1), o.str(0, 2), o.str(0, 3), tables);
}

/// Waits until no session of the `immichbak` application (other than this process's own
/// query) matching `where` (SQL over pg_stat_activity) is left on the server: the backends
/// of a killed client exit once they notice it is gone. At most `limit` seconds; returns
/// whether none is left. Tests on the shared cluster name their own databases in `where`,
/// so sessions of tests running alongside do not count.
inline bool wait_for_no_immichbak_sessions(double limit = 15, const std::string& where = "true") {
  pg::connection c(test::dsn("postgres"));
  auto until = clock_type::now() + std::chrono::milliseconds(static_cast<long>(limit * 1000));
  for (;;) {
    auto r = c.exec("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'immichbak' AND pid <> "
                    "pg_backend_pid() AND (" + where + ")");
    if (r.i64(0, 0) == 0) return true;
    if (clock_type::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

/// The pg_stat_activity condition for the sessions of a restore into `target`: on the
/// target, on its scratch databases, and the maintenance sessions whose pid a scratch
/// database's name carries.
inline std::string restore_sessions_of(const std::string& target) {
  std::string like = fmt::format("{}\\_\\_immichbak\\_%", target);
  return fmt::format(
      "datname = '{0}' OR datname LIKE E'{1}' OR pid::text IN (SELECT substring(datname FROM "
      "'__immichbak_[0-9]{{8}}T[0-9]{{6}}_([0-9]+)') FROM pg_database WHERE datname LIKE E'{1}')",
      target, like);
}

/// Polls `sql` (a count) on a connection of its own until it is at least `want`, at most
/// `limit` seconds, or until `still` says to stop waiting. Returns whether it got there.
template <class Still>
bool wait_for_count(const std::string& sql, long want, double limit, Still still) {
  pg::connection c(test::dsn("postgres"));
  auto until = clock_type::now() + std::chrono::milliseconds(static_cast<long>(limit * 1000));
  while (clock_type::now() < until && still()) {
    if (c.exec(sql).i64(0, 0) >= want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

/// The processes whose parent is `parent`.
inline std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = slurp(e.path() / "stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) continue;
    std::istringstream rest(stat.substr(close + 2));  // "pid (comm) S ppid ..."
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

/// The postmaster of the cluster PGHOST/PGPORT name (from postmaster.pid in its data
/// directory; the test runs on the same machine as root or as the server's user).
inline pid_t postmaster_pid() {
  std::string datadir = query_value("postgres", "SHOW data_directory");
  std::ifstream in(fs::path(datadir) / "postmaster.pid");
  pid_t pm = 0;
  in >> pm;
  REQUIRE(pm > 0);
  return pm;
}

/// SIGSTOPs every process of the server (postmaster first, so it forks no new ones);
/// SIGCONTs them when destroyed, whatever happened.
class frozen_server {
 public:
  frozen_server() {
    pid_t pm = postmaster_pid();
    pids_.push_back(pm);
    ::kill(pm, SIGSTOP);
    for (pid_t p : children_of(pm)) {
      pids_.push_back(p);
      ::kill(p, SIGSTOP);
    }
  }
  ~frozen_server() { thaw(); }
  frozen_server(const frozen_server&) = delete;
  frozen_server& operator=(const frozen_server&) = delete;
  void thaw() {
    for (pid_t p : pids_) ::kill(p, SIGCONT);
    // Each process must be seen running again: a postmaster left stopped hangs every later
    // connection until CTest's timeout (seen once in a fresh root on a loaded machine:
    // the postmaster stayed in state T after its SIGCONT). SIGCONT again until it runs;
    // how often that was needed is reported (test-report.txt), so it is not hidden.
    for (int round = 0; round < 40; ++round) {
      bool stopped = false;
      for (pid_t p : pids_) {
        if (job_stopped(p)) {
          stopped = true;
          ++resent_;
          ::kill(p, SIGCONT);
        }
      }
      if (!stopped) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    pids_.clear();
  }
  std::size_t size() const { return pids_.size(); }
  /// SIGCONTs sent again because a process was still stopped after the first one.
  static long resent() { return resent_; }

 private:
  /// State T in /proc/PID/stat (stopped by a signal); false when the process is gone.
  static bool job_stopped(pid_t pid) {
    std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'T';
  }
  std::vector<pid_t> pids_;
  static inline long resent_ = 0;
};

/// Loads the Immich-shaped fixture with `assets` assets and a `fault_marker` row.
inline void load_source(const test::scratch_database& db, int assets, const std::string& marker) {
  test::load_immich_fixture(db, assets);
  db.psql(fmt::format("CREATE TABLE public.fault_marker (v text PRIMARY KEY); INSERT INTO public.fault_marker VALUES ('{}')",
                      marker));
}

}  // namespace immichbak::faults

#endif  // IMMICHBAK_CLI_PATH
