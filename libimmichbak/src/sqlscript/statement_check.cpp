// The allow-list of docs/format.md section 3.5, built from what schema/ddl_common.cpp,
// ddl_objects.cpp and ddl_plan.cpp emit for each kind of frame (and post-data phase).
// Statements are split the way psql splits them (sqlscript/splitter) and read as tokens
// (sqlscript/words); each must have one of the shapes below. The shapes are deliberately
// about the statement's kind and its risky parts, not its exact spelling: the writer
// pastes server-deparsed text (pg_get_indexdef, pg_get_functiondef, ...) that varies
// between PostgreSQL versions.
#include "sqlscript/statement_check.hpp"

#include "format/header_sql.hpp"
#include "sqlscript/splitter.hpp"
#include "sqlscript/words.hpp"
#include "util/sql_quote.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>
#include <vector>

namespace immichbak::sqlscript {

namespace {

using wk = word::kind;
constexpr std::size_t all_words = static_cast<std::size_t>(-1);
constexpr std::size_t npos = static_cast<std::size_t>(-1);
constexpr int max_string_depth = 4;  // dynamic SQL inside dynamic SQL inside ...

// ---- splitting -----------------------------------------------------------------------

struct collected {
  std::vector<sql_statement> statements;
  std::vector<meta_command> metas;
  bool copy = false;
  std::uint64_t copy_line = 0;
};

class collector final : public splitter::handler {
 public:
  explicit collector(collected& c) : c_(c) {}
  void statement(const sql_statement& s) override {
    if (s.copy_from_stdin && !c_.copy) {
      c_.copy = true;
      c_.copy_line = s.line;
    }
    c_.statements.push_back(s);
  }
  void meta(const meta_command& m) override { c_.metas.push_back(m); }
  void copy_data(std::string_view) override {}
  void copy_end(std::uint64_t) override {}

 private:
  collected& c_;
};

std::string shorten(std::string_view s, std::size_t max = 100) {
  std::string out;
  for (char c : s.substr(0, max)) out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  if (s.size() > max) out += "...";
  return out;
}

// ---- tokens ----------------------------------------------------------------------------

struct toks {
  std::vector<word> w;

