#include "sqlscript/classify.hpp"

#include "sqlscript/words.hpp"
#include "util/sql_quote.hpp"

#include <algorithm>

namespace immichbak::sqlscript {

namespace {

using kind = word::kind;

bool at(const std::vector<word>& w, std::size_t i, std::string_view keyword) {
  return i < w.size() && w[i].is(keyword);
}

bool is_semicolon(const word& w) { return w.what == kind::symbol && w.value == ";"; }

// The raw text of tokens [from, to) joined as written (for search_path values).
std::string raw_span(std::string_view s, const std::vector<word>& w, std::size_t from, std::size_t to) {
  if (from >= to) return {};
  std::size_t b = w[from].begin, e = w[to - 1].end;
  return std::string(s.substr(b, e - b));
}

bool is_role_placeholder(const word& w) {
  return w.what == kind::ident && (w.value == "public" || w.value == "current_user" || w.value == "session_user" ||
                                   w.value == "current_role" || w.value == "group");
}

}  // namespace

database_statement database_reference(std::string_view s) {
  database_statement r;
  auto w = read_words(s, 48);
  if (w.empty() || w[0].what != kind::ident) return r;
  auto take_name = [&](std::size_t i, database_statement::kind k) {
    if (i < w.size() && w[i].is_name()) {
      r.what = k;
      r.name = w[i].value;
      r.begin = w[i].begin;
      r.end = w[i].end;
    }
  };
  const std::string& k0 = w[0].value;
  if (k0 == "create" && at(w, 1, "database")) {
    take_name(2, database_statement::kind::create);
    for (std::size_t i = 3; i + 1 < w.size(); ++i) {
      if (w[i].is("encoding")) {
        std::size_t v = (w[i + 1].what == kind::symbol && w[i + 1].value == "=") ? i + 2 : i + 1;
        if (v < w.size() && (w[v].what == kind::string || w[v].is_name())) r.encoding = w[v].value;
      }
    }
  } else if (k0 == "drop" && at(w, 1, "database")) {
    take_name(at(w, 2, "if") && at(w, 3, "exists") ? 4 : 2, database_statement::kind::drop);
  } else if (k0 == "alter" && at(w, 1, "database")) {
    take_name(2, database_statement::kind::alter);
    if (at(w, 3, "owner") && at(w, 4, "to")) r.owner = true;
    if (at(w, 3, "set") && at(w, 4, "search_path") && w.size() > 5 &&
        (w[5].is("to") || (w[5].what == kind::symbol && w[5].value == "="))) {
      std::size_t end = w.size();
      while (end > 6 && is_semicolon(w[end - 1])) --end;
      r.search_path = raw_span(s, w, 6, end);
    }
  } else if ((k0 == "alter") && (at(w, 1, "role") || at(w, 1, "user")) && at(w, 3, "in") && at(w, 4, "database")) {
    take_name(5, database_statement::kind::role_setting);
  } else if (k0 == "comment" && at(w, 1, "on") && at(w, 2, "database")) {
    take_name(3, database_statement::kind::comment);
  } else if (k0 == "grant" || k0 == "revoke") {
    for (std::size_t i = 1; i + 2 < w.size(); ++i)
      if (w[i].is("on") && w[i + 1].is("database")) {
        take_name(i + 2, database_statement::kind::privileges);
        break;
      }
  } else if (k0 == "security" && at(w, 1, "label")) {
    for (std::size_t i = 2; i + 2 < w.size(); ++i)
      if (w[i].is("on") && w[i + 1].is("database")) {
        take_name(i + 2, database_statement::kind::security_label);
        break;
      }
  } else if (k0 == "update" && w.size() >= 4 && w[1].value == "pg_catalog" && w[2].value == "." &&
             w[3].value == "pg_database") {
    for (std::size_t i = 4; i + 2 < w.size(); ++i)
      if (w[i].is("datname") && w[i + 1].value == "=" && w[i + 2].what == kind::string) {
        r.what = database_statement::kind::update_pg_database;
        r.name = w[i + 2].value;
        break;
      }
  }
  return r;
}

std::string rename_database(std::string_view s, const database_statement& ref, const std::string& new_name) {
  std::string out(s.substr(0, ref.begin));
  out += util::sql::ident(new_name);
  out += s.substr(ref.end);
  return out;
}

global_statement global_reference(std::string_view s) {
  global_statement g;
  auto w = read_words(s, 8);
  if (w.size() < 3 || w[0].what != kind::ident) return g;
  bool role_word = w[1].is("role") || w[1].is("user") || w[1].is("group");
  if (w[0].is("create") && role_word && w[2].is_name()) {
    g.what = global_statement::kind::create_role;
    g.name = w[2].value;
  } else if (w[0].is("drop") && role_word) {
    std::size_t i = at(w, 2, "if") && at(w, 3, "exists") ? 4 : 2;
    if (i < w.size() && w[i].is_name()) {
      g.what = global_statement::kind::drop_role;
      g.name = w[i].value;
    }
  } else if (w[0].is("create") && w[1].is("tablespace") && w[2].is_name()) {
    g.what = global_statement::kind::create_tablespace;
    g.name = w[2].value;
  } else if (w[0].is("drop") && w[1].is("tablespace")) {
    std::size_t i = at(w, 2, "if") && at(w, 3, "exists") ? 4 : 2;
    if (i < w.size() && w[i].is_name()) {
      g.what = global_statement::kind::drop_tablespace;
      g.name = w[i].value;
    }
  }
  return g;
}

std::vector<std::string> referenced_roles(std::string_view s) {
  std::vector<std::string> roles;
  std::string k0 = first_keyword(s);
  if (k0 != "alter" && k0 != "grant" && k0 != "revoke" && k0 != "set") return roles;
  auto w = read_words(s, 4096);
  auto add = [&](const word& x) {
    if (!x.is_name() || is_role_placeholder(x)) return;
    if (std::find(roles.begin(), roles.end(), x.value) == roles.end()) roles.push_back(x.value);
  };
  // comma-separated names from i on, stopping at a keyword that ends the list
  auto add_list = [&](std::size_t i) {
    while (i < w.size()) {
      if (w[i].is("group") || w[i].is("role") || w[i].is("user")) {
        ++i;
        continue;
      }
      if (!w[i].is_name()) break;
      if (w[i].what == kind::ident && (w[i].value == "with" || w[i].value == "granted" || w[i].value == "cascade" ||
                                       w[i].value == "restrict" || w[i].value == "in" || w[i].value == "grant" ||
                                       w[i].value == "revoke"))
        break;
      add(w[i]);
      ++i;
      if (i < w.size() && w[i].what == kind::symbol && w[i].value == ",") {
        ++i;
        continue;
      }
      break;
    }
  };
  if (k0 == "set") {
    // SET SESSION AUTHORIZATION 'r' / SET ROLE r
    if (at(w, 1, "session") && at(w, 2, "authorization") && w.size() > 3) {
      if (w[3].what == kind::string || w[3].what == kind::quoted_ident) roles.push_back(w[3].value);
      else if (w[3].what == kind::ident && w[3].value != "default") roles.push_back(w[3].value);
    } else if (at(w, 1, "role") && w.size() > 2 && !w[2].is("none")) {
      if (w[2].what == kind::string) roles.push_back(w[2].value);
      else add(w[2]);
    }
    return roles;
  }
  int depth = 0;
  bool saw_on = false;
  std::size_t grant_at = k0 == "alter" ? w.size() : 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const word& x = w[i];
    if (x.what == kind::symbol && x.value == "(") ++depth;
    if (x.what == kind::symbol && x.value == ")") depth = std::max(0, depth - 1);
    if (depth > 0 || x.what != kind::ident) continue;
    if (x.value == "owner" && at(w, i + 1, "to") && i + 2 < w.size()) add(w[i + 2]);
    if (k0 == "alter" && x.value == "for" && (at(w, i + 1, "role") || at(w, i + 1, "user"))) add_list(i + 2);
    if ((x.value == "grant" || x.value == "revoke") && (i == 0 || k0 == "alter") && grant_at == w.size())
      grant_at = i;
    if (i > grant_at && x.value == "on") saw_on = true;
    if (i > grant_at && grant_at < w.size()) {
      bool grant = w[grant_at].is("grant");
      if ((grant && x.value == "to") || (!grant && x.value == "from")) {
        add_list(i + 1);
        if (!saw_on) {  // role membership: GRANT r1, r2 TO ...; REVOKE [ADMIN OPTION FOR] r FROM ...
          std::size_t j = grant_at + 1;
          if (at(w, j, "admin") || at(w, j, "inherit") || at(w, j, "set")) j += 3;  // "... option for"
          add_list(j);
        }
        grant_at = w.size() + 1;  // done with this GRANT/REVOKE
      }
    }
    if (x.value == "granted" && at(w, i + 1, "by") && i + 2 < w.size()) add(w[i + 2]);
  }
  return roles;
}

