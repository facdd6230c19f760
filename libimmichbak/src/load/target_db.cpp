#include "load/target_db.hpp"

#include <immichbak/dsn.hpp>
#include <immichbak/error.hpp>

#include "pg/conninfo.hpp"
#include "util/sql_quote.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <regex>
#include <thread>

namespace immichbak::load {

namespace {

constexpr std::size_t max_identifier = 63;  // NAMEDATALEN - 1

pg::connection open_maintenance(const std::string& dsn, const std::string& target, std::string& which,
                                const event_sink* events) {
  // The maintenance connection must never sit on the target (it renames/drops it).
  std::vector<std::string> candidates;
  if (target != "postgres") candidates.push_back("postgres");
  candidates.push_back("template1");
  if (target == "postgres") candidates.push_back("template0");  // never connectable by default; last resort
  std::optional<error> first;
  for (const auto& db : candidates) {
    try {
      pg::connection c(dsn, db, events);
      which = db;
      return c;
    } catch (const error& e) {
      if (e.code() != errc::connection_failed) throw;
      if (!first) first = e;
    }
  }
  throw *first;
}

std::string session_line(const db_session& s) {
  return fmt::format("pid {} user {} application \"{}\" client {}{}", s.pid, s.user.empty() ? "?" : s.user,
                     s.application, s.client, s.state.empty() ? "" : fmt::format(" ({})", s.state));
}

bool is_c_locale(const std::string& l) { return l == "C" || l == "POSIX" || l.rfind("C.", 0) == 0; }

}  // namespace

// ---- names ----------------------------------------------------------------------------

std::string truncate_utf8(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  // Back off over continuation bytes (10xxxxxx) so no sequence is split.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string utc_timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
  return buf;
}

std::string scratch_name(const std::string& target, const std::string& timestamp, int pid, const std::string& suffix) {
  std::string tail = fmt::format("__immichbak_{}_{}{}", timestamp, pid, suffix);
  return truncate_utf8(target, max_identifier - tail.size()) + tail;
}

std::string kept_name(const std::string& target, const std::string& timestamp) {
  std::string tail = "_before_restore_" + timestamp;
  return truncate_utf8(target, max_identifier - tail.size()) + tail;
}

std::optional<int> scratch_owner_pid(const std::string& db, const std::string& target) {
  static const std::regex re(R"(^([\s\S]*)__immichbak_([0-9]{8}T[0-9]{6})_([0-9]{1,10})(_old)?$)");
  std::smatch m;
  if (!std::regex_match(db, m, re)) return std::nullopt;
  std::string prefix = m[1].str();
  std::size_t tail = db.size() - prefix.size();
  if (prefix != truncate_utf8(target, max_identifier - tail)) return std::nullopt;
  long pid = std::stol(m[3].str());
  if (pid <= 0 || pid > 0x7fffffff) return std::nullopt;
  return static_cast<int>(pid);
}

void throw_not_empty(const std::string& target, const target_state& st) {
  std::string listed = util::join(st.objects, ", ");
  if (st.object_count > st.objects.size()) listed += fmt::format(" and {} more", st.object_count - st.objects.size());
  throw error(errc::target_not_empty,
              fmt::format("database \"{}\" is not empty ({}); restore with --replace to swap it out (the old one is "
                          "kept as {}_before_restore_<timestamp>), or name another database",
                          target, listed, target));
}

// ---- target_db ------------------------------------------------------------------------

target_db::target_db(std::string dsn, const event_sink* events)
    : dsn_(std::move(dsn)),
      name_(pg::conninfo_dbname(dsn_)),
      events_(events),
      admin_(open_maintenance(dsn_, name_, maintenance_db_, events)) {
  if (name_.size() > max_identifier)
    throw error(errc::invalid_argument,
                fmt::format("database name \"{}\" is longer than PostgreSQL's 63-byte limit", name_));
}

target_db::target_db(std::string dsn, const event_sink* events, std::string name)
    : dsn_(std::move(dsn)),
      name_(truncate_utf8(name, max_identifier)),
      events_(events),
      admin_(open_maintenance(dsn_, name_, maintenance_db_, events)) {}

target_db::~target_db() = default;

void target_db::log(log_level level, const std::string& msg) const {
  if (events_ && events_->log) events_->log(level, msg);
}

pg::connection target_db::connect(const std::string& db) const { return pg::connection(dsn_, db, events_); }

target_state target_db::inspect(std::size_t max_objects) {
  target_state st;
  int v = admin_.server_version();
  std::string provider_cols = v >= 170000   ? ", d.datlocprovider::text AS prov, COALESCE(d.datlocale, '') AS ploc"
                              : v >= 150000 ? ", d.datlocprovider::text AS prov, COALESCE(d.daticulocale, '') AS ploc"
                                            : ", 'c'::text AS prov, ''::text AS ploc";
  auto r = admin_.exec(
      "SELECT pg_catalog.pg_encoding_to_char(d.encoding) AS enc, d.datcollate AS coll, d.datctype AS ctype, "
      "pg_catalog.pg_get_userbyid(d.datdba) AS owner" +
          provider_cols + " FROM pg_catalog.pg_database d WHERE d.datname = $1",
      {name_});
  if (r.rows() == 0) return st;  // absent: empty by definition
  st.exists = true;
  st.encoding = r.str(0, 0);
  st.collate = r.str(0, 1);
  st.ctype = r.str(0, 2);
  st.owner = r.str(0, 3);
  std::string prov = r.str(0, 4);
  st.locale_provider = prov.empty() ? 'c' : prov[0];
  st.provider_locale = r.str(0, 5);

  // Objects a user (or a previous restore) created. Extension members, the catalogs,
  // toast/temp schemas and the default public schema do not count; indexes and row types
  // are implied by their tables and are not listed separately.
  static const char* objects_sql = R"SQL(
WITH ns AS (
  SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
), ext AS (
  SELECT d.classid, d.objid FROM pg_catalog.pg_depend d WHERE d.deptype = 'e'
), objs AS (
  SELECT 0 AS ord, 'schema' AS kind, pg_catalog.format('%I', ns.nspname) AS name
  FROM ns WHERE ns.nspname <> 'public'
    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_namespace'::regclass AND ext.objid = ns.oid)
  UNION ALL
  SELECT 1, CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                           WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                           WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'type' ELSE 'relation' END,
         pg_catalog.format('%I.%I', ns.nspname, c.relname)
  FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
  WHERE c.relkind NOT IN ('i', 'I', 't')
    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_class'::regclass AND ext.objid = c.oid)
  UNION ALL
  SELECT 2, CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
         pg_catalog.format('%I.%I', ns.nspname, p.proname)
  FROM pg_catalog.pg_proc p JOIN ns ON ns.oid = p.pronamespace
  WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_proc'::regclass AND ext.objid = p.oid)
  UNION ALL
  SELECT 3, 'type', pg_catalog.format('%I.%I', ns.nspname, t.typname)
  FROM pg_catalog.pg_type t JOIN ns ON ns.oid = t.typnamespace
  WHERE t.typrelid = 0
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_type'::regclass AND ext.objid = t.oid)
)
SELECT kind, name, count(*) OVER () AS total FROM objs ORDER BY ord, name LIMIT $1
)SQL";
  pg::connection t = connect(name_);
  own_pids_.insert(t.backend_pid());  // its backend may outlive the close by a moment
  auto o = t.exec(objects_sql, {std::to_string(std::max<std::size_t>(max_objects, 1))});
  st.object_count = o.rows() > 0 ? static_cast<std::uint64_t>(o.i64(0, 2)) : 0;
  st.empty = st.object_count == 0;
  for (int i = 0; i < o.rows() && st.objects.size() < max_objects; ++i)
    st.objects.push_back(o.str(i, 0) + " " + o.str(i, 1));
  return st;
}

