#include "load/analyze.hpp"

#include "pg/connection.hpp"
#include "util/sql_quote.hpp"

#include <algorithm>
#include <map>
#include <regex>

namespace immichbak::load {

namespace {

constexpr int quick_statistics_target = 10;

bool sets_autovacuum(const std::string& reloptions) {
  static const std::regex any(R"((^|[{,])autovacuum_enabled=)", std::regex::icase);
  return std::regex_search(reloptions, any);
}

// Row number of each (schema, table) in a result whose first two columns name it.
std::map<table_key, int> rows_by_table(const pg::result& r) {
  std::map<table_key, int> out;
  for (int i = 0; i < r.rows(); ++i) out[{r.str(i, 0), r.str(i, 1)}] = i;
  return out;
}

// PostgreSQL's parse_bool() spellings of false, as reloptions keep them.
bool autovacuum_disabled_by(const std::string& reloptions) {
  static const std::regex off(R"((^|[{,])autovacuum_enabled=(f|fa|fal|fals|false|n|no|of|off|0)([,}]|$))",
                              std::regex::icase);
  return std::regex_search(reloptions, off);
}

}  // namespace

std::vector<analyze_step> plan_analyze(pg::connection& c, const std::vector<table_key>& tables) {
  auto g = c.exec(
      "SELECT pg_catalog.current_setting('autovacuum') = 'on' AND pg_catalog.current_setting('track_counts') = 'on', "
      "pg_catalog.current_setting('default_statistics_target')::int");
  const bool autovacuum = g.get(0, 0) == "t";
  const int target = std::min(quick_statistics_target, std::max(1, static_cast<int>(g.i64(0, 1))));

  auto r = c.exec(
      "SELECT n.nspname, c.relname, c.relkind::text, c.relhassubclass, COALESCE(c.reloptions::text, ''), "
      "(SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) "
      " FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')");
  const auto row_of = rows_by_table(r);

  std::vector<analyze_step> steps;
  for (const auto& t : tables) {
    auto it = row_of.find(t);
    if (it == row_of.end()) continue;
    const int i = it->second;
    analyze_step s;
    s.table = t;
    s.sql = "ANALYZE " + util::sql::qualified(t.first, t.second);
    const bool parent = r.get(i, 2) == "p" || r.get(i, 3) == "t";
    const bool autovacuum_will = autovacuum && !parent && !autovacuum_disabled_by(r.str(i, 4)) && !r.is_null(i, 5);
    if (autovacuum_will) {
      s.sql += " (" + r.str(i, 5) + ")";
      s.quick_target = target;
    }
    steps.push_back(std::move(s));
  }
  return steps;
}

void run_analyze(pg::connection& c, const analyze_step& step) {
  c.exec(step.quick_target > 0 ? "SET default_statistics_target = " + std::to_string(step.quick_target)
                               : std::string("RESET default_statistics_target"));
  c.exec(step.sql);
}

void autovacuum_pause::pause(pg::connection& c, const std::vector<table_key>& tables) {
  auto r = c.exec(
      "SELECT n.nspname, c.relname, COALESCE(c.reloptions::text, ''), t.oid IS NOT NULL, "
      "COALESCE(t.reloptions::text, '') "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid "
      "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')");
  const auto row_of = rows_by_table(r);
  for (const auto& t : tables) {
    auto it = row_of.find(t);
    if (it == row_of.end()) continue;
    const int i = it->second;
    // A table that sets the option itself keeps it untouched (re-setting would reorder
    // its reloptions, and pg_dump would show the difference).
    std::vector<std::string> keys;
    if (!sets_autovacuum(r.str(i, 2))) keys.emplace_back("autovacuum_enabled");
    if (r.get(i, 3) == "t" && !sets_autovacuum(r.str(i, 4))) keys.emplace_back("toast.autovacuum_enabled");
    if (keys.empty()) continue;
    std::string set, reset;
    for (const auto& k : keys) {
      set += (set.empty() ? "" : ", ") + k + " = false";
      reset += (reset.empty() ? "" : ", ") + k;
    }
    c.exec("ALTER TABLE " + util::sql::qualified(t.first, t.second) + " SET (" + set + ")");
    paused_.emplace_back(t, reset);
  }
}

void autovacuum_pause::resume(pg::connection& c) {
  for (const auto& [t, reset] : paused_)
    c.exec("ALTER TABLE " + util::sql::qualified(t.first, t.second) + " RESET (" + reset + ")");
  paused_.clear();
}

}  // namespace immichbak::load
