// Shared DDL building blocks: ACL diffs, comments, database settings, quoting helpers.
#include "schema/ddl.hpp"
#include "util/sql_quote.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace immichbak::schema {

namespace {

std::string grantee_sql(const std::string& role) { return role.empty() ? "PUBLIC" : util::sql::ident(role); }

bool contains(const std::vector<acl_item>& list, const acl_item& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string privilege_list(const std::vector<std::string>& privs, std::string_view column) {
  std::string out;
  for (const auto& p : privs) {
    if (!out.empty()) out += ", ";
    out += p;
    if (!column.empty()) {
      out += '(';
      out += column;
      out += ')';
    }
  }
  return out;
}

std::string on_clause(std::string_view object_type, std::string_view object) {
  std::string out = " ON ";
  out += object_type;
  if (!object.empty()) {
    out += ' ';
    out += object;
  }
  return out;
}

}  // namespace

std::string acl_statements(std::string_view object_type, std::string_view object, std::string_view column,
                           const acl_info& acl, std::string_view owner, std::string_view prefix) {
  if (acl.is_null) return {};
  std::string out;
  // Base items that are gone or changed: revoke them whole (a changed item is granted
  // again below), exactly as pg_dump does, so both dumps print the same statements.
  for (const auto& b : acl.base) {
    if (contains(acl.items, b)) continue;
    out += fmt::format("{}REVOKE ALL{}{} FROM {};\n", prefix,
                       column.empty() ? std::string() : fmt::format("({})", column),
                       on_clause(object_type, object), grantee_sql(b.grantee));
  }
  for (const auto& item : acl.items) {
    if (contains(acl.base, item)) continue;
    // A superuser's GRANT is recorded as granted by the owner; anything granted by
    // another role must be issued as that role to keep the grantor.
    bool as_grantor = !item.grantor.empty() && item.grantor != owner;
    if (as_grantor) out += fmt::format("SET SESSION AUTHORIZATION {};\n", util::sql::ident(item.grantor));
    if (!item.privileges.empty())
      out += fmt::format("{}GRANT {}{} TO {};\n", prefix, privilege_list(item.privileges, column),
                         on_clause(object_type, object), grantee_sql(item.grantee));
    if (!item.grantable.empty())
      out += fmt::format("{}GRANT {}{} TO {} WITH GRANT OPTION;\n", prefix, privilege_list(item.grantable, column),
                         on_clause(object_type, object), grantee_sql(item.grantee));
    if (as_grantor) out += "RESET SESSION AUTHORIZATION;\n";
  }
  return out;
}

std::string comment_statement(std::string_view target, const std::optional<std::string>& comment) {
  if (!comment) return {};
  return fmt::format("COMMENT ON {} IS {};\n", target, util::sql::literal(*comment));
}

std::string dollar_quote(std::string_view body, std::string_view tag_hint) {
  std::string tag(tag_hint);
  int n = 0;
  while (body.find("$" + tag) != std::string_view::npos) tag = fmt::format("{}{}", tag_hint, ++n);
  return fmt::format("${0}${1}${0}$", tag, body);
}

namespace {
// Settings whose value is a list that pg_dump splits and quotes element by element
// (GUC_LIST_QUOTE in the server): a single quoted string would become one element.
bool is_list_setting(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return name == "search_path" || name == "temp_tablespaces" || name == "session_preload_libraries" ||
         name == "shared_preload_libraries" || name == "local_preload_libraries";
}

// Splits a stored list value (`"$user", public, "My Schema"`) into its elements, undoing
// identifier quoting, the way the server's SplitGUCList does.
std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> out;
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < value.size() && std::isspace(static_cast<unsigned char>(value[i]))) ++i;
  };
  skip_space();
  if (i >= value.size()) return out;
  for (;;) {
    std::string item;
    if (value[i] == '"') {
      ++i;
      for (; i < value.size(); ++i) {
        if (value[i] == '"') {
          if (i + 1 < value.size() && value[i + 1] == '"') {
            item += '"';
            ++i;
          } else {
            ++i;
            break;
          }
        } else {
          item += value[i];
        }
      }
    } else {
      while (i < value.size() && value[i] != ',' && !std::isspace(static_cast<unsigned char>(value[i])))
        item += value[i++];
    }
    out.push_back(item);
    skip_space();
    if (i >= value.size() || value[i] != ',') break;
    ++i;
    skip_space();
  }
  return out;
}
}  // namespace

std::string setting_value_sql(const std::string& name, const std::string& value) {
  if (!is_list_setting(name)) return util::sql::literal(value);
  std::string out;
  for (const auto& item : split_list(value)) {
    if (!out.empty()) out += ", ";
    out += util::sql::literal(item);
  }
  return out.empty() ? util::sql::literal("") : out;
}

std::string setting_statement(const db_setting& s) {
  // The database is renamed freely on restore, so its name is taken at run time.
  std::string tail = fmt::format(" SET {} TO {}", util::sql::ident(s.name), setting_value_sql(s.name, s.value));
  std::string head = s.role.empty() ? std::string("'ALTER DATABASE '")
                                    : fmt::format("'ALTER ROLE ' || {} || ' IN DATABASE '",
                                                  util::sql::literal(util::sql::ident(s.role)));
  std::string body = fmt::format(
      " BEGIN EXECUTE {} || pg_catalog.quote_ident(pg_catalog.current_database()) || {}; END ",
      head, util::sql::literal(tail));
  return fmt::format("DO {};\n", dollar_quote(body, "do"));
}

std::string database_comment_statement(const std::string& comment) {
  std::string body = fmt::format(" BEGIN EXECUTE 'COMMENT ON DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) "
                                 "|| ' IS ' || {}; END ",
                                 util::sql::literal(util::sql::literal(comment)));
  return fmt::format("DO {};\n", dollar_quote(body, "do"));
}

std::string options_list(const std::vector<std::string>& options) {
  std::string out;
  for (const auto& o : options) {
    if (!out.empty()) out += ", ";
    auto eq = o.find('=');
    out += eq == std::string::npos ? o : o.substr(0, eq) + "=" + util::sql::literal(o.substr(eq + 1));
  }
  return out;
}

std::string unique_constraint_definition(const table_constraint& con, const std::vector<std::string>& index_options) {
  if (con.key_columns.empty() || (con.type != 'p' && con.type != 'u')) return con.definition;
  std::string out = con.type == 'p' ? "PRIMARY KEY" : "UNIQUE";
  if (con.nulls_not_distinct) out += " NULLS NOT DISTINCT";
  out += " (";
  for (std::size_t i = 0; i < con.key_columns.size(); ++i) {
    if (i) out += ", ";
    out += util::sql::ident(con.key_columns[i]);
  }
  if (con.without_overlaps) out += " WITHOUT OVERLAPS";
  out += ")";
  if (!con.include_columns.empty()) {
    out += " INCLUDE (";
    for (std::size_t i = 0; i < con.include_columns.size(); ++i) out += (i ? ", " : "") + util::sql::ident(con.include_columns[i]);
    out += ")";
  }
  if (!index_options.empty()) out += " WITH (" + options_list(index_options) + ")";
  if (con.deferrable) out += con.deferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE";
  return out;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with backtracking to the last '*'.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool extension_needs_preload(std::string_view name) {
  // CREATE EXTENSION fails unless the library is in shared_preload_libraries.
  static const char* const list[] = {"vchord", "vectors", "timescaledb", "pg_cron", "citus"};
  return std::any_of(std::begin(list), std::end(list), [&](const char* n) { return name == n; });
}

}  // namespace immichbak::schema
