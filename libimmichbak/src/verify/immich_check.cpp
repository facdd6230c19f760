#include "verify/immich_check.hpp"

#include "immich/version.hpp"
#include "pg/connection.hpp"
#include "util/sql_quote.hpp"

#include <fmt/format.h>

#include <map>
#include <vector>

namespace immichbak::verify_detail {

bool public_has_column(pg::connection& c, const std::string& table, const std::string& column) {
  auto r = c.exec(
      "SELECT 1 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class k ON k.oid = a.attrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace "
      "WHERE n.nspname = 'public' AND k.relname = $1 AND a.attname = $2 AND NOT a.attisdropped",
      {table, column});
  return r.rows() > 0;
}

namespace {

// Rows of public.<table>, without soft-deleted ones when it has "deletedAt".
std::uint64_t live_rows(pg::connection& c, const std::string& table) {
  std::string where = public_has_column(c, table, "deletedAt") ? " WHERE \"deletedAt\" IS NULL" : "";
  return static_cast<std::uint64_t>(c.exec("SELECT count(*) FROM " + util::sql::qualified("public", table) + where).i64(0, 0));
}

check_result finding(check_status s, std::string detail, std::string table = {}) {
  return check_result{"immich", s, std::move(detail), std::move(table), std::nullopt};
}

}  // namespace

std::string immich_table(pg::connection& c, const std::string& what) {
  // Immich 1.137 renamed its tables to singular names; older backups have the plural ones.
  static const std::map<std::string, std::vector<std::string>> names{
      {"users", {"user", "users"}},        {"assets", {"asset", "assets"}}, {"albums", {"album", "albums"}},
      {"faces", {"asset_face", "asset_faces"}}, {"people", {"person"}},
  };
  auto it = names.find(what);
  if (it == names.end()) return {};
  for (const auto& n : it->second) {
    auto r = c.exec(
        "SELECT 1 FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace "
        "WHERE n.nspname = 'public' AND k.relname = $1 AND k.relkind IN ('r', 'p')",
        {n});
    if (r.rows() > 0) return n;
  }
  return {};
}

void immich_check(pg::connection& c, verify_report& report) {
  std::string users = immich_table(c, "users"), assets = immich_table(c, "assets");
  if (users.empty() || assets.empty()) return;  // not an Immich database: nothing to say
  immich_summary s;
  s.version = immich::version(c);
  s.migration = immich::migration(c);
  s.users = live_rows(c, users);
  s.assets = live_rows(c, assets);
  if (auto t = immich_table(c, "albums"); !t.empty()) s.albums = live_rows(c, t);
  if (auto t = immich_table(c, "faces"); !t.empty()) s.faces = live_rows(c, t);
  if (auto t = immich_table(c, "people"); !t.empty()) s.people = live_rows(c, t);
  if (public_has_column(c, users, "isAdmin")) {
    std::string where = public_has_column(c, users, "deletedAt") ? " AND \"deletedAt\" IS NULL" : "";
    s.admin_exists =
        c.exec("SELECT count(*) FROM " + util::sql::qualified("public", users) + " WHERE \"isAdmin\"" + where).i64(0, 0) > 0;
  }

  if (s.admin_exists)
    report.checks.push_back(finding(check_status::pass, "an admin user exists", "public." + users));
  else
    report.checks.push_back(finding(check_status::fail,
                                    "no admin user in the restored copy: nobody could log in to administer this Immich "
                                    "(an Immich that was never set up has none)",
                                    "public." + users));
  report.checks.push_back(finding(
      s.version.empty() ? check_status::warn : check_status::pass,
      s.version.empty() ? std::string("no Immich version recorded (version_history is empty or missing)")
                        : fmt::format("Immich {}{}", s.version,
                                      s.migration.empty() ? "" : fmt::format(", schema migration {}", s.migration))));
  report.checks.push_back(finding(check_status::pass,
                                  fmt::format("{} users, {} assets, {} albums, {} faces, {} people", s.users, s.assets,
                                              s.albums, s.faces, s.people)));
  report.immich = s;
}

}  // namespace immichbak::verify_detail
