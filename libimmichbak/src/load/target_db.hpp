#pragma once
// The target database's lifecycle during a restore, shared by the immichbak-format
// restore and the plain-SQL restore (plain_restore.cpp).
//
// A restore never loads into the target itself (except --in-place). It loads into a
// scratch database on the same server and swaps it in at the very end:
//
//   target_db t(dsn, &events);           // resolves the target name, connects to the
//                                        // maintenance db ("postgres", else template1)
//   t.drop_stale_scratch();              // leftovers of killed restores of this target
//   target_state st = t.inspect();       // exists? empty? encoding/locale, owner
//   if (!st.empty && !replace) throw_not_empty(t.name(), st);
//   std::string scratch = t.create_scratch(st, manifest.encoding);
//   try {
//     ... load into scratch (connections via t.connect(scratch)), check ...
//     close every connection to the scratch db (RENAME needs it idle)
//     swap_result r = t.swap(scratch, {replace, drop_old});
//   } catch (...) { t.drop_database(scratch); throw; }
//
// Guarantees:
// - Nothing here ever changes the target before swap(). swap() first refuses when other
//   sessions are connected to the target (error(target_in_use) listing pid, user,
//   application and client) unless terminate_sessions, which first closes the target to
//   new connections (ALLOW_CONNECTIONS false) and ends the sessions, and then renames
//   inside ONE transaction (ALTER DATABASE
//   ... RENAME is transactional): either both renames happen or neither does. Only after
//   the commit is anything dropped (the emptied old target, or the old one with
//   drop_old); a failure there is a warning, never a half-done restore.
// - The swap drops nothing when it fails: the caller drops the scratch database and the
//   target is untouched.
//
// Naming (all truncated to PostgreSQL's 63-byte identifier limit on a UTF-8 boundary,
// cutting the target part so the recognisable suffix survives):
//   scratch:          <target>__immichbak_<yyyymmddThhmmss>_<backendpid>
//   emptied target:   <target>__immichbak_<yyyymmddThhmmss>_<backendpid>_old
//                     (an empty target moved aside during the swap and dropped right after)
//   kept old target:  <target>_before_restore_<yyyymmddThhmmss>
// <backendpid> is the pid of the server backend of this object's maintenance
// connection, which stays open for the whole restore. A scratch database whose backend
// is gone and that nobody is connected to is stale: drop_stale_scratch() drops those of
// the same target, and a user can list/drop them by hand:
//   SELECT datname FROM pg_database WHERE datname ~ '__immichbak_[0-9]{8}T[0-9]{6}_[0-9]+(_old)?$';
//   DROP DATABASE "<name>";
// Timestamps are UTC.

#include <immichbak/events.hpp>
#include <immichbak/restore.hpp>

#include "pg/connection.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace immichbak::load {

/// One session connected to a database (from pg_stat_activity).
struct db_session {
  int pid = 0;
  std::string user;
  std::string application;
  std::string client;  ///< client address, or "local" for a Unix socket
  std::string state;
};

/// What the target database looks like before the restore.
struct target_state {
  bool exists = false;
  /// No user objects: nothing in pg_class/pg_proc/pg_type (nor user schemas) outside
  /// pg_catalog, information_schema, pg_toast and extension members; the default
  /// `public` schema does not count. An absent target is empty.
  bool empty = true;
  std::uint64_t object_count = 0;
  std::vector<std::string> objects;  ///< the first few, e.g. "table public.asset"
  std::string encoding;              ///< e.g. "UTF8"
  std::string collate;
  std::string ctype;
  char locale_provider = 'c';        ///< 'c' libc, 'i' icu, 'b' builtin (PG15+/17+)
  std::string provider_locale;       ///< ICU/builtin locale when locale_provider != 'c'
  std::string owner;
};

/// restore_mode::replace or replace_drop_old: a target that holds something may be replaced.
constexpr bool replaces(restore_mode m) { return m == restore_mode::replace || m == restore_mode::replace_drop_old; }

struct swap_options {
  bool replace = false;   ///< allow replacing a non-empty target
  bool drop_old = false;  ///< with replace: drop the old target instead of keeping it
  /// Give the new database the old target's owner (when there was one). Needs
  /// membership in that role; a failure is a warning.
  bool keep_owner = true;
  /// Sessions on the target (a running Immich) are ended instead of refusing: the target
  /// takes no new connections from then until the swap (restored on the kept copy, and on
  /// the target when the swap fails).
  bool terminate_sessions = false;
};

struct swap_result {
  enum class kind { created, replaced_empty, replaced } what = kind::created;
  std::optional<std::string> kept_old;  ///< NAME_before_restore_<ts> when kept
  std::vector<std::string> warnings;
};