bool target_db::can_create_database() {
  auto r = admin_.exec("SELECT rolsuper OR rolcreatedb FROM pg_catalog.pg_roles WHERE rolname = current_user");
  return r.rows() > 0 && r.boolean(0, 0);
}

std::string target_db::create_scratch(const target_state& target, const std::string& fallback_encoding) {
  std::string encoding = target.encoding, collate = target.collate, ctype = target.ctype;
  char provider = target.locale_provider;
  std::string provider_locale = target.provider_locale;
  if (!target.exists) {
    // The server's default locale (template1's), with the backup's encoding when given.
    target_state tmpl;
    int v = admin_.server_version();
    std::string provider_cols = v >= 170000   ? ", d.datlocprovider::text, COALESCE(d.datlocale, '')"
                                : v >= 150000 ? ", d.datlocprovider::text, COALESCE(d.daticulocale, '')"
                                              : ", 'c'::text, ''::text";
    auto r = admin_.exec("SELECT pg_catalog.pg_encoding_to_char(d.encoding), d.datcollate, d.datctype" + provider_cols +
                         " FROM pg_catalog.pg_database d WHERE d.datname = 'template1'");
    if (r.rows() == 1) {
      encoding = r.str(0, 0);
      collate = r.str(0, 1);
      ctype = r.str(0, 2);
      std::string p = r.str(0, 3);
      provider = p.empty() ? 'c' : p[0];
      provider_locale = r.str(0, 4);
    }
    if (!fallback_encoding.empty() && fallback_encoding != encoding) {
      // A libc locale names its encoding; a different encoding needs the C locale.
      encoding = fallback_encoding;
      if (!is_c_locale(collate) || !is_c_locale(ctype) || provider != 'c') {
        collate = ctype = "C";
        provider = 'c';
        provider_locale.clear();
      }
    }
  }
  std::string name = scratch_name(name_, utc_timestamp(), owner_pid());
  std::string sql = fmt::format("CREATE DATABASE {} TEMPLATE template0", util::sql::ident(name));
  if (!encoding.empty()) sql += " ENCODING " + util::sql::literal(encoding);
  if (!collate.empty()) sql += " LC_COLLATE " + util::sql::literal(collate);
  if (!ctype.empty()) sql += " LC_CTYPE " + util::sql::literal(ctype);
  if (provider == 'i' && admin_.server_version() >= 150000)
    sql += " LOCALE_PROVIDER icu ICU_LOCALE " + util::sql::literal(provider_locale);
  else if (provider == 'b' && admin_.server_version() >= 170000)
    sql += " LOCALE_PROVIDER builtin BUILTIN_LOCALE " + util::sql::literal(provider_locale);
  try {
    admin_.exec(sql);
  } catch (const error& e) {
    if (e.code() == errc::permission_denied)
      throw error(errc::permission_denied,
                  fmt::format("role \"{}\" may not create databases, which a restore needs for its scratch copy "
                              "of \"{}\": {}; restore with --in-place into an existing empty database, or grant "
                              "CREATEDB",
                              admin_.user(), name_, e.what()),
                  e.sqlstate());
    throw;
  }
  log(log_level::info, fmt::format("created scratch database \"{}\" for \"{}\"", name, name_));
  return name;
}