  std::size_t size() const { return w.size(); }
  bool kw(std::size_t i, std::string_view k) const { return i < w.size() && w[i].is(k); }
  bool sym(std::size_t i, char c) const {
    return i < w.size() && w[i].what == wk::symbol && w[i].value.size() == 1 && w[i].value[0] == c;
  }
  bool name(std::size_t i) const { return i < w.size() && w[i].is_name(); }
  bool str(std::size_t i) const { return i < w.size() && w[i].what == wk::string; }
  bool num(std::size_t i) const { return i < w.size() && w[i].what == wk::number; }
  /// name(.name)*: the index after it, or npos.
  std::size_t qname(std::size_t i) const {
    if (!name(i)) return npos;
    ++i;
    while (sym(i, '.') && name(i + 1)) i += 2;
    return i;
  }
  /// The statement ends at i with its semicolon.
  bool ends_at(std::size_t i) const { return i + 1 == w.size() && sym(i, ';'); }
  /// A comma outside parentheses from i on (several subcommands in one ALTER).
  bool comma_at_depth0(std::size_t i) const {
    int depth = 0;
    for (; i < w.size(); ++i) {
      if (sym(i, '(')) ++depth;
      else if (sym(i, ')')) depth = std::max(0, depth - 1);
      else if (depth == 0 && sym(i, ',')) return true;
    }
    return false;
  }
  /// Index of the first `keyword` at parenthesis depth 0 from i on, or npos.
  std::size_t find_kw(std::size_t i, std::string_view keyword) const {
    int depth = 0;
    for (; i < w.size(); ++i) {
      if (sym(i, '(')) ++depth;
      else if (sym(i, ')')) depth = std::max(0, depth - 1);
      else if (depth == 0 && kw(i, keyword)) return i;
    }
    return npos;
  }
};

toks tokens(std::string_view text) { return toks{read_words(text, all_words)}; }

// ---- what is never allowed anywhere -----------------------------------------------------

// Server functions that read or write files, run or reach other programs and servers,
// or signal, reconfigure or stop the server. None of them belongs in a schema.
bool banned_function(const std::string& name) {
  static const std::set<std::string> names = {
      "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_ls_logdir", "pg_ls_waldir", "pg_ls_tmpdir",
      "pg_ls_archive_statusdir", "pg_ls_logicalsnapdir", "pg_ls_logicalmapdir", "pg_ls_replslotdir", "pg_stat_file",
      "pg_file_write", "pg_file_rename", "pg_file_unlink", "pg_file_sync", "pg_logdir_ls", "lo_import", "lo_export",
      "pg_reload_conf", "pg_terminate_backend", "pg_cancel_backend", "pg_signal_backend", "pg_promote",
      "pg_rotate_logfile", "pg_switch_wal", "pg_create_restore_point", "pg_start_backup", "pg_stop_backup",
      "pg_backup_start", "pg_backup_stop", "pg_create_physical_replication_slot",
      "pg_create_logical_replication_slot", "pg_drop_replication_slot", "pg_replication_origin_create",
      "pg_logical_emit_message", "pg_wal_replay_pause", "pg_wal_replay_resume", "pg_log_backend_memory_contexts",
      "pg_execute_server_program", "pg_read_server_files", "pg_write_server_files"};
  return names.count(name) > 0 || name.rfind("dblink", 0) == 0;
}

// Languages whose functions can do nothing a database user could not do in SQL. C and
// `internal` functions bind to machine code (a shared library is loaded when they are
// created); the untrusted languages (plpython3u, plperlu, ...) run programs.
bool allowed_language(const std::string& lang) {
  return lang == "sql" || lang == "plpgsql" || lang == "plperl" || lang == "pltcl";
}

bool untrusted_language_extension(const std::string& name) {
  static const std::set<std::string> names = {"plpython3u", "plpythonu", "plpython2u", "plperlu", "pltclu",
                                              "plsh", "pljavau", "plv8u", "adminpack", "file_fdw", "dblink",
                                              "postgres_fdw"};
  return names.count(name) > 0;
}

// Settings that make the server load code at connection start (superuser only).
bool banned_setting(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name == "session_preload_libraries" || name == "shared_preload_libraries" ||
         name == "local_preload_libraries" || name == "dynamic_library_path";
}

std::optional<std::string> banned_calls(const toks& t) {
  for (const auto& x : t.w)
    if (x.is_name() && banned_function(x.value)) return fmt::format("it names {}", x.value);
  return std::nullopt;
}

// Statements that have no place in a function body either. `t` is code (a body, or a
// string EXECUTEd from one); strings after EXECUTE are looked into as code as well.
std::optional<std::string> scan_code(const toks& t, int depth) {
  if (auto b = banned_calls(t)) return b;
  auto pair = [&](std::size_t i, std::initializer_list<const char*> first, std::initializer_list<const char*> second) {
    bool a = std::any_of(first.begin(), first.end(), [&](const char* k) { return t.kw(i, k); });
    bool b = std::any_of(second.begin(), second.end(), [&](const char* k) { return t.kw(i + 1, k); });
    return a && b;
  };
  bool in_execute = false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (pair(i, {"alter"}, {"system"})) return "it runs ALTER SYSTEM";
    if (pair(i, {"create", "drop", "alter"}, {"database"})) return "it creates, drops or alters a database";
    if (pair(i, {"create", "drop", "alter"}, {"role", "user", "group"})) return "it creates, drops or alters a role";
    if (pair(i, {"set", "reset"}, {"role", "session"})) return "it changes the session's role";
    if (pair(i, {"create"}, {"extension", "language"})) return "it creates an extension or a language";
    if (t.kw(i, "load") && t.str(i + 1)) return "it loads a shared library (LOAD)";
    if (t.kw(i, "language") && t.name(i + 1) && !allowed_language(t.w[i + 1].value))
      return fmt::format("it uses language {}", t.w[i + 1].value);
    if (t.kw(i, "copy")) {
      for (std::size_t j = i + 1; j < t.size() && !t.sym(j, ';'); ++j) {
        if (t.kw(j, "program")) return "it runs COPY ... PROGRAM";
        if ((t.kw(j, "to") || t.kw(j, "from")) && t.str(j + 1)) return "it runs COPY to or from a file";
      }
    }
    if (t.kw(i, "execute")) in_execute = true;
    if (t.sym(i, ';')) in_execute = false;
    if (in_execute && depth < max_string_depth &&
        (t.w[i].what == wk::string || t.w[i].what == wk::dollar_string))
      if (auto p = scan_code(tokens(t.w[i].value), depth + 1)) return p;
  }
  return std::nullopt;
}

// ---- shapes shared by several sections ----------------------------------------------------

bool is_comment(const toks& t) {
  if (!(t.kw(0, "comment") && t.kw(1, "on"))) return false;
  static const std::set<std::string> types = {"extension", "schema",   "type",  "domain",    "constraint", "column",
                                              "function",  "procedure", "aggregate", "sequence", "table",  "view",
                                              "materialized", "index", "statistics", "trigger", "rule", "policy"};
  if (!(t.size() >= 6 && t.w[2].what == wk::ident && types.count(t.w[2].value))) return false;
  std::size_t n = t.size();
  return t.kw(n - 3, "is") && (t.str(n - 2) || t.kw(n - 2, "null")) && t.sym(n - 1, ';');
}

/// ALTER TABLE [IF EXISTS] [ONLY] name: the index of what follows, or npos.
std::size_t alter_table_head(const toks& t) {
  if (!(t.kw(0, "alter") && t.kw(1, "table"))) return npos;
  std::size_t i = 2;
  if (t.kw(i, "only")) ++i;
  return t.qname(i);
}

bool alter_column_setting(const toks& t, std::size_t i) {
  // ALTER COLUMN c SET DEFAULT / DROP DEFAULT / SET NOT NULL / SET STATISTICS / SET STORAGE /
  // SET COMPRESSION / SET (options)
  if (!(t.kw(i, "alter") && t.kw(i + 1, "column") && t.name(i + 2))) return false;
  i += 3;
  if (t.kw(i, "drop")) return t.kw(i + 1, "default") && t.ends_at(i + 2);
  if (!t.kw(i, "set")) return false;
  return t.kw(i + 1, "default") || (t.kw(i + 1, "not") && t.kw(i + 2, "null")) || t.kw(i + 1, "statistics") ||
         t.kw(i + 1, "storage") || t.kw(i + 1, "compression") || t.sym(i + 1, '(');
}

bool add_constraint(const toks& t, std::size_t i) {
  return t.kw(i, "add") && t.kw(i + 1, "constraint") && t.name(i + 2);
}

// `DO $$ BEGIN EXECUTE ... END $$;` exactly as ddl_common.cpp's setting_statement() and
// database_comment_statement() write it: the database's own name taken at run time.
bool current_database_at(const toks& b, std::size_t i) {
  return b.kw(i, "pg_catalog") && b.sym(i + 1, '.') && b.kw(i + 2, "quote_ident") && b.sym(i + 3, '(') &&
         b.kw(i + 4, "pg_catalog") && b.sym(i + 5, '.') && b.kw(i + 6, "current_database") && b.sym(i + 7, '(') &&
         b.sym(i + 8, ')') && b.sym(i + 9, ')');
}
bool concat_at(const toks& b, std::size_t i) { return b.sym(i, '|') && b.sym(i + 1, '|'); }
bool str_is(const toks& b, std::size_t i, std::string_view v) { return b.str(i) && b.w[i].value == v; }

// ` SET "name" TO 'v1', 'v2'`
std::optional<std::string> setting_tail(const std::string& tail) {
  toks s = tokens(tail);
  if (!(s.kw(0, "set") && s.name(1) && s.kw(2, "to") && s.str(3))) return "not a SET ... TO '...' clause";
  std::size_t i = 4;
  while (s.sym(i, ',') && s.str(i + 1)) i += 2;
  if (i != s.size()) return "not a SET ... TO '...' clause";
  if (banned_setting(s.w[1].value)) return fmt::format("it sets {}, which loads code into the server", s.w[1].value);
  return std::nullopt;
}

// Sequence options from i to the semicolon: keywords, type names and (signed) numbers only.
bool sequence_options(const toks& t, std::size_t i) {
  static const std::set<std::string> words = {"as",  "start",    "with",     "increment", "by",    "minvalue", "maxvalue",
                                              "no",  "cache",    "cycle",    "bigint",    "integer", "smallint", "int",
                                              "int2", "int4",    "int8"};
  for (; i + 1 < t.size(); ++i) {
    const word& x = t.w[i];
    bool ok = (x.what == wk::ident && words.count(x.value)) || x.what == wk::number || t.sym(i, '-') ||
              (x.what == wk::ident && x.value == "pg_catalog") || t.sym(i, '.');
    if (!ok) return false;
  }
  return t.ends_at(i);
}

enum class do_kind { database_setting, role_setting, database_comment };

std::optional<std::string> check_do(const toks& t, std::initializer_list<do_kind> allowed) {
  if (!(t.kw(0, "do") && t.size() == 3 && t.w[1].what == wk::dollar_string && t.sym(2, ';')))
    return "a DO block other than the ones immichbak writes";
  toks b = tokens(t.w[1].value);
  const std::size_t n = b.size();
  if (!(b.kw(0, "begin") && b.kw(1, "execute") && n >= 6 && b.sym(n - 2, ';') && b.kw(n - 1, "end")))
    return "a DO block other than the ones immichbak writes";
  auto allows = [&](do_kind k) { return std::find(allowed.begin(), allowed.end(), k) != allowed.end(); };
  // ALTER DATABASE <current> SET ...
  if (allows(do_kind::database_setting) && n == 20 && str_is(b, 2, "ALTER DATABASE ") && concat_at(b, 3) &&
      current_database_at(b, 5) && concat_at(b, 15) && b.str(17))
    return setting_tail(b.w[17].value);
  // ALTER ROLE <role> IN DATABASE <current> SET ...
  if (allows(do_kind::role_setting) && n == 26 && str_is(b, 2, "ALTER ROLE ") && concat_at(b, 3) && b.str(5) &&
      concat_at(b, 6) && str_is(b, 8, " IN DATABASE ") && concat_at(b, 9) && current_database_at(b, 11) &&
      concat_at(b, 21) && b.str(23)) {
    toks role = tokens(b.w[5].value);
    if (!(role.size() == 1 && role.name(0))) return "a DO block whose role is not one quoted name";
    return setting_tail(b.w[23].value);
  }
  // COMMENT ON DATABASE <current> IS '...'
  if (allows(do_kind::database_comment) && n == 23 && str_is(b, 2, "COMMENT ON DATABASE ") && concat_at(b, 3) &&
      current_database_at(b, 5) && concat_at(b, 15) && str_is(b, 17, " IS ") && concat_at(b, 18) && b.str(20)) {
    toks lit = tokens(b.w[20].value);
    if (!(lit.size() == 1 && lit.str(0))) return "a DO block whose comment is not one string literal";
    return std::nullopt;
  }
  return "a DO block other than the ones immichbak writes";
}

// CREATE [OR REPLACE] FUNCTION / PROCEDURE (pg_get_functiondef), CREATE AGGREGATE.
std::optional<std::string> check_routine(const toks& t, std::size_t i) {
  if (t.kw(i, "aggregate")) {
    std::size_t j = t.qname(i + 1);
    if (j == npos || !t.sym(j, '(')) return "not CREATE AGGREGATE name(...)";
    return banned_calls(t);
  }
  std::size_t j = t.qname(i + 1);
  if (j == npos || !t.sym(j, '(')) return "not CREATE FUNCTION name(...)";
  int depth = 0;
  for (std::size_t k = j; k < t.size(); ++k) {
    if (t.sym(k, '(')) ++depth;
    else if (t.sym(k, ')')) depth = std::max(0, depth - 1);
    if (depth != 0) continue;
    if (t.kw(k, "language") && t.name(k + 1) && !allowed_language(t.w[k + 1].value))
      return fmt::format("a function in language {} (immichbak restores functions in sql, plpgsql, plperl and "
                         "pltcl only: other languages run machine code or programs)",
                         t.w[k + 1].value);
  }
  // The statement itself (SQL-standard BEGIN ATOMIC bodies are tokens of it) and every
  // body given as a string after AS.
  if (auto p = scan_code(t, max_string_depth)) return *p;
  for (std::size_t k = j; k + 1 < t.size(); ++k) {
    if (!t.kw(k, "as")) continue;
    for (std::size_t m = k + 1; m < t.size(); m += 2) {
      if (t.w[m].what != wk::string && t.w[m].what != wk::dollar_string) break;
      if (auto p = scan_code(tokens(t.w[m].value), 1)) return "its body " + *p;
      if (!t.sym(m + 1, ',')) break;
    }
  }
  return std::nullopt;
}

// ---- the sections ---------------------------------------------------------------------------

enum class section { header, clean, pre_data, indexes, foreign_keys, final_, owners, privileges };

const char* section_name(section s) {
  switch (s) {
    case section::header: return "the header frame";
    case section::clean: return "a clean frame";
    case section::pre_data: return "a pre_data frame";
    case section::indexes: return "a post_data frame of phase indexes";
    case section::foreign_keys: return "a post_data frame of phase foreign_keys";
    case section::final_: return "a post_data frame of phase final";
    case section::owners: return "an owners frame";
    case section::privileges: return "a privileges frame";
  }
  return "a frame";
}

const std::set<std::string>& header_statements() {
  static const std::set<std::string> s = [] {
    collected c;
    collector h(c);
    sqlscript::splitter sp(h);
    sp.feed(format::header_sql());
    sp.finish();
    std::set<std::string> out;
    for (const auto& st : c.statements) out.insert(st.text);
    return out;
  }();
  return s;
}

const std::string not_ours = "not a statement immichbak writes there";

// A statement of a pre-data frame: extensions, schemas, types, routines, views, sequences,
// tables and their settings.
std::optional<std::string> check_pre_data(const toks& t) {
  const std::size_t n = t.size();
  if (t.kw(0, "create")) {
    if (t.kw(1, "extension")) {
      if (!(n == 10 && t.kw(2, "if") && t.kw(3, "not") && t.kw(4, "exists") && t.name(5) && t.kw(6, "with") &&
            t.kw(7, "schema") && t.name(8) && t.sym(9, ';')))
        return "not CREATE EXTENSION IF NOT EXISTS name WITH SCHEMA name";
      if (untrusted_language_extension(t.w[5].value))
        return fmt::format("it creates extension {}, which reaches files, programs or other servers",
                           t.w[5].value);
      return std::nullopt;
    }
    if (t.kw(1, "schema")) return t.name(2) && t.ends_at(3) ? std::nullopt : std::optional<std::string>(not_ours);
    if (t.kw(1, "type")) {
      std::size_t j = t.qname(2);
      if (j != npos && t.kw(j, "as") && (t.kw(j + 1, "enum") || t.kw(j + 1, "range") || t.sym(j + 1, '(')))
        return banned_calls(t);
      return "not CREATE TYPE name AS ENUM / RANGE / (...) (immichbak writes no base or shell types)";
    }
    if (t.kw(1, "domain")) {
      std::size_t j = t.qname(2);
      return j != npos && t.kw(j, "as") ? banned_calls(t) : std::optional<std::string>(not_ours);
    }
    std::size_t i = t.kw(1, "or") && t.kw(2, "replace") ? 3 : 1;
    if (t.kw(i, "function") || t.kw(i, "procedure") || t.kw(i, "aggregate")) return check_routine(t, i);
    if (t.kw(i, "view")) {
      std::size_t j = t.qname(i + 1);
      if (j == npos || t.find_kw(j, "as") == npos) return "not CREATE VIEW name AS ...";
      return banned_calls(t);
    }
    if (i == 1 && t.kw(1, "materialized") && t.kw(2, "view")) {
      std::size_t j = t.qname(3);
      if (j == npos || !(n >= 4 && t.kw(n - 4, "with") && t.kw(n - 3, "no") && t.kw(n - 2, "data")))
        return "a materialized view created WITH DATA (immichbak creates them empty and refreshes them last)";
      return banned_calls(t);
    }
    std::size_t k = t.kw(1, "unlogged") ? 2 : 1;
    if (t.kw(k, "sequence")) return t.qname(k + 1) != npos ? banned_calls(t) : std::optional<std::string>(not_ours);
    if (t.kw(k, "table")) {
      std::size_t j = t.qname(k + 1);
      if (j == npos || !t.sym(j, '(')) return "not CREATE TABLE name (...) (immichbak writes no CREATE TABLE AS)";
      return banned_calls(t);
    }
    return not_ours;
  }
  if (t.kw(0, "alter")) {
    std::size_t j = alter_table_head(t);
    if (j != npos) {
      if (t.comma_at_depth0(j)) return "an ALTER TABLE with several subcommands";
      bool ok = alter_column_setting(t, j) || add_constraint(t, j) ||
                (t.kw(j, "attach") && t.kw(j + 1, "partition")) ||
                (t.kw(j, "replica") && t.kw(j + 1, "identity") && (t.kw(j + 2, "nothing") || t.kw(j + 2, "full")));
      return ok ? banned_calls(t) : std::optional<std::string>(not_ours);
    }
    std::size_t v = t.kw(1, "view") ? 2 : (t.kw(1, "materialized") && t.kw(2, "view")) ? 3 : npos;
    if (v != npos) {
      std::size_t j2 = t.qname(v);
      if (j2 != npos && !t.comma_at_depth0(j2) && alter_column_setting(t, j2)) return banned_calls(t);
      return not_ours;
    }
    if (t.kw(1, "sequence")) {
      std::size_t j2 = t.qname(2);
      if (j2 != npos && t.kw(j2, "owned") && t.kw(j2 + 1, "by")) {
        std::size_t j3 = t.qname(j2 + 2);
        if (j3 != npos && t.ends_at(j3)) return std::nullopt;
      }
      // An identity sequence's own type, its options restated (ddl_objects.cpp's
      // identity_type_fix): AS type START WITH n INCREMENT BY n MINVALUE n ... CYCLE.
      if (j2 != npos && t.kw(j2, "as") && sequence_options(t, j2)) return std::nullopt;
    }
    return not_ours;
  }
  // The last pre-data frame's search path (format::set_search_path_sql).
  if (n == 12 && t.kw(0, "select") && t.kw(1, "pg_catalog") && t.sym(2, '.') && t.kw(3, "set_config") &&
      t.sym(4, '(') && str_is(t, 5, "search_path") && t.sym(6, ',') && t.str(7) && t.sym(8, ',') &&
      t.kw(9, "false") && t.sym(10, ')') && t.sym(11, ';'))
    return std::nullopt;
  return not_ours;
}

// A statement of a post-data frame of phase indexes: indexes, extended statistics, constraints backed by indexes.
std::optional<std::string> check_indexes(const toks& t) {
  if (t.kw(0, "create")) {
    std::size_t i = t.kw(1, "unique") ? 2 : 1;
    if (t.kw(i, "index") && t.name(i + 1) && t.kw(i + 2, "on")) {
      std::size_t j = t.qname(t.kw(i + 3, "only") ? i + 4 : i + 3);
      if (j != npos) return banned_calls(t);
    }
    if (t.kw(1, "statistics")) return banned_calls(t);
    return not_ours;
  }
  std::size_t j = alter_table_head(t);
  if (j != npos) {
    if (t.comma_at_depth0(j)) return "an ALTER TABLE with several subcommands";
    if (add_constraint(t, j)) return banned_calls(t);
    if (t.kw(j, "cluster") && t.kw(j + 1, "on") && t.name(j + 2) && t.ends_at(j + 3)) return std::nullopt;
    if (t.kw(j, "replica") && t.kw(j + 1, "identity") && t.kw(j + 2, "using") && t.kw(j + 3, "index") &&
        t.name(j + 4) && t.ends_at(j + 5))
      return std::nullopt;
    return not_ours;
  }
  if (t.kw(0, "alter") && t.kw(1, "index")) {
    std::size_t k = t.qname(2);
    if (k == npos) return not_ours;
    if (t.kw(k, "attach") && t.kw(k + 1, "partition")) {
      std::size_t e = t.qname(k + 2);
      return e != npos && t.ends_at(e) ? std::nullopt : std::optional<std::string>(not_ours);
    }
    if (t.kw(k, "alter") && t.kw(k + 1, "column") && (t.num(k + 2) || t.name(k + 2)) && t.kw(k + 3, "set") &&
        t.kw(k + 4, "statistics") && t.num(k + 5) && t.ends_at(k + 6))
      return std::nullopt;
    return not_ours;
  }
  if (t.kw(0, "alter") && t.kw(1, "statistics")) {
    std::size_t k = t.qname(2);
    if (k != npos && t.kw(k, "set") && t.kw(k + 1, "statistics") &&
        (t.num(k + 2) ? t.ends_at(k + 3) : (t.sym(k + 2, '-') && t.num(k + 3) && t.ends_at(k + 4))))
      return std::nullopt;
  }
  return not_ours;
}

// A statement of a post-data frame of phase foreign_keys.
std::optional<std::string> check_foreign_keys(const toks& t) {
  std::size_t j = alter_table_head(t);
  if (j != npos && !t.comma_at_depth0(j) && add_constraint(t, j) && t.find_kw(j, "foreign") != npos)
    return banned_calls(t);
  return not_ours;
}

// A statement of a post-data frame of phase final: sequence values, triggers, rules, policies,
// materialized view refreshes.
std::optional<std::string> check_final(const toks& t) {
  // SELECT pg_catalog.setval('"s"."seq"', 42, true);
  if (t.kw(0, "select")) {
    std::size_t k = 7;
    if (t.sym(7, '-')) k = 8;
    if (t.kw(1, "pg_catalog") && t.sym(2, '.') && t.kw(3, "setval") && t.sym(4, '(') && t.str(5) &&
        t.sym(6, ',') && t.num(k) && t.sym(k + 1, ',') && (t.kw(k + 2, "true") || t.kw(k + 2, "false")) &&
        t.sym(k + 3, ')') && t.ends_at(k + 4))
      return std::nullopt;
    return "a SELECT other than pg_catalog.setval('sequence', number, true|false)";
  }
  if (t.kw(0, "do")) return check_do(t, {do_kind::database_setting, do_kind::database_comment});
  if (t.kw(0, "create")) {
    std::size_t i = t.kw(1, "constraint") ? 2 : 1;
    if (t.kw(i, "trigger") || t.kw(1, "rule") || t.kw(1, "policy")) return banned_calls(t);
    return not_ours;
  }
  if (t.kw(0, "refresh") && t.kw(1, "materialized") && t.kw(2, "view")) {
    std::size_t k = t.qname(3);
    return k != npos && t.ends_at(k) ? std::nullopt : std::optional<std::string>(not_ours);
  }
  std::size_t j = alter_table_head(t);
  if (j != npos) {
    if (t.comma_at_depth0(j)) return "an ALTER TABLE with several subcommands";
    if (add_constraint(t, j)) return banned_calls(t);
    // ENABLE / DISABLE [REPLICA | ALWAYS] TRIGGER / RULE name; ENABLE / FORCE ROW LEVEL SECURITY
    if (t.kw(j, "enable") || t.kw(j, "disable")) {
      std::size_t k = j + 1;
      if (t.kw(k, "replica") || t.kw(k, "always")) ++k;
      if ((t.kw(k, "trigger") || t.kw(k, "rule")) && t.name(k + 1) && t.ends_at(k + 2)) return std::nullopt;
    }
    if ((t.kw(j, "enable") || t.kw(j, "force")) && t.kw(j + 1, "row") && t.kw(j + 2, "level") &&
        t.kw(j + 3, "security") && t.ends_at(j + 4))
      return std::nullopt;
    return not_ours;
  }
  if (t.kw(0, "alter") && t.kw(1, "domain")) {
    std::size_t k = t.qname(2);
    if (k != npos && add_constraint(t, k)) return banned_calls(t);
  }
  return not_ours;
}

// A statement of an owners frame: ALTER ... OWNER TO.
std::optional<std::string> check_owners(const toks& t) {
  const std::size_t n = t.size();
  if (t.kw(0, "do")) return check_do(t, {do_kind::role_setting});
  static const std::set<std::string> kinds = {"schema",   "type",     "domain", "function", "procedure", "aggregate",
                                              "table",    "view",     "sequence", "statistics", "materialized"};
  if (t.kw(0, "alter") && t.size() >= 6 && t.w[1].what == wk::ident && kinds.count(t.w[1].value) &&
      t.kw(n - 4, "owner") && t.kw(n - 3, "to") && t.name(n - 2) && t.find_kw(2, "owner") == n - 4)
    return banned_calls(t);
  return not_ours;
}

// A statement of a privileges frame: GRANT / REVOKE on objects, ALTER DEFAULT PRIVILEGES.
std::optional<std::string> check_privileges(const toks& t) {
  const std::size_t n = t.size();
  static const std::set<std::string> objects = {"table", "sequence", "function", "procedure", "schema",
                                                "type",  "domain"};
  static const std::set<std::string> defaults = {"tables", "sequences", "functions", "types", "schemas", "routines"};
  auto grant_shape = [&](std::size_t g, const std::set<std::string>& kinds) -> std::optional<std::string> {
    bool grant = t.kw(g, "grant");
    if (!grant && !t.kw(g, "revoke")) return not_ours;
    std::size_t on = t.find_kw(g + 1, "on");
    if (on == npos)
      return "a GRANT or REVOKE of role membership (immichbak grants privileges on objects only)";
    if (!(on + 1 < n && t.w[on + 1].what == wk::ident && kinds.count(t.w[on + 1].value)) || t.kw(on + 2, "all") ||
        t.kw(on + 2, "in"))
      return "a GRANT or REVOKE on something immichbak does not grant on";
    if (t.find_kw(on, grant ? "to" : "from") == npos) return not_ours;
    return banned_calls(t);
  };
  if (t.kw(0, "grant") || t.kw(0, "revoke")) return grant_shape(0, objects);
  if (t.kw(0, "alter") && t.kw(1, "default") && t.kw(2, "privileges") && t.kw(3, "for") &&
      (t.kw(4, "role") || t.kw(4, "user")) && t.name(5)) {
    std::size_t g = 6;
    if (t.kw(6, "in") && t.kw(7, "schema") && t.name(8)) g = 9;
    return grant_shape(g, defaults);
  }
  return not_ours;  // SET / RESET SESSION AUTHORIZATION are handled by the caller
}

// Why the statement is not allowed in `sec`; nullopt when it is. `t` are its tokens.
std::optional<std::string> check_statement(section sec, const std::string& text, const toks& t) {
  if (t.size() == 0 || !t.sym(t.size() - 1, ';')) return "not a complete statement";
  if (sec == section::header) {
    if (header_statements().count(text)) return std::nullopt;
    return "not one of the header's session settings";
  }
  if (sec == section::clean) {
    // Exactly what the writer's clean unit holds (format 1.1, gzip variant).
    if (t.kw(0, "drop") && (t.kw(1, "extension") || t.kw(1, "schema")) && t.kw(2, "if") && t.kw(3, "exists") &&
        t.name(4) && t.kw(5, "cascade") && t.ends_at(6))
      return std::nullopt;
    return "not DROP EXTENSION / SCHEMA IF EXISTS name CASCADE";
  }
  if (is_comment(t)) return banned_calls(t);
  switch (sec) {
    case section::header:
    case section::clean: break;
    case section::pre_data: return check_pre_data(t);
    case section::indexes: return check_indexes(t);
    case section::foreign_keys: return check_foreign_keys(t);
    case section::final_: return check_final(t);
    case section::owners: return check_owners(t);
    case section::privileges: return check_privileges(t);
  }
  return not_ours;
}

section section_of(const manifest_frame& f) {
  switch (f.kind) {
    case frame_kind::header: return section::header;
    case frame_kind::clean: return section::clean;
    case frame_kind::pre_data: return section::pre_data;
    case frame_kind::post_data:
      return f.phase == post_phase::indexes        ? section::indexes
             : f.phase == post_phase::foreign_keys ? section::foreign_keys
                                                   : section::final_;
    case frame_kind::owners: return section::owners;
    case frame_kind::privileges: return section::privileges;
    case frame_kind::data: break;
  }
  return section::final_;
}

}  // namespace

