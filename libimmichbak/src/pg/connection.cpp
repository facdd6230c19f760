#include "pg/connection.hpp"

#include "pg/redact.hpp"

#include <immichbak/dsn.hpp>
#include <immichbak/error.hpp>

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>
#include <poll.h>
#include <sys/socket.h>
#include <utility>

namespace immichbak::pg {

namespace {

void clear_result(pg_result* r) { PQclear(r); }

std::string trim_message(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Server notices become debug lines. A session that is up never echoes its connection
// string, but anything shaped like a password (password=..., a URI's user:password@) is
// masked all the same.
void notice_to_log(void* arg, const char* message) {
  auto* events = static_cast<const event_sink*>(arg);
  if (events && events->log)
    events->log(log_level::debug, "server: " + redact_message(trim_message(message), std::vector<std::string>{}));
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string utf8_prefix(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

// Connection failures that happen mid-operation (server stopped, network gone) carry
// SQLSTATE class 08 or no SQLSTATE with a bad connection status.
bool is_connection_state(const std::string& sqlstate) { return sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03"; }

// Every open connection, the thread that opened it and its event sink, for
// shut_down_related(): a run that gives up (pg::run_control) reaches the sessions it never
// registered -- the restore's maintenance session, a backup worker still setting up its
// snapshot -- which it would otherwise wait on for ever.
struct open_conn {
  pg_conn* conn;
  std::thread::id opener;
  const event_sink* events;
};
std::mutex& open_mu() {
  static std::mutex mu;
  return mu;
}
std::vector<open_conn>& open_conns() {
  static std::vector<open_conn> v;
  return v;
}
void track(pg_conn* c, const event_sink* events) {
  std::lock_guard lock(open_mu());
  open_conns().push_back({c, std::this_thread::get_id(), events});
}
void untrack(pg_conn* c) noexcept {
  std::lock_guard lock(open_mu());
  auto& v = open_conns();
  v.erase(std::remove_if(v.begin(), v.end(), [c](const open_conn& e) { return e.conn == c; }), v.end());
}
void shut_down_socket(pg_conn* c) noexcept {
  int fd = PQsocket(c);
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

// connect_timeout as libpq reads it (connection string, PGCONNECT_TIMEOUT, service file):
// seconds per attempt, at least 2; 0 = wait as long as it takes.
int connect_timeout_seconds(pg_conn* c) {
  int seconds = 0;
  if (PQconninfoOption* opts = PQconninfo(c)) {
    for (PQconninfoOption* o = opts; o->keyword; ++o)
      if (std::strcmp(o->keyword, "connect_timeout") == 0 && o->val && *o->val) {
        const char* end = o->val + std::strlen(o->val);
        std::from_chars(o->val, end, seconds);
      }
    PQconninfoFree(opts);
  }
  return seconds <= 0 ? 0 : std::max(seconds, 2);
}

// Completes a connection begun by PQconnectStartParams, the way PQconnectdbParams would,
// but in a loop of our own: the connection is already tracked, so a run that gives up
// (shut_down_related) reaches a session still connecting to a server that does not answer
// -- inside PQconnectdbParams its socket was out of reach and the attempt could last
// forever. connect_timeout bounds each socket's wait as in libpq; when it expires the
// attempt fails ("timeout expired") instead of going on to the connection string's next
// host. Returns the timeout text when that happened, else "" (then PQstatus tells).
std::string complete_connect(pg_conn* c) {
  using clock = std::chrono::steady_clock;
  const int timeout = connect_timeout_seconds(c);
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;  // as libpq's docs say to begin
  int last_fd = -2;
  clock::time_point deadline{};
  while (PQstatus(c) != CONNECTION_BAD && state != PGRES_POLLING_OK && state != PGRES_POLLING_FAILED) {
    if (state == PGRES_POLLING_READING || state == PGRES_POLLING_WRITING) {
      int fd = PQsocket(c);
      if (fd < 0) break;
      if (fd != last_fd) {  // a new attempt (another address or host): its own timeout
        last_fd = fd;
        deadline = clock::now() + std::chrono::seconds(timeout);
      }
      pollfd p{fd, static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
      int wait_ms = -1;
      if (timeout > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
        if (left <= 0) return "timeout expired";
        wait_ms = static_cast<int>(left);
      }
      int r = ::poll(&p, 1, wait_ms);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) return "timeout expired";
    }
    state = PQconnectPoll(c);
  }
  return {};
}

}  // namespace

// ---- result ---------------------------------------------------------------------------

result::result(pg_result* res) : res_(res, clear_result) {}

int result::rows() const noexcept { return res_ ? PQntuples(res_.get()) : 0; }
int result::columns() const noexcept { return res_ ? PQnfields(res_.get()) : 0; }

int result::column(std::string_view name) const {
  for (int c = 0; c < columns(); ++c)
    if (name == PQfname(res_.get(), c)) return c;
  throw error(errc::internal, fmt::format("query result has no column \"{}\"", name));
}

bool result::is_null(int row, int col) const noexcept { return PQgetisnull(res_.get(), row, col) != 0; }

std::string_view result::get(int row, int col) const noexcept {
  return {PQgetvalue(res_.get(), row, col), static_cast<size_t>(PQgetlength(res_.get(), row, col))};
}

std::optional<std::string> result::opt(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return str(row, col);
}

std::int64_t result::i64(int row, int col) const {
  auto v = get(row, col);
  std::int64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || p != v.data() + v.size())
    throw error(errc::internal, fmt::format("expected an integer in column {} but got \"{}\"",
                                            PQfname(res_.get(), col), v));
  return out;
}

bool result::boolean(int row, int col) const noexcept { return get(row, col) == "t"; }

std::uint64_t result::affected() const noexcept {
  const char* n = res_ ? PQcmdTuples(res_.get()) : "";
  return (n && *n) ? std::strtoull(n, nullptr, 10) : 0;
}

// ---- connection -----------------------------------------------------------------------

connection::connection(const std::string& conninfo, const std::string& dbname, const event_sink* events)
    : events_(events) {
  // expand_dbname=1: the first "dbname" is parsed as a full connection string/URI, and
  // keywords after it override what it set (this is how psql's -d and friends work).
  std::vector<const char*> keys{"dbname", "application_name", "client_encoding"};
  std::vector<const char*> vals{conninfo.c_str(), "immichbak", "UTF8"};
  if (!dbname.empty()) {
    keys.push_back("dbname");
    vals.push_back(dbname.c_str());
  }
  keys.push_back(nullptr);
  vals.push_back(nullptr);
  conn_ = PQconnectStartParams(keys.data(), vals.data(), 1);
  if (!conn_) throw error(errc::connection_failed, "could not allocate a libpq connection");
  std::string timed_out;
  try {
    track(conn_, events_);  // before the attempt: a run giving up reaches it (complete_connect)
  } catch (...) {
    PQfinish(conn_);
    conn_ = nullptr;
    throw;
  }
  if (PQstatus(conn_) != CONNECTION_BAD) timed_out = complete_connect(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    untrack(conn_);
    // libpq's texts can quote the connection string: its parse errors quote a whole URI or
    // the token it could not decode, which may be the password.
    std::vector<std::string> secrets = conninfo_secrets(conninfo);
    if (const char* pw = PQpass(conn_); pw && *pw && std::find(secrets.begin(), secrets.end(), pw) == secrets.end())
      secrets.emplace_back(pw);
    // A "secret" that is also the user, database or host name is printed as that anyway;
    // masking it would only garble the message (user "postgres" with password "postgres").
    for (const char* shown : {PQuser(conn_), PQdb(conn_), PQhost(conn_)})
      if (shown) secrets.erase(std::remove(secrets.begin(), secrets.end(), std::string(shown)), secrets.end());
    std::string msg = timed_out.empty() ? trim_message(PQerrorMessage(conn_)) : timed_out;
    PQfinish(conn_);
    conn_ = nullptr;
    std::string target = conninfo.empty() ? std::string("the server from the PG* environment") : redact_dsn(conninfo);
    if (!dbname.empty()) target += " (database \"" + dbname + "\")";
    throw error(errc::connection_failed,
                redact_message(fmt::format("could not connect to {}: {}", target, msg), secrets));
  }
  PQsetNoticeProcessor(conn_, notice_to_log, const_cast<event_sink*>(events_));
}

connection::~connection() {
  if (conn_) untrack(conn_);
  if (conn_) PQfinish(conn_);
}

connection::connection(connection&& other) noexcept : conn_(other.conn_), events_(other.events_) {
  other.conn_ = nullptr;
}

connection& connection::operator=(connection&& other) noexcept {
  if (this != &other) {
    if (conn_) untrack(conn_);
    if (conn_) PQfinish(conn_);
    conn_ = other.conn_;
    events_ = other.events_;
    other.conn_ = nullptr;
  }
  return *this;
}

void connection::throw_last_error(std::string_view what, pg_result* res) const {
  std::string sqlstate;
  std::string msg;
  if (res) {
    if (const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE)) sqlstate = s;
    msg = trim_message(PQresultErrorMessage(res));
  }
  if (msg.empty()) msg = trim_message(conn_ ? PQerrorMessage(conn_) : "no connection");
  msg = redact_message(msg, std::vector<std::string>{});  // see notice_to_log
  if (res) PQclear(res);
  bool lost = !conn_ || PQstatus(conn_) == CONNECTION_BAD || is_connection_state(sqlstate);
  std::string where = what.size() > 200 ? utf8_prefix(what, 200) + "..." : std::string(what);
  if (lost)
    throw error(errc::connection_failed,
                fmt::format("lost the connection to {} while running: {}: {}", describe(), where, msg), sqlstate);
  if (sqlstate == "55P03")
    throw error(errc::lock_timeout, fmt::format("could not take a lock in time ({}): {}", where, msg), sqlstate);
  if (sqlstate == "42501")
    throw error(errc::permission_denied, fmt::format("{}: {}", where, msg), sqlstate);
  throw error(errc::query_failed, fmt::format("{}: {}", where, msg), sqlstate);
}

result connection::exec(std::string_view sql) {
  std::string q(sql);
  pg_result* res = PQexec(conn_, q.c_str());
  auto st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    // A multi-statement string can end in COPY IN/OUT; we never send those through exec.
    if (st == PGRES_COPY_IN) PQputCopyEnd(conn_, "unexpected COPY");
    throw_last_error(sql, res);
  }
  return result(res);
}

result connection::exec(std::string_view sql, const params& values) {
  std::string q(sql);
  std::vector<const char*> vals;
  vals.reserve(values.size());
  for (const auto& v : values) vals.push_back(v ? v->c_str() : nullptr);
  pg_result* res = PQexecParams(conn_, q.c_str(), static_cast<int>(vals.size()), nullptr, vals.data(),
                                nullptr, nullptr, 0);
  auto st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw_last_error(sql, res);
  return result(res);
}

std::uint64_t connection::copy_out(std::string_view copy_sql, const std::function<void(std::string_view)>& on_row) {
  std::string q(copy_sql);
  pg_result* res = PQexec(conn_, q.c_str());
  if (!res || PQresultStatus(res) != PGRES_COPY_OUT) throw_last_error(copy_sql, res);
  PQclear(res);
  std::uint64_t rows = 0;
  for (;;) {
    char* buf = nullptr;
    int n = PQgetCopyData(conn_, &buf, 0);
    if (n > 0) {
      // Free the buffer even if the callback throws; drain the COPY so the
      // connection stays usable for the caller's cleanup.
      struct freer { char* p; ~freer() { PQfreemem(p); } } guard{buf};
      try {
        on_row(std::string_view(buf, static_cast<size_t>(n)));
      } catch (...) {
        cancel_nowait();  // a server that does not answer must not hold this thread here
        char* rest = nullptr;
        int m;
        while ((m = PQgetCopyData(conn_, &rest, 0)) > 0) PQfreemem(rest);
        while (pg_result* r = PQgetResult(conn_)) PQclear(r);
        throw;
      }
      ++rows;
      continue;
    }
    if (n == -1) break;  // COPY done
    throw_last_error(copy_sql);  // -2: error
  }
  pg_result* fin = PQgetResult(conn_);
  if (!fin || PQresultStatus(fin) != PGRES_COMMAND_OK) throw_last_error(copy_sql, fin);
  PQclear(fin);
  while (pg_result* r = PQgetResult(conn_)) PQclear(r);
  return rows;
}

void connection::copy_in_start(std::string_view copy_sql) {
  std::string q(copy_sql);
  pg_result* res = PQexec(conn_, q.c_str());
  if (!res || PQresultStatus(res) != PGRES_COPY_IN) throw_last_error(copy_sql, res);
  PQclear(res);
}

void connection::copy_in_put(std::string_view data) {
  constexpr size_t max_piece = 1u << 30;  // PQputCopyData takes an int length
  while (!data.empty()) {
    size_t n = std::min(data.size(), max_piece);
    if (PQputCopyData(conn_, data.data(), static_cast<int>(n)) != 1) throw_last_error("COPY FROM STDIN (sending data)");
    data.remove_prefix(n);
  }
}

std::uint64_t connection::copy_in_finish() {
  if (PQputCopyEnd(conn_, nullptr) != 1) throw_last_error("COPY FROM STDIN (end of data)");
  pg_result* res = PQgetResult(conn_);
  if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
    while (pg_result* r = PQgetResult(conn_)) PQclear(r);
    throw_last_error("COPY FROM STDIN", res);
  }
  std::uint64_t rows = result(res).affected();
  while (pg_result* r = PQgetResult(conn_)) PQclear(r);
  return rows;
}

void connection::copy_in_abort(const std::string& reason) noexcept {
  if (!conn_) return;
  PQputCopyEnd(conn_, reason.c_str());
  while (pg_result* r = PQgetResult(conn_)) PQclear(r);
}

void connection::cancel() noexcept {
  if (!conn_) return;
  if (PGcancel* c = PQgetCancel(conn_)) {
    char err[256];
    PQcancel(c, err, sizeof err);
    PQfreeCancel(c);
  }
}

void connection::cancel_nowait() noexcept {
  if (!conn_) return;
  PGcancel* c = PQgetCancel(conn_);
  if (!c) return;
  // The request needs nothing of this object: the thread owns the PGcancel and may outlive
  // the connection (it waits for a stopped server until that one resumes or the process ends).
  auto send = [c] {
    char err[256];
    PQcancel(c, err, sizeof err);
    PQfreeCancel(c);
  };
  try {
    std::thread(send).detach();
  } catch (...) {
    send();  // no thread to be had: send it from here
  }
}

void connection::shut_down() noexcept {
  if (conn_) shut_down_socket(conn_);
}

void connection::shut_down_related(const std::vector<connection*>& sessions, std::thread::id opener) noexcept {
  std::lock_guard lock(open_mu());
  for (const auto& e : open_conns()) {
    bool related = e.opener == opener;
    for (const connection* s : sessions)
      if (e.events && s->events_ == e.events) related = true;
    if (related) shut_down_socket(e.conn);
  }
}

int connection::server_version() const noexcept { return conn_ ? PQserverVersion(conn_) : 0; }

std::string connection::server_version_string() const { return parameter("server_version"); }

std::string connection::database() const { return conn_ ? PQdb(conn_) : ""; }
std::string connection::user() const { return conn_ ? PQuser(conn_) : ""; }
std::string connection::host() const {
  const char* h = conn_ ? PQhost(conn_) : nullptr;
  return h ? h : "";
}
std::string connection::port() const {
  const char* p = conn_ ? PQport(conn_) : nullptr;
  return p ? p : "";
}
int connection::backend_pid() const noexcept { return conn_ ? PQbackendPID(conn_) : 0; }
bool connection::is_open() const noexcept { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

bool connection::in_transaction() const noexcept {
  return conn_ && PQtransactionStatus(conn_) != PQTRANS_IDLE && PQtransactionStatus(conn_) != PQTRANS_UNKNOWN;
}

std::string connection::parameter(const char* name) const {
  const char* v = conn_ ? PQparameterStatus(conn_, name) : nullptr;
  return v ? v : "";
}

std::string connection::describe() const {
  if (!conn_) return "<closed connection>";
  return fmt::format("{}@{}:{}/{}", user(), host(), port(), database());
}

}  // namespace immichbak::pg