std::string target_db::drop_database(const std::string& db) noexcept {
  try {
    std::string sql = "DROP DATABASE IF EXISTS " + util::sql::ident(db);
    if (admin_.server_version() >= 130000) sql += " WITH (FORCE)";
    await_sessions_gone(db);
    admin_.exec(sql);
    log(log_level::info, fmt::format("dropped database \"{}\"", db));
    return {};
  } catch (const std::exception& e) {
    std::string w = fmt::format("could not drop database \"{}\": {}; drop it by hand: DROP DATABASE \"{}\";", db,
                                e.what(), db);
    try {
      log(log_level::warning, w);
    } catch (...) {
    }
    return w;
  }
}

std::vector<db_session> target_db::sessions(const std::string& db, bool include_closed_own) {
  // Autovacuum workers are told to leave by RENAME/DROP itself; they do not count.
  auto r = admin_.exec(
      "SELECT pid, COALESCE(usename::text, ''), COALESCE(application_name, ''), "
      "CASE WHEN client_addr IS NULL THEN CASE WHEN client_port = -1 THEN 'local' ELSE '?' END "
      "ELSE host(client_addr) || ':' || client_port END, COALESCE(state, '') "
      "FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid() "
      "AND COALESCE(backend_type, '') <> 'autovacuum worker' ORDER BY pid",
      {db});
  std::vector<db_session> out;
  for (int i = 0; i < r.rows(); ++i) {
    int pid = static_cast<int>(r.i64(i, 0));
    if (!include_closed_own && own_pids_.count(pid)) continue;
    out.push_back({pid, r.str(i, 1), r.str(i, 2), r.str(i, 3), r.str(i, 4)});
  }
  return out;
}

