#pragma once
// The only door to the server. Everything libpq-specific lives in src/pg/; the rest of
// the library sees these value types and never includes libpq (so a move to another
// client library, or a newer libpq, stays inside this folder).

#include <immichbak/events.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

struct pg_conn;    // libpq's PGconn, kept opaque
struct pg_result;  // libpq's PGresult

namespace immichbak::pg {

/// A query result. Cheap to move; values are text (the simple/extended protocol text form).
class result {
 public:
  result() = default;
  explicit result(pg_result* res);

  int rows() const noexcept;
  int columns() const noexcept;
  /// Index of a column by name; throws error(internal) when absent.
  int column(std::string_view name) const;
  bool is_null(int row, int col) const noexcept;
  /// The value as text; "" for NULL.
  std::string_view get(int row, int col) const noexcept;
  std::string str(int row, int col) const { return std::string(get(row, col)); }
  std::optional<std::string> opt(int row, int col) const;
  std::int64_t i64(int row, int col) const;
  bool boolean(int row, int col) const noexcept;  ///< 't' is true
  /// Rows affected by INSERT/UPDATE/DELETE/COPY.
  std::uint64_t affected() const noexcept;

 private:
  std::shared_ptr<pg_result> res_;
};

using params = std::vector<std::optional<std::string>>;

class connection {
 public:
  /// Connects. `conninfo` is a libpq keyword string or URI (empty: PG* environment);
  /// `dbname`, when given, overrides the database in it. `events` receives server notices
  /// as debug log lines and must outlive the connection.
  explicit connection(const std::string& conninfo, const std::string& dbname = {},
                      const event_sink* events = nullptr);
  ~connection();
  connection(connection&& other) noexcept;
  connection& operator=(connection&& other) noexcept;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Runs one or more statements (simple protocol). Throws error(query_failed) with the
  /// SQLSTATE, or error(connection_failed) when the connection is gone.
  result exec(std::string_view sql);
  /// One statement with $1.. parameters (extended protocol, text values, NULL = nullopt).
  result exec(std::string_view sql, const params& values);

  /// Runs `COPY ... TO STDOUT` and hands over each row (text format, including its
  /// trailing newline) as it arrives; never holds more than one row.
  /// Returns the number of rows.
  std::uint64_t copy_out(std::string_view copy_sql, const std::function<void(std::string_view)>& on_row);

  /// `COPY ... FROM STDIN`: start, feed any slicing of the data, then finish (returns the
  /// rows loaded) or abort (the server rolls the COPY back with `reason`).
  void copy_in_start(std::string_view copy_sql);
  void copy_in_put(std::string_view data);
  std::uint64_t copy_in_finish();
  void copy_in_abort(const std::string& reason) noexcept;

  /// Asks the server to cancel the running statement; safe from another thread.
  void cancel() noexcept;
  /// cancel() without waiting: the request is sent from a thread of its own, so a server
  /// that does not answer (its processes stopped) never blocks the caller.
  void cancel_nowait() noexcept;
  /// Gives the session up, from any thread: shuts its socket down, so a call blocked on a
  /// server that does not answer returns with a connection error, and later calls fail at
  /// once. The object must still be destroyed as usual.
  void shut_down() noexcept;
  /// shut_down() for every open connection that thread `opener` opened or that shares its
  /// event sink with one of `sessions` (the sessions of one run share one sink).
  static void shut_down_related(const std::vector<connection*>& sessions, std::thread::id opener) noexcept;

  int server_version() const noexcept;          ///< e.g. 150018
  std::string server_version_string() const;    ///< e.g. "15.18"
  std::string database() const;
  std::string user() const;
  std::string host() const;
  std::string port() const;
  int backend_pid() const noexcept;
  bool is_open() const noexcept;
  /// Inside BEGIN ... COMMIT (or a failed one).
  bool in_transaction() const noexcept;
  /// A server parameter reported at connect (e.g. "server_encoding").
  std::string parameter(const char* name) const;

  /// A human description that never contains a password: user@host:port/db.
  std::string describe() const;

 private:
  [[noreturn]] void throw_last_error(std::string_view what, pg_result* res = nullptr) const;
  pg_conn* conn_ = nullptr;
  const event_sink* events_ = nullptr;
};

}  // namespace immichbak::pg