std::optional<std::string> check_frame_statements(const manifest_frame& frame, std::string_view plain) {
  if (frame.kind == frame_kind::data) return "a data frame holds COPY data, not statements";
  const section sec = section_of(frame);
  if (plain.find('\0') != std::string_view::npos) return fmt::format("{} holds a NUL byte", section_name(sec));
  collected c;
  try {
    collector h(c);
    sqlscript::splitter sp(h);
    sp.feed(plain);
    sp.finish();
  } catch (const error& e) {
    return fmt::format("{} does not split into complete statements: {}", section_name(sec), e.what());
  }
  if (c.copy) return fmt::format("line {}: {} holds a COPY ... FROM stdin block", c.copy_line, section_name(sec));
  for (const auto& m : c.metas) {
    std::string args = m.args;
    while (!args.empty() && (args.back() == ' ' || args.back() == '\t')) args.pop_back();
    if (sec == section::header && m.name == "set" && args == "ON_ERROR_STOP on" && !m.inside_statement) continue;
    return fmt::format("line {}: {} holds the psql meta-command \\{} (immichbak writes none there)", m.line,
                       section_name(sec), shorten(m.name + (args.empty() ? "" : " " + args)));
  }
  std::string session_role;  // privileges: inside SET SESSION AUTHORIZATION ... RESET
  for (const auto& s : c.statements) {
    toks t = tokens(s.text);
    std::optional<std::string> why;
    if (sec == section::privileges && t.kw(0, "set") && t.kw(1, "session") && t.kw(2, "authorization")) {
      // acl_statements(): a grant by another role than the owner is made as that role.
      if (!session_role.empty()) why = "a second SET SESSION AUTHORIZATION before the RESET";
      else if (!(t.name(3) && t.ends_at(4))) why = "not SET SESSION AUTHORIZATION \"role\"";
      else session_role = t.w[3].value;
    } else if (sec == section::privileges && t.kw(0, "reset") && t.kw(1, "session") && t.kw(2, "authorization")) {
      if (session_role.empty() || !t.ends_at(3)) why = "a RESET SESSION AUTHORIZATION without its SET";
      else session_role.clear();
    } else {
      why = check_statement(sec, s.text, t);
    }
    if (why)
      return fmt::format("line {}: \"{}\" in {}: {}", s.line, shorten(s.text), section_name(sec), *why);
  }
  if (!session_role.empty())
    return fmt::format("{} ends inside SET SESSION AUTHORIZATION \"{}\" (no RESET)", section_name(sec), session_role);
  return std::nullopt;
}