std::string target_db::describe(const std::vector<db_session>& sessions) {
  std::vector<std::string> lines;
  for (const auto& x : sessions) lines.push_back(session_line(x));
  return util::join(lines, "; ");
}

void target_db::require_idle(const std::string& db) {
  auto s = sessions(db);
  if (s.empty()) return;
  throw error(errc::target_in_use,
              fmt::format("database \"{}\" is in use by {} session{}: {}; stop the application (for Immich: "
                          "docker compose stop immich-server immich-machine-learning) and restore again, or "
                          "restore with --terminate-sessions to end them",
                          db, s.size(), s.size() == 1 ? "" : "s", describe(s)));
}

void target_db::allow_connections(const std::string& db, bool allow) {
  admin_.exec(fmt::format("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}", util::sql::ident(db), allow ? "true" : "false"));
}

void target_db::end_sessions(const std::string& db) {
  auto s = sessions(db);
  if (s.empty()) return;
  // Closed first, so that an application reconnecting at once (Immich does) finds the door
  // shut until the restored copy is in place.
  try {
    allow_connections(db, false);
  } catch (const error& e) {
    throw error(e.code() == errc::permission_denied ? errc::permission_denied : errc::target_in_use,
                fmt::format("cannot close database \"{}\" to new connections before ending its sessions: {}; run "
                            "the restore as its owner or a superuser, or stop the application",
                            db, e.what()),
                e.sqlstate());
  }
  log(log_level::warning, fmt::format("ending {} session{} on \"{}\" (--terminate-sessions): {}", s.size(),
                                      s.size() == 1 ? "" : "s", db, describe(s)));
  try {
    for (const auto& x : s)  // waits up to 10 s for each backend to exit (PostgreSQL 14+)
      admin_.exec("SELECT pg_catalog.pg_terminate_backend($1::int, 10000)", {std::to_string(x.pid)});
    if (auto left = sessions(db); !left.empty())
      throw error(errc::target_in_use, fmt::format("database \"{}\" still has {} session{} after ending them: {}", db,
                                                   left.size(), left.size() == 1 ? "" : "s", describe(left)));
  } catch (const error& e) {
    try {
      allow_connections(db, true);
    } catch (...) {
    }
    if (e.code() == errc::target_in_use) throw;
    throw error(e.code() == errc::permission_denied ? errc::permission_denied : errc::target_in_use,
                fmt::format("cannot end the sessions on database \"{}\": {}; ending another role's session needs "
                            "superuser or pg_signal_backend",
                            db, e.what()),
                e.sqlstate());
  }
}

