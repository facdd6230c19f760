#include "load/content_check.hpp"

#include <immichbak/error.hpp>

#include "format/content_hash.hpp"
#include "pg/connection.hpp"
#include "util/sql_quote.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

namespace immichbak::load {

namespace {

struct catalog_table {
  char relkind = 'r';
  std::vector<std::string> columns;  // non-generated, attnum order
  std::string ext_filter;            // extension config table: its WHERE condition
  bool ext_config = false;
};

std::map<table_key, catalog_table> read_catalog(pg::connection& c) {
  std::map<table_key, catalog_table> out;
  // attgenerated exists from PostgreSQL 12; before that no column is generated.
  std::string generated = c.server_version() >= 120000 ? "AND a.attgenerated = ''" : "";
  auto r = c.exec(fmt::format(
      "SELECT n.nspname, c.relname, c.relkind::text, a.attname "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped {} "
      "WHERE c.relkind IN ('r', 'p', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "ORDER BY n.nspname, c.relname, a.attnum",
      generated));
  for (int i = 0; i < r.rows(); ++i) {
    auto& t = out[{r.str(i, 0), r.str(i, 1)}];
    t.relkind = r.get(i, 2).empty() ? 'r' : r.get(i, 2)[0];
    if (!r.is_null(i, 3)) t.columns.push_back(r.str(i, 3));
  }
  auto e = c.exec(
      "SELECT n.nspname, c.relname, COALESCE(e.extcondition[cfg.i], '') "
      "FROM pg_catalog.pg_extension e "
      "CROSS JOIN LATERAL unnest(e.extconfig) WITH ORDINALITY AS cfg(reloid, i) "
      "JOIN pg_catalog.pg_class c ON c.oid = cfg.reloid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace");
  for (int i = 0; i < e.rows(); ++i) {
    auto it = out.find({e.str(i, 0), e.str(i, 1)});
    if (it == out.end()) continue;
    it->second.ext_config = true;
    it->second.ext_filter = e.str(i, 2);
  }
  return out;
}

void judge(table_check& r, const format::content_hash& actual, const char* whose) {
  r.actual_rows = actual.rows();
  r.actual_hash = actual.hex();
  if (r.actual_rows != r.expected_rows)
    r.detail = fmt::format("rows: the backup has {}, {} {}", r.expected_rows, whose, r.actual_rows);
  else if (!r.expected_hash.empty() && r.actual_hash != r.expected_hash)
    r.detail = fmt::format("content hash differs ({} rows each): the backup has {}, {} {}", r.actual_rows,
                           r.expected_hash, whose, r.actual_hash);
  else
    r.ok = true;
}

std::string column_list(const std::vector<std::string>& cols) {
  std::string out;
  for (const auto& c : cols) {
    if (!out.empty()) out += ", ";
    out += util::sql::ident(c);
  }
  return out;
}

}  // namespace

std::vector<table_check> check_content(const manifest& m, const std::map<table_key, std::string>& copy_columns,
                                       const std::vector<pg::connection*>& sessions, run_control& state, reporter& rep,
                                       const std::function<bool(const manifest_table&)>& selected) {
  if (sessions.empty()) throw error(errc::internal, "check_content without sessions");
  // Output functions of reg* types qualify names by the search path: read with the
  // backup's (empty) one, as the hash was computed.
  for (auto* s : sessions) s->exec("SELECT pg_catalog.set_config('search_path', '', false)");
  auto catalog = read_catalog(*sessions[0]);

  std::vector<const manifest_table*> todo;
  for (const auto& t : m.tables)
    if (!t.data_excluded && (!selected || selected(t))) todo.push_back(&t);
  std::stable_sort(todo.begin(), todo.end(),
                   [](const manifest_table* a, const manifest_table* b) { return a->plain_bytes > b->plain_bytes; });

  std::vector<table_check> out(todo.size());
  rep.phase("check", todo.size());
  for_each_parallel(todo.size(), sessions, state, [&](pg::connection& c, std::size_t i) {
    const manifest_table& t = *todo[i];
    table_check& r = out[i];
    r.schema = t.schema;
    r.table = t.name;
    r.expected_rows = t.rows;
    r.expected_hash = t.content_hash;
    auto cat = catalog.find({t.schema, t.name});
    if (cat == catalog.end()) {
      r.detail = "the table is missing from the restored database";
      rep.item_done(t.schema + "." + t.name, 0, 0);
      return;
    }
    std::string qualified = util::sql::qualified(t.schema, t.name);
    std::string cols;
    if (auto it = copy_columns.find({t.schema, t.name}); it != copy_columns.end()) {
      // "(\"a\", \"b\")" as in the data frame; strip the parentheses for a SELECT list.
      cols = it->second.size() >= 2 ? it->second.substr(1, it->second.size() - 2) : std::string();
    } else {
      cols = column_list(cat->second.columns);
    }
    std::string copy;
    if (cat->second.relkind == 'r' && cat->second.ext_filter.empty()) {
      copy = fmt::format("COPY {}{} TO STDOUT", qualified, cols.empty() ? "" : " (" + cols + ")");
    } else {
      // Partitioned tables, views of data and extension config tables (read through the
      // extension's filter, as the backup did) need the query form.
      copy = fmt::format("COPY (SELECT {} FROM {}{}{}) TO STDOUT", cols, cat->second.relkind == 'r' ? "ONLY " : "",
                         qualified,
                         cat->second.ext_filter.empty() ? "" : " " + cat->second.ext_filter);
    }
    format::content_hash h;
    c.copy_out(copy, [&](std::string_view row) {
      if (!row.empty() && row.back() == '\n') row.remove_suffix(1);
      h.add_row(row);
    });
    judge(r, h, "the restored table");
    rep.item_done(t.schema + "." + t.name, 0, r.actual_rows);
  });
  return out;
}

std::vector<table_check> check_loaded(const manifest& m, const load_result& loaded,
                                      const std::function<bool(const manifest_table&)>& selected) {
  std::vector<table_check> out;
  for (const auto& t : m.tables) {
    if (t.data_excluded || (selected && !selected(t))) continue;
    table_check& r = out.emplace_back();
    r.schema = t.schema;
    r.table = t.name;
    r.expected_rows = t.rows;
    r.expected_hash = t.content_hash;
    auto it = loaded.loaded_hashes.find({t.schema, t.name});
    judge(r, it == loaded.loaded_hashes.end() ? format::content_hash{} : it->second, "the restore loaded");
  }
  return out;
}

void throw_if_check_failed(const std::vector<table_check>& checks) {
  std::vector<const table_check*> bad;
  for (const auto& c : checks)
    if (!c.ok) bad.push_back(&c);
  if (bad.empty()) return;
  std::string list;
  std::size_t shown = 0;
  for (const auto* c : bad) {
    if (shown == 5) {
      list += fmt::format("; and {} more", bad.size() - shown);
      break;
    }
    if (!list.empty()) list += "; ";
    list += fmt::format("{}.{}: {}", c->schema, c->table, c->detail);
    ++shown;
  }
  throw error(errc::restore_check_failed,
              fmt::format("the restored data differs from the backup in {} table{} ({}); the target database was "
                          "not changed",
                          bad.size(), bad.size() == 1 ? "" : "s", list));
}

}  // namespace immichbak::load