copy_line parse_copy_line(std::string_view line, std::string_view schema, std::string_view table) {
  copy_line r;
  const std::string prefix = "COPY " + util::sql::qualified(schema, table);
  auto bad = [&](std::string what) {
    r.ok = false;
    r.problem = fmt::format("{}: \"{}\"", what, shorten(line, 80));
    return r;
  };
  if (line.substr(0, prefix.size()) != prefix)
    return bad(fmt::format("the first line is not a COPY statement for {}.{}", schema, table));
  std::string_view rest = line.substr(prefix.size());
  constexpr std::string_view tail = " FROM stdin;";
  if (rest == tail) {
    r.ok = true;
    return r;
  }
  if (rest.substr(0, 2) != " (") return bad("the COPY statement has no column list");
  std::size_t i = 2;
  for (;;) {
    // One quoted identifier: "..." with "" for a quote inside.
    if (i >= rest.size() || rest[i] != '"') return bad("the COPY column list is malformed");
    ++i;
    bool closed = false;
    while (i < rest.size()) {
      char c = rest[i];
      if (c == '\0' || c == '\n' || c == '\r') return bad("the COPY column list holds a control character");
      if (c == '"') {
        if (i + 1 < rest.size() && rest[i + 1] == '"') {
          i += 2;
          continue;
        }
        ++i;
        closed = true;
        break;
      }
      ++i;
    }
    if (!closed) return bad("the COPY column list has an unterminated name");
    ++r.count;
    if (rest.substr(i, 2) == ", ") {
      i += 2;
      continue;
    }
    if (i < rest.size() && rest[i] == ')') {
      ++i;
      break;
    }
    return bad("the COPY column list is malformed");
  }
  if (rest.substr(i) != tail) return bad("the COPY statement does not end in \") FROM stdin;\"");
  r.ok = true;
  r.columns = std::string(rest.substr(1, i - 1));
  return r;
}

}  // namespace immichbak::sqlscript