void target_db::await_sessions_gone(const std::string& db) {
  // RENAME and DROP wait for other backends too, but in steps of 100 ms
  // (CountOtherDBBackends): a restore's load sessions, closed just before the swap, cost
  // it a whole step while their backends exit, which takes about a millisecond.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!sessions(db, true).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

std::vector<std::string> target_db::drop_stale_scratch() {
  std::vector<std::string> dropped;
  auto r = admin_.exec("SELECT datname FROM pg_catalog.pg_database WHERE datname LIKE '%\\_\\_immichbak\\_%' ORDER BY 1");
  for (int i = 0; i < r.rows(); ++i) {
    std::string db = r.str(i, 0);
    auto pid = scratch_owner_pid(db, name_);
    if (!pid || *pid == owner_pid()) continue;
    auto alive = admin_.exec("SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = $1", {std::to_string(*pid)});
    if (alive.rows() > 0) continue;  // its restore is still running (or the pid was reused: leave it)
    if (!sessions(db).empty()) continue;
    // No FORCE: should anyone connect meanwhile, the drop fails and the database stays.
    try {
      admin_.exec("DROP DATABASE IF EXISTS " + util::sql::ident(db));
      dropped.push_back(db);
      log(log_level::info, fmt::format("dropped stale scratch database \"{}\" of an interrupted restore", db));
    } catch (const error& e) {
      log(log_level::warning, fmt::format("could not drop stale scratch database \"{}\": {}", db, e.what()));
    }
  }
  return dropped;
}

swap_result target_db::swap(const std::string& scratch, const swap_options& options) {
  swap_result res;
  target_state st = inspect();
  if (st.exists && !st.empty && !options.replace) throw_not_empty(name_, st);
  if (st.exists && !options.terminate_sessions) require_idle(name_);

  std::string ts = utc_timestamp();
  std::string old_name;
  if (st.exists) old_name = st.empty ? scratch_name(name_, ts, owner_pid(), "_old") : kept_name(name_, ts);
  if (st.exists && !st.empty) {
    auto taken = admin_.exec("SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", {old_name});
    if (taken.rows() > 0)
      throw error(errc::target_not_empty,
                  fmt::format("cannot keep the old database as \"{}\": a database of that name exists; wait a "
                              "second and restore again, or drop it",
                              old_name));
  }

  if (st.exists && options.keep_owner && !st.owner.empty() && st.owner != admin_.user()) {
    try {
      admin_.exec(fmt::format("ALTER DATABASE {} OWNER TO {}", util::sql::ident(scratch), util::sql::ident(st.owner)));
    } catch (const error& e) {
      res.warnings.push_back(fmt::format("the restored database \"{}\" is owned by \"{}\", not by \"{}\" like the "
                                         "one it replaced ({}); fix with: ALTER DATABASE \"{}\" OWNER TO \"{}\";",
                                         name_, admin_.user(), st.owner, e.what(), name_, st.owner));
    }
  }

  // Last before the renames, so that nothing else can fail while the target is closed.
  bool closed = false;  // the target was closed to new connections to end its sessions
  if (st.exists && options.terminate_sessions && !sessions(name_).empty()) {
    end_sessions(name_);
    closed = true;
  }

  await_sessions_gone(scratch);

  // Both renames in one transaction: either the new database is in place and the old one
  // moved aside, or nothing changed. RENAME takes an exclusive lock on each database, so
  // nobody can connect to either between the two steps.
  try {
    admin_.exec("BEGIN");
    if (st.exists) admin_.exec(fmt::format("ALTER DATABASE {} RENAME TO {}", util::sql::ident(name_), util::sql::ident(old_name)));
    admin_.exec(fmt::format("ALTER DATABASE {} RENAME TO {}", util::sql::ident(scratch), util::sql::ident(name_)));
    admin_.exec("COMMIT");
  } catch (const error& e) {
    try {
      if (admin_.is_open()) admin_.exec("ROLLBACK");
      if (closed) allow_connections(name_, true);
    } catch (...) {
    }
    if (e.sqlstate() == "55006") {  // object_in_use: somebody connected after our check
      require_idle(name_);
      throw error(errc::target_in_use, fmt::format("database \"{}\" came into use during the swap: {}", name_, e.what()),
                  e.sqlstate());
    }
    if (e.code() == errc::permission_denied)
      throw error(errc::permission_denied,
                  fmt::format("cannot swap the restored copy in as \"{}\": {}; renaming a database needs its "
                              "ownership and CREATEDB (run as the database owner or a superuser)",
                              name_, e.what()),
                  e.sqlstate());
    throw;
  }

  if (closed) {
    // Sessions were connected, so it took connections before: the kept copy does again.
    try {
      allow_connections(old_name, true);
    } catch (const error& e) {
      res.warnings.push_back(fmt::format("the previous database \"{}\" still refuses connections ({}); allow them "
                                         "with: ALTER DATABASE \"{}\" WITH ALLOW_CONNECTIONS true;",
                                         old_name, e.what(), old_name));
    }
  }
  if (!st.exists) {
    res.what = swap_result::kind::created;
  } else if (st.empty) {
    res.what = swap_result::kind::replaced_empty;
    if (auto w = drop_database(old_name); !w.empty()) res.warnings.push_back(w);
  } else {
    res.what = swap_result::kind::replaced;
    res.kept_old = old_name;
    if (options.drop_old) {
      if (auto w = drop_database(old_name); !w.empty()) res.warnings.push_back(w);
      else res.kept_old.reset();
    }
  }
  log(log_level::info, fmt::format("restored copy is now database \"{}\"{}", name_,
                                   res.kept_old ? fmt::format(" (the previous one is \"{}\")", *res.kept_old) : ""));
  return res;
}

}  // namespace immichbak::load
