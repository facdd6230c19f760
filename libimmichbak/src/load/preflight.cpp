#include "load/preflight.hpp"

#include <immichbak/error.hpp>

#include "format/backup_reader.hpp"
#include "format/manifest_check.hpp"
#include "format/manifest_json.hpp"
#include "format/sidecar.hpp"
#include "pg/connection.hpp"
#include "sqlscript/statement_check.hpp"
#include "util/sql_quote.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

namespace immichbak::load {

namespace fs = std::filesystem;

namespace {

std::string quoted_list(const std::vector<std::string>& v) {
  std::vector<std::string> q;
  for (const auto& s : v) q.push_back("\"" + s + "\"");
  return util::join(q);
}

std::string install_hint(const std::string& ext) {
  if (ext == "vector")
    return "for Immich: use the ghcr.io/immich-app/postgres image or install pgvector";
  if (ext == "vchord")
    return "for Immich: use the ghcr.io/immich-app/postgres image or install VectorChord (with pgvector)";
  if (ext == "vectors")
    return "for Immich: use the tensorchord/pgvecto-rs image the backup came from, or install pgvecto.rs";
  static const std::set<std::string> contrib{"cube", "earthdistance", "pg_trgm", "unaccent", "uuid-ossp",
                                             "pgcrypto", "hstore", "citext", "btree_gin", "btree_gist"};
  if (contrib.count(ext)) return "it ships with PostgreSQL's contrib modules (e.g. the postgresql-contrib package)";
  return "install it on the server first";
}

std::string trim(std::string s) {
  auto issp = [](unsigned char ch) { return std::isspace(ch) != 0; };
  while (!s.empty() && issp(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && issp(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

// shared_preload_libraries entries as library base names: '$libdir/vchord.so' -> vchord
std::set<std::string> preload_names(const std::string& setting) {
  std::set<std::string> out;
  std::size_t start = 0;
  while (start <= setting.size()) {
    auto comma = setting.find(',', start);
    std::string item = trim(setting.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"') item = item.substr(1, item.size() - 2);
    if (auto slash = item.rfind('/'); slash != std::string::npos) item = item.substr(slash + 1);
    if (item.size() > 3 && item.compare(item.size() - 3, 3, ".so") == 0) item.resize(item.size() - 3);
    if (!item.empty()) out.insert(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

void check_backup_file(const format::backup_reader& reader, const std::atomic<bool>* cancel) {
  const std::string file = reader.path().string();
  auto problems = format::check_manifest(reader.get_manifest(), reader.frames_end());
  if (!problems.empty()) {
    std::string list;
    for (std::size_t i = 0; i < problems.size() && i < 3; ++i)
      list += (i ? "; " : "") + (problems[i].table.empty() ? "" : problems[i].table + ": ") + problems[i].detail;
    if (problems.size() > 3) list += fmt::format("; and {} more", problems.size() - 3);
    throw error(errc::corrupt_backup,
                fmt::format("{} is damaged: its manifest is inconsistent ({}); nothing was restored from it: use "
                            "another backup, and run `immichbak verify {}` to see every problem",
                            file, list, file));
  }
  for (const auto& f : reader.get_manifest().frames) {
    if (f.kind == frame_kind::data) continue;
    if (cancel && cancel->load()) throw error(errc::cancelled, "restore cancelled");
    std::string text = reader.read_frame(f);
    if (auto why = sqlscript::check_frame_statements(f, text))
      throw error(errc::corrupt_backup,
                  fmt::format("{} was not written by immichbak as it is: its {} at offset {}: {}; immichbak "
                              "never writes that, so the file was made or changed by something else and is not "
                              "restored (nothing was changed); use another backup, and run `immichbak verify {}`",
                              file, format::describe_frame(f), f.offset, *why, file));
  }
}

std::optional<std::string> check_sidecar(const fs::path& file, const std::atomic<bool>* cancel) {
  format::sidecar_result r = format::check_sidecar(file, cancel);
  if (r.status == format::sidecar_status::unreadable) throw error(errc::io_error, r.detail);
  if (r.bad())
    throw error(errc::corrupt_backup,
                r.detail + "; nothing was restored from it: restore an older backup, or run `immichbak verify " +
                    file.string() + "` to see which part is damaged");
  if (r.warning()) return r.detail;
  return std::nullopt;
}

std::vector<std::string> check_extensions(pg::connection& c, const manifest& m) {
  std::vector<std::string> warnings;
  if (m.extensions.empty()) return warnings;
  std::map<std::string, std::vector<std::string>> available;
  auto r = c.exec("SELECT name, version FROM pg_catalog.pg_available_extension_versions ORDER BY name, version");
  for (int i = 0; i < r.rows(); ++i) available[r.str(i, 0)].push_back(r.str(i, 1));
  std::vector<std::string> missing;
  for (const auto& e : m.extensions) {
    auto it = available.find(e.name);
    if (it == available.end()) {
      missing.push_back(fmt::format("extension \"{}\"{} is not available on the target server; install it there first "
                                    "({})",
                                    e.name, e.version.empty() ? "" : " " + e.version, install_hint(e.name)));
      continue;
    }
    if (!e.version.empty() && std::find(it->second.begin(), it->second.end(), e.version) == it->second.end())
      warnings.push_back(fmt::format("extension \"{}\" {} is not available on the target server (it has {}); the "
                                     "restore installs the server's default version",
                                     e.name, e.version, util::join(it->second)));
  }
  if (!missing.empty()) throw error(errc::missing_extension, util::join(missing, "; "));
  return warnings;
}

void check_preload(pg::connection& c, const manifest& m) {
  std::vector<std::string> need;
  for (const auto& e : m.extensions)
    if (e.needs_preload) need.push_back(e.name);
  if (need.empty()) return;
  auto loaded = preload_names(c.exec("SHOW shared_preload_libraries").str(0, 0));
  std::vector<std::string> missing;
  for (const auto& n : need)
    if (!loaded.count(n)) missing.push_back(n);
  if (missing.empty()) return;
  throw error(errc::missing_extension,
              fmt::format("extension{} {} must be loaded at server start: add {} to shared_preload_libraries in the "
                          "target server's postgresql.conf and restart it (for Immich: the ghcr.io/immich-app/postgres "
                          "image does this)",
                          missing.size() == 1 ? "" : "s", quoted_list(missing), util::join(missing)));
}

void check_roles(pg::connection& c, const format::backup_reader& reader, const load_plan& all, bool no_owner,
                 bool no_privileges) {
  const manifest& m = reader.get_manifest();
  if (m.roles.empty() || (no_owner && no_privileges)) return;
  auto existing = c.exec("SELECT rolname FROM pg_catalog.pg_roles");
  std::set<std::string> have;
  for (int i = 0; i < existing.rows(); ++i) have.insert(existing.str(i, 0));
  std::vector<std::string> absent;
  for (const auto& r : m.roles)
    if (!have.count(r) && r != "PUBLIC" && r != "public") absent.push_back(r);
  if (absent.empty()) return;

  // Which units name them decides which flag does without them. The DDL names roles as
  // quoted identifiers, so a text search is exact enough.
  auto texts = [&](const std::vector<const manifest_frame*>& frames) {
    std::vector<std::string> out;
    for (const auto* f : frames) out.push_back(reader.read_frame(*f));
    return out;
  };
  const std::vector<std::string> owner_sql = texts(all.owners), privilege_sql = texts(all.privileges);
  auto named_in = [](const std::vector<std::string>& sqls, const std::string& role) {
    std::string needle = util::sql::ident(role);
    return std::any_of(sqls.begin(), sqls.end(), [&](const std::string& s) { return s.find(needle) != std::string::npos; });
  };
  std::vector<std::string> needed;
  bool by_owner = false, by_priv = false;
  for (const auto& r : absent) {
    bool o = named_in(owner_sql, r), p = named_in(privilege_sql, r);
    bool need = (!no_owner && o) || (!no_privileges && p) || (!o && !p);
    if (!need) continue;
    needed.push_back(r);
    by_owner |= o || (!o && !p);
    by_priv |= p || (!o && !p);
  }
  if (needed.empty()) return;
  std::string flags = by_owner && by_priv ? "--no-owner --no-privileges" : by_owner ? "--no-owner" : "--no-privileges";
  throw error(errc::missing_role,
              fmt::format("role{} {} {} not exist on the target server; create {} first (CREATE ROLE ...), or restore "
                          "with {} so that the restoring role owns everything",
                          needed.size() == 1 ? "" : "s", quoted_list(needed), needed.size() == 1 ? "does" : "do",
                          needed.size() == 1 ? "it" : "them", flags));
}

std::optional<std::string> check_server_version(pg::connection& c, const manifest& m) {
  int target_major = c.server_version() / 10000;
  int source_major = m.server_version_num / 10000;
  std::string source = m.server_version.empty() ? std::to_string(source_major) : m.server_version;
  // DDL written by a newer major may use what an older one lacks (NULLS NOT DISTINCT,
  // MAINTAIN, SQL-standard bodies, ...): refused before anything is touched, not
  // discovered half-way through the schema.
  if (source_major != 0 && target_major < source_major)
    throw error(errc::server_version,
                fmt::format("the backup comes from PostgreSQL {} and the target server runs {}: immichbak restores into "
                            "the same or a newer major version only; restore into PostgreSQL {} or newer",
                            source, c.server_version_string(), source_major));
  if (target_major < 14 || target_major > 18)
    return fmt::format("the target server runs PostgreSQL {}; immichbak is tested with 14 to 18 (the versions Immich "
                       "supports)",
                       c.server_version_string());
  return std::nullopt;
}

std::set<table_key> resolve_tables(const manifest& m, const std::vector<std::string>& names) {
  std::set<table_key> out;
  for (const auto& n : names) {
    std::vector<table_key> hits;
    auto dot = n.find('.');
    for (const auto& t : m.tables) {
      bool match = (t.schema + "." + t.name == n) || (t.name == n);
      if (match) hits.emplace_back(t.schema, t.name);
    }
    // Tables without rows may have no manifest table entry; their frames still name them.
    if (hits.empty())
      for (const auto& f : m.frames) {
        if (f.table.empty()) continue;
        bool match = (f.schema + "." + f.table == n) || (f.table == n);
        if (match && std::find(hits.begin(), hits.end(), table_key{f.schema, f.table}) == hits.end())
          hits.emplace_back(f.schema, f.table);
      }
    // An exact "schema.table" match wins over a table literally named "schema.table".
    if (hits.size() > 1 && dot != std::string::npos) {
      std::vector<table_key> exact;
      for (const auto& h : hits)
        if (h.first + "." + h.second == n) exact.push_back(h);
      if (exact.size() == 1) hits = exact;
    }
    if (hits.empty())
      throw error(errc::invalid_argument,
                  fmt::format("table \"{}\" is not in this backup; `immichbak inspect FILE` lists its tables", n));
    if (hits.size() > 1) {
      std::vector<std::string> names_found;
      for (const auto& h : hits) names_found.push_back(h.first + "." + h.second);
      throw error(errc::invalid_argument,
                  fmt::format("table \"{}\" is ambiguous in this backup ({}); name it as schema.table", n,
                              util::join(names_found)));
    }
    out.insert(hits.front());
  }
  return out;
}

preflight_result preflight(const format::backup_reader& reader, const restore_options& o, load_mode mode,
                           target_db& target, const std::function<bool(const manifest_frame&)>& filter,
                           const std::set<table_key>& tables, reporter& rep) {
  preflight_result res;
  const manifest& m = reader.get_manifest();
  pg::connection& admin = target.admin();
  rep.phase("preflight");

  // 1. The target.
  res.target = target.inspect();
  const std::string& name = target.name();
  switch (mode) {
    case load_mode::scratch:
      if (res.target.exists && !res.target.empty && !replaces(o.mode)) throw_not_empty(name, res.target);
      if (!target.can_create_database())
        throw error(errc::permission_denied,
                    fmt::format("role \"{}\" may not create databases, which a restore needs for its scratch copy; "
                                "restore with --in-place into an existing empty database (createdb -O {} {}), or "
                                "grant CREATEDB",
                                admin.user(), admin.user(), name));
      if (res.target.exists) {
        auto own = admin.exec(
            "SELECT pg_catalog.pg_has_role(d.datdba, 'USAGE') FROM pg_catalog.pg_database d WHERE d.datname = $1",
            {name});
        if (own.rows() == 1 && !own.boolean(0, 0))
          throw error(errc::permission_denied,
                      fmt::format("role \"{}\" cannot replace database \"{}\", which belongs to \"{}\": run the restore "
                                  "as its owner or a superuser",
                                  admin.user(), name, res.target.owner));
        // Fail now rather than after the load: the swap needs the target idle.
        if (!o.terminate_sessions) {
          target.require_idle(name);
        } else if (auto s = target.sessions(name); !s.empty()) {
          rep.log(log_level::warning,
                  fmt::format("{} session{} on \"{}\" will be ended when the restored copy is swapped in "
                              "(--terminate-sessions): {}",
                              s.size(), s.size() == 1 ? "" : "s", name, target_db::describe(s)));
        }
      }
      break;
    case load_mode::in_place:
      if (!res.target.exists)
        throw error(errc::invalid_argument,
                    fmt::format("database \"{}\" does not exist; --in-place restores into an existing empty database: "
                                "create it first (createdb {}), or restore without --in-place",
                                name, name));
      if (!res.target.empty) {
        try {
          throw_not_empty(name, res.target);
        } catch (const error& e) {
          throw error(errc::target_not_empty,
                      std::string(e.what()) + " (--in-place only restores into an empty database; --replace needs "
                                              "CREATEDB and no --in-place)");
        }
      }
      break;
    case load_mode::tables: {
      if (!res.target.exists)
        throw error(errc::invalid_argument,
                    fmt::format("database \"{}\" does not exist; --table restores tables into an existing database",
                                name));
      pg::connection t = target.connect(name);
      std::vector<std::string> present;
      for (const auto& [schema, table] : tables) {
        auto r = t.exec("SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = $1 AND c.relname = $2",
                        {schema, table});
        if (r.rows() > 0) present.push_back(schema + "." + table);
      }
      if (!present.empty() && !replaces(o.mode))
        throw error(errc::target_not_empty,
                    fmt::format("table{} {} already exist{} in database \"{}\"; restore with --replace to drop and "
                                "restore {} (in one transaction)",
                                present.size() == 1 ? "" : "s", quoted_list(present), present.size() == 1 ? "s" : "",
                                name, present.size() == 1 ? "it" : "them"));
      break;
    }
  }

  // 2. The server.
  if (mode != load_mode::tables) {
    auto w = check_extensions(admin, m);
    res.warnings.insert(res.warnings.end(), w.begin(), w.end());
    check_preload(admin, m);
  }
  check_roles(admin, reader, make_plan(m, false, false, filter), o.no_owner, o.no_privileges);
  if (auto w = check_server_version(admin, m)) res.warnings.push_back(*w);

  // 3. The whole file against its sidecar (the longest check, so last).
  if (auto w = check_sidecar(reader.path(), o.events.cancel)) res.warnings.push_back(*w);

  for (const auto& w : res.warnings) rep.log(log_level::warning, w);
  return res;
}

}  // namespace immichbak::load