bool is_ownership_statement(std::string_view s) {
  std::string k0 = first_keyword(s);
  if (k0 == "set") {
    auto w = read_words(s, 3);
    return at(w, 1, "session") && at(w, 2, "authorization");
  }
  if (k0 != "alter") return false;
  auto w = read_words(s, 4096);
  for (std::size_t i = 1; i + 1 < w.size(); ++i)
    if (w[i].is("owner") && w[i + 1].is("to")) return true;
  return false;
}

bool is_privilege_statement(std::string_view s) {
  std::string k0 = first_keyword(s);
  if (k0 == "grant" || k0 == "revoke") return true;
  if (k0 != "alter") return false;
  auto w = read_words(s, 3);
  return at(w, 1, "default") && at(w, 2, "privileges");
}

bool is_role_membership_statement(std::string_view s) {
  std::string k0 = first_keyword(s);
  if (k0 != "grant" && k0 != "revoke") return false;
  auto w = read_words(s, 4096);
  int depth = 0;
  for (const auto& x : w) {
    if (x.what == kind::symbol && x.value == "(") ++depth;
    if (x.what == kind::symbol && x.value == ")") depth = std::max(0, depth - 1);
    if (depth == 0 && x.is("on")) return false;
  }
  return true;
}

bool is_public_schema_statement(std::string_view s) {
  std::string k0 = first_keyword(s);
  auto w = read_words(s, 4096);
  // "SCHEMA public" at w[i], w[i + 1]
  auto schema_public = [&](std::size_t i) {
    return at(w, i, "schema") && i + 1 < w.size() && w[i + 1].is_name() && w[i + 1].value == "public";
  };
  if (k0 == "alter") return schema_public(1) && at(w, 3, "owner") && at(w, 4, "to");
  if (k0 == "comment") return at(w, 1, "on") && schema_public(2) && at(w, 4, "is");
  if (k0 != "grant" && k0 != "revoke") return false;
  for (std::size_t i = 1; i < w.size(); ++i)
    if (w[i].is("on")) return schema_public(i + 1) && (at(w, i + 3, "to") || at(w, i + 3, "from"));
  return false;
}