/// Lowercase helper names are the building blocks; most callers want the class.
/// `<target>__immichbak_<ts>_<pid>[suffix]`, truncated to 63 bytes.
std::string scratch_name(const std::string& target, const std::string& timestamp, int pid,
                         const std::string& suffix = {});
/// `<target>_before_restore_<ts>`, truncated to 63 bytes.
std::string kept_name(const std::string& target, const std::string& timestamp);
/// When `db` is a scratch name of `target` (as scratch_name() builds it, either
/// suffix), the backend pid in it; else nullopt.
std::optional<int> scratch_owner_pid(const std::string& db, const std::string& target);
/// UTC now as yyyymmddThhmmss.
std::string utc_timestamp();
/// Truncates to at most `max` bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(const std::string& s, std::size_t max);

/// The error a restore throws for a non-empty target without --replace (names the
/// database and the first objects, suggests --replace).
[[noreturn]] void throw_not_empty(const std::string& target, const target_state& st);

class target_db {
 public:
  /// Resolves the target's name from `dsn` (its dbname, with libpq's defaults) and opens
  /// the maintenance connection to "postgres" on the same server (template1 when
  /// "postgres" does not exist or refuses us). Throws error(connection_failed).
  /// `events` must outlive this object.
  explicit target_db(std::string dsn, const event_sink* events = nullptr);
  /// For scratch databases that are never swapped in (verify --restore-test): `name`
  /// only prefixes the scratch names; the DSN's own database is not the target.
  target_db(std::string dsn, const event_sink* events, std::string name);
  ~target_db();
  target_db(const target_db&) = delete;
  target_db& operator=(const target_db&) = delete;

  const std::string& name() const noexcept { return name_; }
  const std::string& dsn() const noexcept { return dsn_; }
  /// The maintenance connection (never connected to the target or the scratch db).
  pg::connection& admin() noexcept { return admin_; }
  /// A new connection to database `db` on the same server with the DSN's other settings.
  pg::connection connect(const std::string& db) const;

  /// Inspects the target (connects to it when it exists). `max_objects` bounds
  /// target_state::objects.
  target_state inspect(std::size_t max_objects = 5);

  /// Whether the current role may create databases (superuser or CREATEDB).
  bool can_create_database();

  /// CREATE DATABASE <scratch> TEMPLATE template0 with the target's encoding and locale
  /// (or, when the target is absent, `fallback_encoding` -- the backup's -- with the
  /// server's default locale when compatible, else C). Returns the scratch name.
  /// Throws error(permission_denied) with a hint at --in-place when the role may not.
  std::string create_scratch(const target_state& target, const std::string& fallback_encoding);

  /// DROP DATABASE IF EXISTS (WITH (FORCE) on PostgreSQL 13+). Never throws; returns a
  /// warning text when it could not drop (empty on success).
  std::string drop_database(const std::string& db) noexcept;

  /// Sessions connected to `db`, except this object's own ones (the maintenance connection
  /// and, unless `include_closed_own`, inspection sessions that are closed but whose backend
  /// may still be exiting).
  std::vector<db_session> sessions(const std::string& db, bool include_closed_own = false);
  /// Throws error(target_in_use) listing the sessions of `db`, when there are any.
  void require_idle(const std::string& db);
  /// "pid 4242 user immich application \"immich_api\" client 172.18.0.5:40122 (idle); ..."
  static std::string describe(const std::vector<db_session>& sessions);

  /// Drops scratch databases of this target left behind by killed restores (owner
  /// backend gone, nobody connected). Returns the names dropped.
  std::vector<std::string> drop_stale_scratch();

  /// Swaps `scratch` in as the target (see the file comment). The caller has closed its
  /// own connections to `scratch`. Throws error(target_not_empty) when the target is
  /// not empty and !replace, error(target_in_use) when sessions are connected to it;
  /// in both cases (and any other failure) nothing was renamed.
  swap_result swap(const std::string& scratch, const swap_options& options);

  /// The pid used in scratch names (the maintenance connection's backend).
  int owner_pid() const noexcept { return admin_.backend_pid(); }

 private:
  std::string dsn_;
  std::string name_;
  std::string maintenance_db_;
  const event_sink* events_ = nullptr;
  pg::connection admin_;
  std::set<int> own_pids_;
  void log(log_level level, const std::string& msg) const;
  /// ALTER DATABASE ... WITH ALLOW_CONNECTIONS.
  void allow_connections(const std::string& db, bool allow);
  /// Waits (at most a second, in short steps) until no session but autovacuum is left on
  /// `db`: the backends of connections closed a moment ago may still be exiting.
  void await_sessions_gone(const std::string& db);
  /// Closes `db` to new connections and ends its sessions (waiting for them to exit).
  /// Throws error(target_in_use) when one is still there; connections are allowed again then.
  void end_sessions(const std::string& db);
};

}  // namespace immichbak::load
