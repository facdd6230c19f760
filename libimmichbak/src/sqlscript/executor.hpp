#pragma once
// Runs a psql script (pg_dump / pg_dumpall output) on a server the way
// `psql -v ON_ERROR_STOP=1 -f FILE` would, without psql: statements one at a time on
// the simple protocol (so an error names exactly one statement and its line), COPY data
// streamed through copy_in_*, and the meta-commands dumps contain:
//   \connect / \c DB     a new connection to DB on the same server with the same
//                        credentials (the hook decides which database that really is)
//   \set, \unset         variables are recorded; ON_ERROR_STOP is always on
//   \restrict, \unrestrict  psql's restricted mode (PostgreSQL 17.6/16.10/15.14/... dumps):
//                        while restricted, any other meta-command is an error
//   \encoding ENC        SET client_encoding
//   \echo ...            logged
// Any other meta-command (\i, \ir, \!, \o, \copy, \g, \if, ...) is refused with an error
// naming the line: a dump never needs them, and running them would let a file reach
// beyond the restore.
//
// The first error stops the run (as ON_ERROR_STOP does) with error(code, "FILE: the
// statement at line N failed: <statement snippet>: <server message>"), keeping the
// SQLSTATE. Progress events carry file bytes read against the file size. The caller's
// event_sink::cancel is polled between statements and COPY pieces, and a statement still
// running when it becomes true is cancelled on the server.

#include <immichbak/events.hpp>

#include "pg/connection.hpp"
#include "sqlscript/splitter.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace immichbak::sqlscript {

class byte_source;

struct executor_stats {
  std::uint64_t statements = 0;   ///< run on the server
  std::uint64_t skipped = 0;      ///< left out by the statement hook
  std::uint64_t copy_blocks = 0;  ///< COPY ... FROM stdin run
  std::uint64_t copy_rows = 0;
  std::uint64_t insert_rows = 0;  ///< rows of INSERT statements (pg_dump --inserts)
  std::uint64_t connects = 0;     ///< \connect handled
};

struct executor_options {
  /// Connection string for \connect (its dbname is replaced). Never logged unredacted.
  std::string conninfo;
  const event_sink* events = nullptr;
  /// BEGIN before the first statement, COMMIT after the last (psql --single-transaction);
  /// a \connect that would change the connection is then an error.
  bool single_transaction = false;
  std::string progress_phase = "restore";
};

struct executor_hooks {
  enum class action { run, skip };
  /// Sees every statement before it runs; may rewrite `s.text`. `skip` leaves it out (a
  /// skipped COPY's data is skipped too).
  std::function<action(sql_statement& s)> statement;
  /// A statement ran successfully.
  std::function<void(const sql_statement& s)> after;
  /// `\connect` to `dbname` (already unquoted; "" when the command named none): the
  /// database to connect to, or nullopt to stay on the current connection. May throw.
  std::function<std::optional<std::string>(const std::string& dbname, std::uint64_t line)> connect;
};

class executor {
 public:
  executor(pg::connection initial, executor_options options, executor_hooks hooks = {});
  ~executor();
  executor(const executor&) = delete;
  executor& operator=(const executor&) = delete;

  /// Runs the whole script. Throws on the first failure (rolling back in
  /// single-transaction mode); the current connection stays open for inspection.
  void run(byte_source& source);

  pg::connection& connection() noexcept;
  /// Closes the current connection (e.g. before the scratch database is renamed).
  void close() noexcept;
  const executor_stats& stats() const noexcept;
  /// psql variables set by \set.
  const std::map<std::string, std::string>& variables() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Splits psql meta-command arguments the way psql's slash-command lexer does for the
/// commands dumps use: whitespace separates; '...' quotes (with '' and backslash escapes);
/// "..." quotes are kept (`keep_double_quotes`, as for \set) or removed with ""
/// undoubled (as for \connect's database name). Throws error(unsupported_format) for
/// `backticks` (shell commands) and :variables.
std::vector<std::string> meta_arguments(const std::string& args, bool keep_double_quotes, std::uint64_t line);

/// The database a `\connect` argument names: a plain name, or a connection string
/// "dbname='...'" as pg_dump writes for unusual names. Other connection keywords (host,
/// user, ...) are refused: a dump must not choose where it is restored.
std::string connect_target(const std::string& arg, std::uint64_t line);

}  // namespace immichbak::sqlscript
