#pragma once
// Pure planning of the data phase: which COPY statements to run, cut how, in what order.
// No server access here, so it is unit-tested (tests/unit/test_backup_items.cpp).

#include "schema/dump_plan.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace immichbak::backup_detail {

/// One COPY that a worker runs: a whole table, or one ctid range of a big table.
struct work_item {
  std::size_t table_index = 0;    ///< into dump_plan::tables
  std::string copy_sql;           ///< COPY ... TO STDOUT
  std::uint64_t estimated_bytes = 0;
  /// ctid range in pages: [first_page, end_page); end_page 0 means open-ended. Both 0 when
  /// the item is the whole table.
  std::uint64_t first_page = 0;
  std::uint64_t end_page = 0;
  bool ranged = false;
};

// Why ranged items run with the source database's search_path: planning a SELECT on a
// table loads its index expressions, and the planner inlines SQL functions in them. Old
// Immich schemas index `ll_to_earth(...)`, whose body names the earthdistance type
// unqualified; with the empty search_path of the COPY sessions the plan fails ("type
// earth does not exist"). A plain `COPY t TO STDOUT` is not planned and has no such
// problem. The values' text does not depend on search_path except for reg* types, so
// tables with such columns are never split (see splittable_check_sql).

struct item_options {
  std::uint64_t split_table_bytes = 256u << 20;
  int server_version = 0;          ///< ctid range scans need 14+
  /// Tables (by index) that must not be split although they are big; may be empty.
  std::vector<bool> no_split;
};

/// True when the table is big enough to be split and nothing rules it out by shape.
bool split_candidate(const schema::table_data& t, const item_options& options);

/// The COPY text header line of a data frame: `COPY "s"."t" ("a", "b") FROM stdin;\n`.
std::string copy_from_header(const schema::table_data& t);

/// The column list without its parentheses ("a", "b"), or "" for a table without columns.
std::string select_list(const schema::table_data& t);

/// The table's WHERE clause for extension config tables ("WHERE ..."), or "".
std::string filter_clause(const schema::table_data& t);

/// COPY ... TO STDOUT for the whole table (using the filter when there is one).
std::string copy_to_sql(const schema::table_data& t);

/// SELECT of the rows on pages [first_page, end_page) (end_page 0: to the end).
std::string range_select_sql(const schema::table_data& t, std::uint64_t first_page, std::uint64_t end_page);

/// COPY (range_select_sql) TO STDOUT.
std::string copy_range_sql(const schema::table_data& t, std::uint64_t first_page, std::uint64_t end_page);

/// Work items for every table whose data is dumped, biggest first (stable for equal sizes).
/// Tables above split_table_bytes (server 14+, no filter, known relpages >= 2) become
/// several ctid ranges of about split_table_bytes each; the last range is open-ended so
/// rows on pages added since the statistics were taken are not lost.
std::vector<work_item> make_work_items(const std::vector<schema::table_data>& tables, const item_options& options);

}  // namespace immichbak::backup_detail