bool is_session_statement(std::string_view s) {
  std::string k0 = first_keyword(s);
  if (k0 == "set" || k0 == "reset") {
    auto w = read_words(s, 3);
    // SET ROLE / SET SESSION AUTHORIZATION change who owns what gets created: content.
    return !(at(w, 1, "role") || (at(w, 1, "session") && at(w, 2, "authorization")));
  }
  if (k0 != "select") return false;
  auto w = read_words(s, 8);
  return w.size() >= 5 && w[1].is("pg_catalog") && w[2].value == "." && w[3].is("set_config") && w[4].value == "(";
}

bool is_empty_search_path_statement(std::string_view s) {
  auto w = read_words(s, 16);
  // SELECT pg_catalog.set_config ( 'search_path' , '' , false ) ;
  return w.size() >= 11 && w[0].is("select") && w[1].is("pg_catalog") && w[2].value == "." &&
         w[3].is("set_config") && w[4].value == "(" && w[5].what == kind::string && w[5].value == "search_path" &&
         w[6].value == "," && w[7].what == kind::string && w[7].value.empty() && w[8].value == "," &&
         w[9].is("false") && w[10].value == ")";
}

std::optional<std::string> client_encoding_setting(std::string_view s) {
  auto w = read_words(s, 6);
  if (w.size() >= 4 && w[0].is("set") && w[1].is("client_encoding") && (w[2].is("to") || w[2].value == "=") &&
      (w[3].what == kind::string || w[3].is_name()))
    return w[3].value;
  return std::nullopt;
}

std::optional<extension_statement> create_extension(std::string_view s) {
  auto w = read_words(s, 16);
  if (!(at(w, 0, "create") && at(w, 1, "extension"))) return std::nullopt;
  std::size_t i = at(w, 2, "if") && at(w, 3, "not") && at(w, 4, "exists") ? 5 : 2;
  if (i >= w.size() || !w[i].is_name()) return std::nullopt;
  extension_statement e;
  e.name = w[i].value;
  for (std::size_t j = i + 1; j + 1 < w.size(); ++j)
    if (w[j].is("schema") && w[j + 1].is_name()) e.schema = w[j + 1].value;
  return e;
}

std::string copy_table(std::string_view s) {
  auto w = read_words(s, 8);
  if (!at(w, 0, "copy")) return {};
  std::size_t b = 1, e = 1;
  while (e < w.size() && (w[e].is_name() || (w[e].what == kind::symbol && w[e].value == ".")) && !w[e].is("from") &&
         !w[e].is("to"))
    ++e;
  if (e == b) return {};
  return std::string(s.substr(w[b].begin, w[e - 1].end - w[b].begin));
}

}  // namespace immichbak::sqlscript
