#include "backup/work_items.hpp"

#include "util/sql_quote.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace immichbak::backup_detail {

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool starts_with_where(const std::string& s) {
  if (s.size() < 5) return false;
  for (size_t i = 0; i < 5; ++i)
    if (std::toupper(static_cast<unsigned char>(s[i])) != "WHERE"[i]) return false;
  return s.size() == 5 || (!std::isalnum(static_cast<unsigned char>(s[5])) && s[5] != '_');
}

std::string tid(std::uint64_t page) { return fmt::format("'({},0)'::pg_catalog.tid", page); }

// Qualified operators: ranged items run with the source's search_path (work_items.hpp),
// where a user-defined operator must not be able to change what the range means.
constexpr const char* op_ge = " OPERATOR(pg_catalog.>=) ";
constexpr const char* op_lt = " OPERATOR(pg_catalog.<) ";

}  // namespace

std::string select_list(const schema::table_data& t) {
  std::string cols = trim(t.copy_columns);
  if (cols.size() >= 2 && cols.front() == '(' && cols.back() == ')') cols = trim(cols.substr(1, cols.size() - 2));
  return cols;
}

std::string copy_from_header(const schema::table_data& t) {
  std::string cols = select_list(t);
  if (cols.empty()) return fmt::format("COPY {} FROM stdin;\n", util::sql::qualified(t.schema, t.name));
  return fmt::format("COPY {} ({}) FROM stdin;\n", util::sql::qualified(t.schema, t.name), cols);
}

std::string filter_clause(const schema::table_data& t) {
  std::string f = trim(t.filter);
  if (f.empty()) return {};
  if (starts_with_where(f)) return f;
  return "WHERE " + f;
}

std::string copy_to_sql(const schema::table_data& t) {
  std::string cols = select_list(t);
  std::string where = filter_clause(t);
  if (where.empty() && !cols.empty())
    return fmt::format("COPY {} ({}) TO STDOUT", util::sql::qualified(t.schema, t.name), cols);
  if (where.empty()) return fmt::format("COPY {} TO STDOUT", util::sql::qualified(t.schema, t.name));
  // ONLY: an extension config table's rows are its own, not its inheritance children's
  // (the same as pg_dump).
  return fmt::format("COPY (SELECT {} FROM ONLY {} {}) TO STDOUT", cols, util::sql::qualified(t.schema, t.name), where);
}

std::string range_select_sql(const schema::table_data& t, std::uint64_t first_page, std::uint64_t end_page) {
  std::string cond = "ctid" + std::string(op_ge) + tid(first_page);
  if (end_page != 0) cond += " AND ctid" + std::string(op_lt) + tid(end_page);
  return fmt::format("SELECT {} FROM ONLY {} WHERE {}", select_list(t), util::sql::qualified(t.schema, t.name), cond);
}

std::string copy_range_sql(const schema::table_data& t, std::uint64_t first_page, std::uint64_t end_page) {
  return "COPY (" + range_select_sql(t, first_page, end_page) + ") TO STDOUT";
}

bool split_candidate(const schema::table_data& t, const item_options& options) {
  return !t.data_excluded && options.server_version >= 140000 && options.split_table_bytes > 0 &&
         t.estimated_bytes > options.split_table_bytes && t.filter.empty() && t.relpages >= 2;
}

std::vector<work_item> make_work_items(const std::vector<schema::table_data>& tables, const item_options& options) {
  std::vector<work_item> items;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const auto& t = tables[i];
    if (t.data_excluded) continue;
    bool split = split_candidate(t, options) && !(i < options.no_split.size() && options.no_split[i]);
    if (!split) {
      items.push_back(work_item{i, copy_to_sql(t), t.estimated_bytes, 0, 0, false});
      continue;
    }
    std::uint64_t ranges = (t.estimated_bytes + options.split_table_bytes - 1) / options.split_table_bytes;
    ranges = std::clamp<std::uint64_t>(ranges, 2, t.relpages);
    std::uint64_t pages_per = (t.relpages + ranges - 1) / ranges;
    for (std::uint64_t first = 0; first < t.relpages; first += pages_per) {
      std::uint64_t end = first + pages_per;
      if (end >= t.relpages) end = 0;  // the last range is open-ended
      std::uint64_t pages = (end == 0 ? t.relpages : end) - first;
      work_item w{i, copy_range_sql(t, first, end), t.estimated_bytes * pages / t.relpages, first, end, true};
      items.push_back(std::move(w));
      if (end == 0) break;
    }
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const work_item& a, const work_item& b) { return a.estimated_bytes > b.estimated_bytes; });
  return items;
}

}  // namespace immichbak::backup_detail
