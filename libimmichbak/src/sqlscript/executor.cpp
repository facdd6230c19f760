#include "sqlscript/executor.hpp"

#include "sqlscript/byte_source.hpp"
#include "sqlscript/chars.hpp"
#include "sqlscript/classify.hpp"
#include "sqlscript/words.hpp"
#include "util/sql_quote.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace immichbak::sqlscript {

namespace {

using clock = std::chrono::steady_clock;

using chars::is_space;  // the lexer's character classes (sqlscript/chars.hpp)

// Client encodings in which a multibyte character may contain the bytes of ' or \ (psql
// has special code for them; a byte-wise splitter cannot follow).
bool unsafe_client_encoding(std::string e) {
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return e == "SJIS" || e == "SHIFT_JIS_2004" || e == "BIG5" || e == "GBK" || e == "UHC" || e == "GB18030" ||
         e == "JOHAB";
}

std::string snippet(const std::string& text) {
  std::string s = text.substr(0, 160);
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (text.size() > 160) s += "...";
  return s;
}

[[noreturn]] void unsupported(const std::string& msg) { throw error(errc::unsupported_format, msg); }

}  // namespace

std::vector<std::string> meta_arguments(const std::string& args, bool keep_double_quotes, std::uint64_t line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  const std::size_t n = args.size();
  while (i < n) {
    while (i < n && is_space(args[i])) ++i;
    if (i >= n) break;
    std::string cur;
    while (i < n && !is_space(args[i])) {
      char c = args[i];
      if (c == '\'') {
        ++i;
        while (i < n) {
          if (args[i] == '\'') {
            if (i + 1 < n && args[i + 1] == '\'') {
              cur.push_back('\'');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (args[i] == '\\' && i + 1 < n) {
            char e = args[i + 1];
            cur.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'f' ? '\f' : e == 'b' ? '\b' : e);
            i += 2;
            continue;
          }
          cur.push_back(args[i++]);
        }
      } else if (c == '"') {
        if (keep_double_quotes) cur.push_back('"');
        ++i;
        while (i < n) {
          if (args[i] == '"') {
            if (i + 1 < n && args[i + 1] == '"') {
              cur += keep_double_quotes ? "\"\"" : "\"";
              i += 2;
              continue;
            }
            if (keep_double_quotes) cur.push_back('"');
            ++i;
            break;
          }
          cur.push_back(args[i++]);
        }
      } else if (c == '`') {
        unsupported(fmt::format("line {}: a backquoted shell command in a meta-command is not supported", line));
      } else if (c == ':' && i + 1 < n &&
                 (std::isalnum(static_cast<unsigned char>(args[i + 1])) || args[i + 1] == '_' || args[i + 1] == '\'' ||
                  args[i + 1] == '"' || args[i + 1] == '{')) {
        unsupported(fmt::format("line {}: psql variables (:name) are not supported", line));
      } else if (c == '\\') {
        unsupported(fmt::format("line {}: several meta-commands on one line are not supported", line));
      } else {
        cur.push_back(c);
        ++i;
      }
    }
    out.push_back(std::move(cur));
  }
  return out;
}

std::string connect_target(const std::string& arg, std::uint64_t line) {
  if (arg.rfind("postgresql://", 0) == 0 || arg.rfind("postgres://", 0) == 0)
    unsupported(fmt::format("line {}: \\connect with a connection URI is not supported (a dump must not choose "
                            "where it is restored)",
                            line));
  if (arg.find('=') == std::string::npos) return arg;
  // keyword=value pairs as pg_dump writes them: dbname='it''s' (libpq quoting: \' and \\)
  std::string dbname;
  bool have = false;
  std::size_t i = 0;
  const std::size_t n = arg.size();
  while (i < n) {
    while (i < n && is_space(arg[i])) ++i;
    if (i >= n) break;
    std::size_t k = i;
    while (i < n && arg[i] != '=' && !is_space(arg[i])) ++i;
    std::string key = arg.substr(k, i - k);
    while (i < n && is_space(arg[i])) ++i;
    if (i >= n || arg[i] != '=')
      unsupported(fmt::format("line {}: cannot read the \\connect connection string", line));
    ++i;
    while (i < n && is_space(arg[i])) ++i;
    std::string value;
    if (i < n && arg[i] == '\'') {
      ++i;
      bool closed = false;
      while (i < n) {
        if (arg[i] == '\\' && i + 1 < n) {
          value.push_back(arg[i + 1]);
          i += 2;
          continue;
        }
        if (arg[i] == '\'') {
          ++i;
          closed = true;
          break;
        }
        value.push_back(arg[i++]);
      }
      if (!closed) unsupported(fmt::format("line {}: unterminated quote in the \\connect connection string", line));
    } else {
      while (i < n && !is_space(arg[i])) value.push_back(arg[i++]);
    }
    if (key != "dbname")
      unsupported(fmt::format("line {}: \\connect sets \"{}\"; only a database name is supported (a dump must not "
                              "choose the server, user or options it is restored with)",
                              line, key));
    dbname = value;
    have = true;
  }
  if (!have) unsupported(fmt::format("line {}: the \\connect connection string names no database", line));
  return dbname;
}

struct executor::impl : splitter::handler {
  executor_options opt;
  executor_hooks hooks;
  std::unique_ptr<pg::connection> conn;
  std::mutex conn_mu;  // guards `conn` (the pointer) against the cancel watcher
  executor_stats stats;
  std::map<std::string, std::string> vars;
  bool restricted = false;
  std::string restrict_key;

  splitter* sp = nullptr;
  byte_source* src = nullptr;
  std::string file;

  bool in_copy = false;
  bool skipping_copy = false;
  std::uint64_t copy_line = 0;
  std::string copy_name;
  bool in_transaction = false;
  std::uint64_t line_now = 0;

  clock::time_point started = clock::now();
  clock::time_point last_progress{};
  std::atomic<bool> cancel_seen{false};

  void log(log_level level, const std::string& msg) const {
    if (opt.events && opt.events->log) opt.events->log(level, msg);
  }

  bool cancel_requested() const { return opt.events && opt.events->cancel && opt.events->cancel->load(); }

  void check_cancel() {
    if (cancel_requested()) throw error(errc::cancelled, fmt::format("restore of {} cancelled", file));
  }

  void progress(bool force) {
    if (!opt.events || !opt.events->progress || !src) return;
    auto now = clock::now();
    if (!force && now - last_progress < std::chrono::milliseconds(200)) return;
    last_progress = now;
    progress_event ev;
    ev.phase = opt.progress_phase;
    ev.item = in_copy ? copy_name : std::string();
    ev.bytes_done = src->file_offset();
    ev.bytes_total = src->file_size();
    ev.rows_done = stats.copy_rows + stats.insert_rows;
    ev.items_done = stats.statements;
    ev.elapsed_seconds = std::chrono::duration<double>(now - started).count();
    opt.events->progress(ev);
  }

  [[noreturn]] void fail(const std::string& what, std::uint64_t line, const error& e) {
    if (cancel_requested()) throw error(errc::cancelled, fmt::format("restore of {} cancelled at line {}", file, line));
    throw error(e.code(), fmt::format("{}: {} at line {} failed: {}", file, what, line, e.what()), e.sqlstate());
  }

  // What psql reads back from the server after each command.
  void after_command() {
    if (sp) sp->set_standard_conforming_strings(conn->parameter("standard_conforming_strings") != "off");
    std::string enc = conn->parameter("client_encoding");
    if (unsafe_client_encoding(enc))
      unsupported(fmt::format("{}: line {}: the script sets client_encoding to {}, which immichbak cannot split "
                              "safely; dump again with -E UTF8",
                              file, line_now, enc));
  }

  // ---- splitter::handler ----

  void statement(const sql_statement& original) override {
    check_cancel();
    line_now = original.line;
    sql_statement s = original;
    auto act = hooks.statement ? hooks.statement(s) : executor_hooks::action::run;
    if (act == executor_hooks::action::run && opt.single_transaction) {
      // psql --single-transaction would let a COMMIT inside the script end the
      // transaction early; we keep everything inside ours.
      std::string k = first_keyword(s.text);
      auto w = read_words(s.text, 2);
      if (k == "begin" || k == "commit" || k == "end" || (k == "start" && w.size() == 2 && w[1].is("transaction"))) {
        log(log_level::debug, fmt::format("line {}: left out {} (the whole restore is one transaction)", s.line, k));
        act = executor_hooks::action::skip;
      } else if (k == "rollback" || k == "abort" || k == "savepoint" || k == "release") {
        unsupported(fmt::format("{}: line {}: the script controls transactions itself ({}); it cannot be restored "
                                "in one transaction (--in-place)",
                                file, s.line, k));
      }
    }
    if (act == executor_hooks::action::skip) {
      ++stats.skipped;
      if (s.copy_from_stdin) skipping_copy = true;
      log(log_level::debug, fmt::format("line {}: left out: {}", s.line, snippet(s.text)));
      return;
    }
    if (s.copy_from_stdin) {
      try {
        conn->copy_in_start(s.text);
      } catch (const error& e) {
        fail("the statement", s.line, e);
      }
      in_copy = true;
      copy_line = s.line;
      copy_name = copy_table(s.text);
      ++stats.copy_blocks;
      return;
    }
    try {
      if (s.copy_to_stdout) {
        conn->copy_out(s.text, [](std::string_view) {});
      } else {
        pg::result r = conn->exec(s.text);
        if (first_keyword(s.text) == "insert") stats.insert_rows += r.affected();
      }
    } catch (const error& e) {
      fail("the statement", s.line, e);
    }
    ++stats.statements;
    after_command();
    if (hooks.after) hooks.after(s);
    progress(false);
  }

  void copy_data(std::string_view data) override {
    if (skipping_copy) return;
    if (!in_copy) throw error(errc::internal, "COPY data without a COPY in progress");
    if (cancel_requested()) {
      conn->copy_in_abort("restore cancelled");
      in_copy = false;
      check_cancel();
    }
    try {
      conn->copy_in_put(data);
    } catch (const error& e) {
      conn->copy_in_abort("restore failed");
      in_copy = false;
      fail("COPY", copy_line, e);
    }
    progress(false);
  }

  void copy_end(std::uint64_t) override {
    if (skipping_copy) {
      skipping_copy = false;
      return;
    }
    std::uint64_t rows = 0;
    try {
      rows = conn->copy_in_finish();
    } catch (const error& e) {
      in_copy = false;
      fail("COPY", copy_line, e);
    }
    in_copy = false;
    stats.copy_rows += rows;
    ++stats.statements;
    if (hooks.after) {
      sql_statement s;
      s.line = copy_line;
      s.copy_from_stdin = true;
      hooks.after(s);
    }
    progress(false);
  }

  void meta(const meta_command& m) override {
    check_cancel();
    line_now = m.line;
    if (restricted && m.name != "unrestrict")
      unsupported(fmt::format("{}: line {}: \\{} is not allowed after \\restrict (psql's restricted mode); the dump "
                              "was damaged or edited",
                              file, m.line, m.name));
    if (m.name == "connect" || m.name == "c") return do_connect(m);
    if (m.name == "set") {
      auto a = meta_arguments(m.args, true, m.line);
      if (a.empty()) return;
      std::string value;
      for (std::size_t i = 1; i < a.size(); ++i) value += a[i];
      vars[a[0]] = value;
      if (a[0] == "ON_ERROR_STOP")
        log(log_level::debug, fmt::format("line {}: \\set ON_ERROR_STOP (always on here)", m.line));
      return;
    }
    if (m.name == "unset") {
      auto a = meta_arguments(m.args, true, m.line);
      if (!a.empty()) vars.erase(a[0]);
      return;
    }
    if (m.name == "restrict") {
      auto a = meta_arguments(m.args, false, m.line);
      if (a.empty()) unsupported(fmt::format("{}: line {}: \\restrict needs a key", file, m.line));
      restricted = true;
      restrict_key = a[0];
      return;
    }
    if (m.name == "unrestrict") {
      auto a = meta_arguments(m.args, false, m.line);
      if (!restricted)
        unsupported(fmt::format("{}: line {}: \\unrestrict without \\restrict", file, m.line));
      if (a.empty() || a[0] != restrict_key)
        unsupported(fmt::format("{}: line {}: \\unrestrict with a key that does not match \\restrict; the dump was "
                                "damaged or edited",
                                file, m.line));
      restricted = false;
      return;
    }
    if (m.name == "encoding") {
      auto a = meta_arguments(m.args, false, m.line);
      if (a.empty()) return;  // psql prints the current encoding
      try {
        conn->exec(fmt::format("SET client_encoding TO {}", util::sql::literal(a[0])));
      } catch (const error& e) {
        fail("\\encoding", m.line, e);
      }
      after_command();
      return;
    }
    if (m.name == "echo" || m.name == "qecho") {
      log(log_level::info, fmt::format("{}:{}: {}", file, m.line, m.args));
      return;
    }
    if (m.name == ".")
      unsupported(fmt::format("{}: line {}: \\. outside COPY data (the COPY before it is missing or failed to be "
                              "recognised)",
                              file, m.line));
    if (m.name == "i" || m.name == "ir" || m.name == "include" || m.name == "include_relative")
      unsupported(fmt::format("{}: line {}: \\{} includes another file, which immichbak refuses: restore a single "
                              "self-contained dump",
                              file, m.line, m.name));
    unsupported(fmt::format("{}: line {}: the meta-command \\{} is not supported: immichbak runs pg_dump and "
                            "pg_dumpall scripts, which use only \\connect, \\set, \\unset, \\restrict, \\unrestrict, "
                            "\\encoding and \\echo",
                            file, m.line, m.name));
  }

  void do_connect(const meta_command& m) {
    if (m.inside_statement)
      unsupported(fmt::format("{}: line {}: \\connect in the middle of a statement is not supported", file, m.line));
    auto a = meta_arguments(m.args, false, m.line);
    std::size_t i = 0;
    if (i < a.size() && a[i].rfind("-reuse-previous=", 0) == 0) ++i;
    std::string target;
    if (i < a.size()) target = connect_target(a[i++], m.line);
    for (; i < a.size(); ++i)
      if (a[i] != "-")
        unsupported(fmt::format("{}: line {}: \\connect with a user, host or port is not supported (a dump must not "
                                "choose who restores it)",
                                file, m.line));
    if (target.empty() || target == "-") target = conn->database();
    std::optional<std::string> dest = hooks.connect ? hooks.connect(target, m.line) : std::optional<std::string>(target);
    ++stats.connects;
    if (!dest) {
      log(log_level::debug, fmt::format("line {}: \\connect {}: staying on the current connection", m.line, target));
      return;
    }
    if (opt.single_transaction) {
      if (*dest != conn->database())
        unsupported(fmt::format("{}: line {}: \\connect to another database cannot happen inside one transaction "
                                "(--in-place)",
                                file, m.line));
      return;  // same database: keep the transaction's connection
    }
    pg::connection next = [&] {
      try {
        return pg::connection(opt.conninfo, *dest, opt.events);
      } catch (const error& e) {
        throw error(e.code(), fmt::format("{}: \\connect at line {} failed: {}", file, m.line, e.what()), e.sqlstate());
      }
    }();
    {
      std::lock_guard<std::mutex> lock(conn_mu);
      conn = std::make_unique<pg::connection>(std::move(next));
    }
    log(log_level::info, fmt::format("connected to database \"{}\" (\\connect at line {})", *dest, m.line));
    after_command();
  }
};

executor::executor(pg::connection initial, executor_options options, executor_hooks hooks)
    : impl_(std::make_unique<impl>()) {
  impl_->opt = std::move(options);
  impl_->hooks = std::move(hooks);
  impl_->conn = std::make_unique<pg::connection>(std::move(initial));
}

executor::~executor() = default;

pg::connection& executor::connection() noexcept { return *impl_->conn; }

void executor::close() noexcept {
  std::lock_guard<std::mutex> lock(impl_->conn_mu);
  // the moved-from object stays in place, closed; the temporary closes the session
  pg::connection dropped(std::move(*impl_->conn));
}

const executor_stats& executor::stats() const noexcept { return impl_->stats; }
const std::map<std::string, std::string>& executor::variables() const noexcept { return impl_->vars; }

void executor::run(byte_source& source) {
  impl& d = *impl_;
  d.src = &source;
  d.file = source.path().string();
  d.started = clock::now();
  splitter sp(d, d.conn->parameter("standard_conforming_strings") != "off");
  sp.set_source_name(d.file);
  d.sp = &sp;

  // Cancel a statement that is still running when the caller's flag flips.
  std::mutex wmu;
  std::condition_variable wcv;
  bool wstop = false;
  std::thread watcher;
  if (d.opt.events && d.opt.events->cancel) {
    watcher = std::thread([&] {
      std::unique_lock<std::mutex> lk(wmu);
      while (!wstop) {
        if (d.cancel_requested()) {
          std::lock_guard<std::mutex> lock(d.conn_mu);
          if (d.conn) d.conn->cancel();
          return;
        }
        wcv.wait_for(lk, std::chrono::milliseconds(50));
      }
    });
  }
  auto stop_watcher = [&] {
    if (watcher.joinable()) {
      {
        std::lock_guard<std::mutex> lk(wmu);
        wstop = true;
      }
      wcv.notify_all();
      watcher.join();
    }
  };

  try {
    d.after_command();
    if (d.opt.single_transaction) {
      d.conn->exec("BEGIN");
      d.in_transaction = true;
    }
    std::vector<char> buf(256 * 1024);
    for (;;) {
      d.check_cancel();
      std::size_t n = source.read(buf.data(), buf.size());
      if (n == 0) break;
      sp.feed(std::string_view(buf.data(), n));
      d.progress(false);
    }
    sp.finish();
    if (d.in_transaction) {
      d.conn->exec("COMMIT");
      d.in_transaction = false;
    }
    d.progress(true);
  } catch (...) {
    stop_watcher();
    d.sp = nullptr;
    if (d.in_copy && d.conn) d.conn->copy_in_abort("restore failed");
    d.in_copy = false;
    if (d.in_transaction && d.conn && d.conn->is_open()) {
      try {
        d.conn->exec("ROLLBACK");
      } catch (...) {
      }
    }
    d.in_transaction = false;
    if (d.cancel_requested()) {
      try {
        throw;
      } catch (const error& e) {
        if (e.code() == errc::cancelled) throw;
      } catch (...) {
      }
      throw error(errc::cancelled, fmt::format("restore of {} cancelled at line {}", d.file, sp.line()));
    }
    throw;
  }
  stop_watcher();
  d.sp = nullptr;
}

}  // namespace immichbak::sqlscript
