#include "restore/plain_restore.hpp"

#include "load/target_db.hpp"
#include "pg/connection.hpp"
#include "sqlscript/byte_source.hpp"
#include "sqlscript/classify.hpp"
#include "sqlscript/executor.hpp"
#include "sqlscript/survey.hpp"
#include "sqlscript/words.hpp"
#include "util/sql_quote.hpp"
#include "util/text.hpp"

#include <immichbak/dsn.hpp>
#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>

namespace immichbak::restore_detail {

using namespace load;  // the shared loading engine: target_db, scratch databases

namespace {

using namespace sqlscript;
using action = executor_hooks::action;

enum class plain_mode { single, extract, cluster };

struct plain_plan {
  plain_mode mode = plain_mode::single;
  std::string dump_db;  ///< single/extract: the dump's name for the database restored ("" when it never says)
  std::string load_db;  ///< single/extract: where it goes (the scratch database, or the target with --in-place)
  std::set<std::string> skip_dbs;  ///< cluster: existing databases whose (empty) sections are left out
};

void log(const restore_options& o, log_level level, const std::string& msg) {
  if (o.events.log) o.events.log(level, msg);
}

std::string quoted_list(const std::vector<std::string>& v) {
  std::vector<std::string> q;
  for (const auto& s : v) q.push_back("\"" + s + "\"");
  return util::join(q);
}

// Other pg_dump formats carry the data in a form only pg_restore reads.
void refuse_archives(const std::filesystem::path& file) {
  byte_source probe(file);
  std::string_view head = probe.peek(512);
  if (head.substr(0, 5) == "PGDMP")
    throw error(errc::unsupported_format,
                fmt::format("{} is a pg_dump custom-format archive (pg_dump -Fc), not a SQL script: restore it with "
                            "pg_restore, or make a plain dump (pg_dump -Fp) for immichbak",
                            file.string()));
  if (head.size() >= 262 && head.substr(257, 5) == "ustar")
    throw error(errc::unsupported_format,
                fmt::format("{} is a tar archive (pg_dump -Ft?), not a SQL script: restore it with pg_restore",
                            file.string()));
  if (head.find('\0') != std::string_view::npos)
    throw error(errc::unsupported_format,
                fmt::format("{} is not a SQL script (it contains binary data after decompression)", file.string()));
}

// ALTER DATABASE ... SET search_path TO '$user', 'public' (pg_dump's form) as a
// set_config() value: "$user", "public".
std::string search_path_value(const std::string& raw) {
  std::vector<std::string> parts;
  for (const auto& w : read_words(raw, 256))
    if (w.what == word::kind::string || w.is_name()) parts.push_back(util::sql::ident(w.value));
  return util::join(parts);
}

std::vector<std::string> extension_schemas(const std::vector<const script_section*>& secs) {
  std::vector<std::string> out;
  for (const auto* s : secs)
    for (const auto& e : s->extension_schemas)
      if (e != "public" && e != "pg_catalog" && std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  return out;
}

// The search_path the load runs with instead of pg_dump's empty one: the database's own
// (a --create dump says it), else public plus the schemas extensions live in. pg_dump
// qualifies every name it writes, so this only matters for code the server runs during
// the load -- index expressions and check constraints calling functions that name other
// functions unqualified (earthdistance's ll_to_earth, old Immich's f_unaccent): with an
// empty search_path they fail exactly as `psql -f dump.sql` fails on such databases.
std::string load_search_path(const script_survey& sv, const std::string& db,
                             const std::vector<const script_section*>& secs) {
  if (!db.empty()) {
    auto it = sv.database_search_path.find(db);
    if (it != sv.database_search_path.end()) {
      std::string v = search_path_value(it->second);
      if (!v.empty()) return v;
    }
  }
  std::vector<std::string> parts{util::sql::ident("public")};
  for (const auto& s : extension_schemas(secs)) parts.push_back(util::sql::ident(s));
  return util::join(parts);
}

std::set<std::string> query_set(pg::connection& c, const char* sql) {
  std::set<std::string> out;
  auto r = c.exec(sql);
  for (int i = 0; i < r.rows(); ++i) out.insert(r.str(i, 0));
  return out;
}

// Extensions and roles the script needs, before anything is created.
void preflight(pg::connection& admin, const script_survey& sv, const std::vector<const script_section*>& secs,
               const std::set<std::string>& roles_before, const restore_options& o) {
  auto available = query_set(admin, "SELECT name FROM pg_catalog.pg_available_extensions");
  std::vector<std::string> missing_ext;
  for (const auto* s : secs)
    for (const auto& e : s->extensions)
      if (!available.count(e) && std::find(missing_ext.begin(), missing_ext.end(), e) == missing_ext.end())
        missing_ext.push_back(e);
  if (!missing_ext.empty())
    throw error(errc::missing_extension,
                fmt::format("the dump needs the extension(s) {}, which the server does not have "
                            "(pg_available_extensions): install them on the server first (for Immich: the same "
                            "vector extension -- pgvector, VectorChord or pgvecto.rs -- as the source)",
                            quoted_list(missing_ext)));

  std::set<std::string> will_exist = roles_before;
  will_exist.insert(sv.roles_created.begin(), sv.roles_created.end());
  std::vector<std::string> missing;
  bool owners = false, grants = false;
  auto check = [&](const std::map<std::string, std::uint64_t>& refs, bool& flag) {
    for (const auto& [role, line] : refs)
      if (!will_exist.count(role)) {
        std::string item = fmt::format("\"{}\" (line {})", role, line);
        if (std::find(missing.begin(), missing.end(), item) == missing.end()) missing.push_back(item);
        flag = true;
      }
  };
  for (const auto* s : secs) {
    if (!o.no_owner) check(s->owner_roles, owners);
    if (!o.no_privileges) check(s->privilege_roles, grants);
  }
  if (!missing.empty()) {
    std::string hint = owners && grants ? "--no-owner and --no-privileges"
                       : owners         ? "--no-owner (objects then belong to the restoring role)"
                                        : "--no-privileges (GRANTs are left out)";
    throw error(errc::missing_role,
                fmt::format("the dump refers to roles that do not exist on the server: {}; create them first "
                            "(CREATE ROLE ...), or restore with {}",
                            util::join(missing), hint));
  }
}

// Statement and \connect rules shared by the three modes.
struct rules {
  const plain_plan& plan;
  const restore_options& o;
  const script_survey& sv;
  int server_version = 0;
  std::set<std::string> roles_before;
  std::set<std::string> tablespaces_before;
  std::vector<std::string> created_roles;
  std::vector<std::string> created_dbs;
  std::string pending_role, pending_db;
  bool section_skipped = false;
  std::string section_db;  // the database the dump thinks it is in ("" before any \connect)

  rules(const plain_plan& p, const restore_options& opts, const script_survey& s) : plan(p), o(opts), sv(s) {}

  bool role_exists(const std::string& r) const {
    return roles_before.count(r) || std::find(created_roles.begin(), created_roles.end(), r) != created_roles.end();
  }

  std::string search_path_for_section() const {
    if (plan.mode == plain_mode::cluster) {
      std::vector<const script_section*> secs;
      if (const auto* s = sv.section(section_db)) secs.push_back(s);
      return load_search_path(sv, section_db, secs);
    }
    std::vector<const script_section*> secs;
    for (const auto& s : sv.sections)
      if (plan.mode == plain_mode::single || s.name == plan.dump_db || s.name.empty()) secs.push_back(&s);
    return load_search_path(sv, plan.dump_db, secs);
  }

  void debug(const sql_statement& s, const std::string& why) const {
    log(o, log_level::debug, fmt::format("line {}: left out ({}): {}", s.line, why, s.text.substr(0, 120)));
  }

  action statement(sql_statement& s) {
    pending_role.clear();
    pending_db.clear();
    std::string k = first_keyword(s.text);
    if (k == "create" || k == "drop" || k == "alter" || k == "comment" || k == "grant" || k == "revoke" ||
        k == "security" || k == "update") {
      database_statement ref = database_reference(s.text);
      switch (ref.what) {
        case database_statement::kind::none: break;
        case database_statement::kind::drop:
        case database_statement::kind::update_pg_database:
          debug(s, "never drops or alters an existing database");
          return action::skip;
        case database_statement::kind::create:
          if (plan.mode == plain_mode::cluster && !plan.skip_dbs.count(ref.name)) {
            pending_db = ref.name;
            return action::run;
          }
          log(o, log_level::info,
              fmt::format("line {}: CREATE DATABASE {} left out: the dump is restored into \"{}\"", s.line,
                          util::sql::ident(ref.name), plan.mode == plain_mode::cluster ? ref.name : plan.load_db));
          return action::skip;
        default:
          if (ref.owner && o.no_owner) return action::skip;
          if (ref.what == database_statement::kind::privileges && o.no_privileges) return action::skip;
          if (plan.mode == plain_mode::cluster) {
            if (plan.skip_dbs.count(ref.name)) {
              debug(s, "about an existing database");
              return action::skip;
            }
            return action::run;
          }
          if (ref.name == plan.dump_db) {
            s.text = rename_database(s.text, ref, plan.load_db);
            return action::run;
          }
          debug(s, "about another database of the dump");
          return action::skip;
      }
      global_statement g = global_reference(s.text);
      switch (g.what) {
        case global_statement::kind::none: break;
        case global_statement::kind::drop_role:
        case global_statement::kind::drop_tablespace:
          debug(s, "never drops roles or tablespaces");
          return action::skip;
        case global_statement::kind::create_role:
          if (role_exists(g.name)) {
            log(o, log_level::info, fmt::format("line {}: role \"{}\" exists: CREATE ROLE left out", s.line, g.name));
            return action::skip;
          }
          pending_role = g.name;
          return action::run;
        case global_statement::kind::create_tablespace:
          if (tablespaces_before.count(g.name)) {
            log(o, log_level::info,
                fmt::format("line {}: tablespace \"{}\" exists: CREATE TABLESPACE left out", s.line, g.name));
            return action::skip;
          }
          return action::run;
      }
      if (k == "alter" && plan.mode == plain_mode::extract) {
        // Restoring one database out of a cluster dump does not reconfigure roles that
        // were there before (passwords, attributes); new ones are set up fully.
        auto w = read_words(s.text, 3);
        if (w.size() == 3 && (w[1].is("role") || w[1].is("user")) && w[2].is_name() && roles_before.count(w[2].value)) {
          debug(s, "role existed before the restore");
          return action::skip;
        }
      }
    }
    if (section_skipped) {
      debug(s, "section of a database that is not restored");
      return action::skip;
    }
    if (o.no_owner && is_ownership_statement(s.text)) return action::skip;
    if (o.no_privileges && is_privilege_statement(s.text)) return action::skip;
    if (is_empty_search_path_statement(s.text)) {
      s.text = fmt::format("SELECT pg_catalog.set_config('search_path', {}, false);",
                           util::sql::literal(search_path_for_section()));
      return action::run;
    }
    if (k == "set" && server_version < 170000) {
      // pg_dump 17+ pins transaction_timeout, which older servers do not know.
      auto w = read_words(s.text, 2);
      if (w.size() == 2 && w[1].is("transaction_timeout")) {
        debug(s, "transaction_timeout needs PostgreSQL 17");
        return action::skip;
      }
    }
    return action::run;
  }

  void after(const sql_statement&) {
    if (!pending_role.empty()) created_roles.push_back(pending_role);
    if (!pending_db.empty()) created_dbs.push_back(pending_db);
    pending_role.clear();
    pending_db.clear();
  }

  std::optional<std::string> connect(const std::string& name, std::uint64_t line) {
    if (plan.mode == plain_mode::cluster) {
      section_db = name;
      section_skipped = plan.skip_dbs.count(name) > 0;
      if (section_skipped) return std::nullopt;
      return name;
    }
    if (name == plan.dump_db || name == plan.load_db) {
      section_db = plan.dump_db;
      section_skipped = false;
      return plan.load_db;
    }
    if (plan.mode == plain_mode::extract) {
      section_db = name;
      section_skipped = true;
      return std::nullopt;
    }
    throw error(errc::unsupported_format,
                fmt::format("{}: line {}: \\connect to \"{}\", a database this dump does not restore", o.file.string(),
                            line, name));
  }

  executor_hooks hooks() {
    executor_hooks h;
    h.statement = [this](sql_statement& s) { return statement(s); };
    h.after = [this](const sql_statement& s) { after(s); };
    h.connect = [this](const std::string& n, std::uint64_t l) { return connect(n, l); };
    return h;
  }
};

std::uint64_t count_tables(pg::connection& c) {
  auto r = c.exec(
      "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "AND n.nspname !~ '^pg_toast' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
      "WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')");
  return static_cast<std::uint64_t>(r.i64(0, 0));
}

// pg_dump without --create drops ALTER DATABASE ... SET search_path; when the database
// relies on schemas that are not on the default path (pgvecto.rs's "vectors"), say so
// with the command that fixes it. `c` is a fresh session on the restored database.
std::optional<std::string> search_path_warning(pg::connection& c, const std::string& final_name,
                                               const std::vector<std::string>& needed) {
  if (needed.empty()) return std::nullopt;
  auto has = c.exec(
      "SELECT count(*) FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase "
      "WHERE d.datname = current_database() AND s.setrole = 0 "
      "AND EXISTS (SELECT 1 FROM unnest(s.setconfig) AS x(c) WHERE x.c LIKE 'search\\_path=%')");
  if (has.i64(0, 0) > 0) return std::nullopt;
  auto cur = query_set(c, "SELECT unnest(current_schemas(false))");
  std::vector<std::string> missing;
  for (const auto& s : needed)
    if (!cur.count(s)) missing.push_back(s);
  if (missing.empty()) return std::nullopt;
  std::vector<std::string> path{"\"$user\"", "public"};
  for (const auto& s : missing) path.push_back(util::sql::ident(s));
  return fmt::format(
      "database \"{}\" has no database-level search_path (a dump made without pg_dump --create does not carry "
      "ALTER DATABASE ... SET), and the schema(s) {} its extensions live in are not on the default one, so "
      "code relying on them (e.g. Immich with pgvecto.rs) will fail; run:  ALTER DATABASE {} SET search_path TO {};",
      final_name, quoted_list(missing), util::sql::ident(final_name), util::join(path));
}

[[noreturn]] void rethrow_with(const error& e, const std::string& suffix) {
  throw error(e.code(), std::string(e.what()) + suffix, e.sqlstate());
}

std::string drop_roles(pg::connection& admin, const std::vector<std::string>& roles) {
  std::string warn;
  for (auto it = roles.rbegin(); it != roles.rend(); ++it) {
    try {
      admin.exec("DROP ROLE IF EXISTS " + util::sql::ident(*it));
    } catch (const error& e) {
      warn += fmt::format("{}could not drop role \"{}\" it created: {}", warn.empty() ? "" : "; ", *it, e.what());
    }
  }
  return warn;
}

// ---- one database (also one database out of a cluster dump) -------------------------------

restore_result restore_one(const restore_options& o, const script_survey& sv, target_db& t, plain_plan plan) {
  restore_result res;
  res.plain_sql = true;
  res.database = t.name();
  if (o.mode != restore_mode::in_place) t.drop_stale_scratch();
  target_state st = t.inspect();
  if (o.mode == restore_mode::in_place) {
    if (!st.exists)
      throw error(errc::invalid_argument,
                  fmt::format("--in-place loads into an existing empty database, and \"{}\" does not exist: create "
                              "it first (CREATE DATABASE), or restore without --in-place",
                              t.name()));
    if (!st.empty) {
      std::string first = st.objects.empty() ? std::string() : " (" + util::join(st.objects) + ")";
      throw error(errc::target_not_empty,
                  fmt::format("database \"{}\" is not empty: {} object(s){}; --in-place loads only into an empty "
                              "database (restore without --in-place and with --replace to swap it out)",
                              t.name(), st.object_count, first));
    }
  } else if (st.exists && !st.empty && !load::replaces(o.mode)) {
    throw_not_empty(t.name(), st);
  }

  std::vector<const script_section*> secs;
  for (const auto& s : sv.sections)
    if (plan.mode == plain_mode::single || s.name == plan.dump_db || s.name.empty()) secs.push_back(&s);
  auto roles_before = query_set(t.admin(), "SELECT rolname FROM pg_catalog.pg_roles");
  preflight(t.admin(), sv, secs, roles_before, o);

  std::string encoding;
  if (auto it = sv.database_encoding.find(plan.dump_db); it != sv.database_encoding.end()) encoding = it->second;
  else if (sv.client_encoding) encoding = *sv.client_encoding;

  rules r(plan, o, sv);  // sees plan.load_db once it is set below
  r.roles_before = std::move(roles_before);
  r.tablespaces_before = query_set(t.admin(), "SELECT spcname FROM pg_catalog.pg_tablespace");
  r.server_version = t.admin().server_version();
  r.section_db = plan.dump_db;

  std::string scratch;
  if (o.mode == restore_mode::in_place) {
    plan.load_db = t.name();
  } else {
    scratch = t.create_scratch(st, encoding);
    plan.load_db = scratch;
  }

  const std::string unchanged = fmt::format("; the target database \"{}\" was not changed", t.name());
  std::vector<std::string> needed;
  try {
    {
      executor_options eo;
      eo.conninfo = o.dsn;
      eo.events = &o.events;
      eo.single_transaction = o.mode == restore_mode::in_place;
      executor ex(t.connect(plan.load_db), eo, r.hooks());
      byte_source src(o.file);
      ex.run(src);
      res.rows = ex.stats().copy_rows + ex.stats().insert_rows;
      log(o, log_level::info,
          fmt::format("ran {} statements ({} left out), {} COPY blocks, {} rows", ex.stats().statements,
                      ex.stats().skipped, ex.stats().copy_blocks, res.rows));
    }  // the executor's connection closes here: the scratch database must be idle to be renamed
    needed = extension_schemas(secs);
    {
      pg::connection c = t.connect(plan.load_db);
      res.tables = count_tables(c);
      if (auto w = search_path_warning(c, t.name(), needed)) res.warnings.push_back(*w);
    }
    if (o.mode != restore_mode::in_place) {
      swap_options so;
      so.replace = load::replaces(o.mode);
      so.drop_old = o.mode == restore_mode::replace_drop_old;
      so.keep_owner = !(sv.sets_database_owner && !o.no_owner);
      so.terminate_sessions = o.terminate_sessions;
      swap_result sw = t.swap(scratch, so);
      res.kept_old_database = sw.kept_old;
      res.warnings.insert(res.warnings.end(), sw.warnings.begin(), sw.warnings.end());
    }
  } catch (const error& e) {
    std::string extra;
    if (o.mode != restore_mode::in_place) {
      std::string w = t.drop_database(scratch);
      if (!w.empty()) extra += " (" + w + ")";
      std::string rw = drop_roles(t.admin(), r.created_roles);
      if (!rw.empty()) extra += " (" + rw + ")";
    }
    rethrow_with(e, unchanged + extra);
  }
  return res;
}

// ---- a whole cluster dump ------------------------------------------------------------------

// The sections of a cluster dump to run, refusing the dump when it would touch a database that
// exists (other than one holding only its public schema's defaults, which is left out and put in
// plan.skip_dbs) or create objects outside the databases it creates.
std::vector<const script_section*> cluster_sections(const restore_options& o, const script_survey& sv,
                                                    const std::set<std::string>& existing, plain_plan& plan) {
  // An existing database's section is left out when it holds nothing but its public
  // schema's owner/privileges: pg_dump writes those wherever the source server's defaults
  // differ from its own version's (pg_dumpall 15+ on a 14 server: template1, postgres).
  auto leave_out = [&](const script_section& s) {
    if (s.content > s.public_schema) return false;
    if (s.public_schema > 0)
      log(o, log_level::info,
          fmt::format("database \"{}\" exists: {} statement(s) about its public schema's owner and privileges "
                      "left out (from line {}; pg_dump writes them where the source server's defaults differ "
                      "from its own)",
                      s.name, s.public_schema, s.first_content_line));
    plan.skip_dbs.insert(s.name);
    return true;
  };
  std::vector<std::string> clash;
  for (const auto& db : sv.created_databases) {
    if (!existing.count(db)) continue;
    const script_section* s = sv.section(db);
    if (s && !leave_out(*s)) clash.push_back(db);
    else plan.skip_dbs.insert(db);  // e.g. template1/postgres with --clean: nothing in them
  }
  if (!clash.empty())
    throw error(errc::target_not_empty,
                fmt::format("{} is a cluster dump (pg_dumpall) and the server already has its database(s) {}; a "
                            "cluster dump is restored only into databases that do not exist yet (this is what keeps "
                            "it all-or-nothing): drop or rename them first, or restore one of them by naming it in "
                            "the connection string (with --replace to swap it out)",
                            o.file.string(), quoted_list(clash)));
  std::vector<const script_section*> secs;
  for (const auto& s : sv.sections) {
    if (s.name.empty()) {
      if (s.content > 0)
        throw error(errc::unsupported_format,
                    fmt::format("{}: line {} creates objects before the first \\connect; in a cluster dump they would "
                                "land in the maintenance database, which immichbak does not do",
                                o.file.string(), s.first_content_line));
      secs.push_back(&s);
      continue;
    }
    bool created = std::find(sv.created_databases.begin(), sv.created_databases.end(), s.name) !=
                   sv.created_databases.end();
    if (plan.skip_dbs.count(s.name)) continue;
    if (!created) {
      if (existing.count(s.name) && leave_out(s)) continue;  // \connect template1 / postgres: empty
      if (existing.count(s.name))
        throw error(errc::target_not_empty,
                    fmt::format("{}: the dump restores objects into the existing database \"{}\" (line {}); a cluster "
                                "dump is restored only into databases it creates: restore that database from its "
                                "own pg_dump, or name it in the connection string to restore only it",
                                o.file.string(), s.name, s.first_content_line));
      throw error(errc::unsupported_format,
                  fmt::format("{}: line {}: \\connect to \"{}\", which the dump does not create", o.file.string(),
                              s.line, s.name));
    }
    secs.push_back(&s);
  }
  return secs;
}

restore_result restore_cluster(const restore_options& o, const script_survey& sv, target_db& t) {
  if (load::replaces(o.mode))
    throw error(errc::invalid_argument,
                fmt::format("{} is a cluster dump (pg_dumpall): it is restored only into databases that do not exist "
                            "yet, so --replace/--drop-old do not apply; to restore one of its databases over an "
                            "existing one, name that database in the connection string",
                            o.file.string()));
  if (!t.can_create_database())
    throw error(errc::permission_denied,
                fmt::format("role \"{}\" may not create databases, which restoring a cluster dump needs",
                            t.admin().user()));
  plain_plan plan;
  plan.mode = plain_mode::cluster;
  auto existing = query_set(t.admin(), "SELECT datname FROM pg_catalog.pg_database");
  std::vector<const script_section*> secs = cluster_sections(o, sv, existing, plan);

  auto roles_before = query_set(t.admin(), "SELECT rolname FROM pg_catalog.pg_roles");
  preflight(t.admin(), sv, secs, roles_before, o);
  rules r(plan, o, sv);
  r.roles_before = std::move(roles_before);
  r.tablespaces_before = query_set(t.admin(), "SELECT spcname FROM pg_catalog.pg_tablespace");
  r.server_version = t.admin().server_version();

  restore_result res;
  res.plain_sql = true;
  std::string start_db = existing.count(t.name()) ? t.name() : t.admin().database();
  try {
    {
      executor_options eo;
      eo.conninfo = o.dsn;
      eo.events = &o.events;
      executor ex(t.connect(start_db), eo, r.hooks());
      byte_source src(o.file);
      ex.run(src);
      res.rows = ex.stats().copy_rows + ex.stats().insert_rows;
    }
    for (const auto& db : r.created_dbs) {
      pg::connection c = t.connect(db);
      res.tables += count_tables(c);
      std::vector<const script_section*> one;
      if (const auto* s = sv.section(db)) one.push_back(s);
      if (auto w = search_path_warning(c, db, extension_schemas(one))) res.warnings.push_back(*w);
    }
  } catch (const error& e) {
    std::string extra;
    for (auto it = r.created_dbs.rbegin(); it != r.created_dbs.rend(); ++it) {
      std::string w = t.drop_database(*it);
      if (!w.empty()) extra += " (" + w + ")";
    }
    std::string rw = drop_roles(t.admin(), r.created_roles);
    if (!rw.empty()) extra += " (" + rw + ")";
    rethrow_with(e, fmt::format("; the databases and roles this restore had created were dropped again{}", extra));
  }
  res.database = util::join(r.created_dbs);
  if (!r.created_roles.empty())
    log(o, log_level::info, fmt::format("created role(s) {}", quoted_list(r.created_roles)));
  return res;
}

}  // namespace

restore_result restore_plain(const restore_options& o) {
  auto t0 = std::chrono::steady_clock::now();
  if (!o.tables.empty())
    throw error(errc::invalid_argument,
                fmt::format("{} is a plain SQL dump: --table needs an immichbak backup (a SQL script can only be "
                            "restored whole)",
                            o.file.string()));
  if (o.terminate_sessions && o.mode == restore_mode::in_place)
    throw error(errc::invalid_argument,
                "--terminate-sessions ends the sessions when a restored copy replaces the target; --in-place loads "
                "into the database itself, so stop the application instead");
  refuse_archives(o.file);

  // First pass: read everything, run nothing (decides the mode, finds damage early).
  script_survey sv = [&] {
    byte_source src(o.file);
    log(o, log_level::info,
        fmt::format("reading {} ({}, {} bytes) before restoring it", o.file.string(), compression_name(src.kind()),
                    src.file_size()));
    return survey_script(src, &o.events, "scan");
  }();
  if (!sv.unsupported_meta.empty())
    throw error(errc::unsupported_format,
                fmt::format("{} uses psql meta-commands immichbak does not run: {} (only pg_dump/pg_dumpall scripts "
                            "are supported)",
                            o.file.string(), util::join(sv.unsupported_meta)));
  if (sv.made_by != script_survey::producer::unknown && !sv.complete)
    throw error(errc::corrupt_backup,
                fmt::format("{} is truncated: it starts like a {} dump but lacks the closing \"dump complete\" "
                            "comment (it ends after line {}); use another backup",
                            o.file.string(), sv.made_by == script_survey::producer::pg_dumpall ? "pg_dumpall" : "pg_dump",
                            sv.lines));
  if (sv.statements == 0)
    throw error(errc::unsupported_format, fmt::format("{} contains no SQL statements", o.file.string()));
  if (o.jobs > 1) log(o, log_level::debug, "a plain SQL dump is loaded by one session (--jobs does not apply)");

  target_db t(o.dsn, &o.events);
  auto targets = sv.connect_targets();
  bool cluster = sv.made_by == script_survey::producer::pg_dumpall || sv.created_databases.size() > 1 ||
                 targets.size() > 1;
  restore_result res;
  if (cluster) {
    // "Restore database X from this cluster dump": the DSN names one of the databases it
    // creates -- except an empty template1/postgres section (--clean dumps create those
    // too): naming them is how a whole-cluster restore is pointed at the server.
    const script_section* sec = sv.section(t.name());
    bool maintenance = (t.name() == "postgres" || t.name() == "template1") && (!sec || sec->content == 0);
    bool named = !maintenance && std::find(sv.created_databases.begin(), sv.created_databases.end(), t.name()) !=
                                     sv.created_databases.end();
    if (named) {
      plain_plan plan;
      plan.mode = plain_mode::extract;
      plan.dump_db = t.name();
      log(o, log_level::info,
          fmt::format("{} is a cluster dump: restoring only its database \"{}\"", o.file.string(), t.name()));
      res = restore_one(o, sv, t, plan);
    } else {
      log(o, log_level::info,
          fmt::format("{} is a cluster dump: creating its database(s) {}", o.file.string(),
                      quoted_list(sv.created_databases)));
      res = restore_cluster(o, sv, t);
    }
  } else {
    plain_plan plan;
    plan.mode = plain_mode::single;
    if (sv.created_databases.size() == 1) plan.dump_db = sv.created_databases[0];
    else if (targets.size() == 1) plan.dump_db = targets[0];
    else if (sv.database_statements.size() == 1) plan.dump_db = sv.database_statements.begin()->first;
    for (const auto& n : targets)
      if (n != plan.dump_db)
        throw error(errc::unsupported_format,
                    fmt::format("{} creates database \"{}\" but connects to \"{}\"", o.file.string(), plan.dump_db, n));
    for (const auto& [n, line] : sv.database_statements)
      if (n != plan.dump_db)
        throw error(errc::unsupported_format,
                    fmt::format("{}: line {} changes database \"{}\", which this dump does not restore; immichbak "
                                "never changes other databases",
                                o.file.string(), line, n));
    res = restore_one(o, sv, t, plan);
  }
  res.plain_sql = true;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log(o, log_level::info,
      fmt::format("restored plain SQL dump into \"{}\": {} tables, {} rows in {:.1f}s", res.database, res.tables,
                  res.rows, res.seconds));
  return res;
}

}  // namespace immichbak::restore_detail
