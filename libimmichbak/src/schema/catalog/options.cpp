#include "schema/catalog/options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace immichbak::schema::detail {

namespace {

// Autovacuum and vacuum settings a table and its TOAST relation both accept.
constexpr std::array<std::string_view, 17> vacuum_options{
    "autovacuum_enabled",
    "autovacuum_vacuum_threshold",
    "autovacuum_vacuum_max_threshold",          // 18
    "autovacuum_vacuum_insert_threshold",       // 13
    "autovacuum_vacuum_scale_factor",
    "autovacuum_vacuum_insert_scale_factor",    // 13
    "autovacuum_vacuum_cost_delay",
    "autovacuum_vacuum_cost_limit",
    "autovacuum_freeze_min_age",
    "autovacuum_freeze_max_age",
    "autovacuum_freeze_table_age",
    "autovacuum_multixact_freeze_min_age",
    "autovacuum_multixact_freeze_max_age",
    "autovacuum_multixact_freeze_table_age",
    "log_autovacuum_min_duration",
    "vacuum_index_cleanup",
    "vacuum_truncate",
};

// Heap-only settings.
constexpr std::array<std::string_view, 7> table_only_options{
    "fillfactor",
    "autovacuum_analyze_threshold",
    "autovacuum_analyze_scale_factor",
    "toast_tuple_target",
    "parallel_workers",
    "user_catalog_table",
    "vacuum_max_eager_freeze_failure_rate",     // 18
};

constexpr std::array<std::string_view, 3> view_options{"check_option", "security_barrier", "security_invoker"};

constexpr std::array<std::string_view, 2> column_options{"n_distinct", "n_distinct_inherited"};

/// Entries the server writes and manages itself; never user-settable.
constexpr std::array<std::string_view, 1> server_managed{"pg_attver"};

struct am_options {
  std::string_view am;
  std::array<std::string_view, 3> names;
};
// Built-in index access methods. Extension access methods (pgvector's hnsw/ivfflat,
// VectorChord's vchordrq, ...) validate their own options: they are copied as the server
// deparses them.
constexpr std::array<am_options, 6> builtin_index_options{{
    {"btree", {"fillfactor", "deduplicate_items", "vacuum_cleanup_index_scale_factor"}},
    {"hash", {"fillfactor", "", ""}},
    {"gist", {"fillfactor", "buffering", ""}},
    {"spgist", {"fillfactor", "", ""}},
    {"gin", {"fastupdate", "gin_pending_list_limit", ""}},
    {"brin", {"pages_per_range", "autosummarize", ""}},
}};

template <std::size_t N>
bool in(const std::array<std::string_view, N>& names, std::string_view name) {
  return !name.empty() && std::find(names.begin(), names.end(), name) != names.end();
}

std::string_view option_name(std::string_view option) { return option.substr(0, option.find('=')); }

const char* target_label(option_target t) {
  switch (t) {
    case option_target::table: return "storage parameter";
    case option_target::toast: return "TOAST storage parameter";
    case option_target::view: return "view option";
    case option_target::column: return "column option";
    case option_target::index: return "index storage parameter";
  }
  return "option";
}

}  // namespace

std::string_view classify_option(option_target target, std::string_view name, std::string_view access_method) {
  if (in(server_managed, name)) return "drop";
  bool known = false;
  switch (target) {
    case option_target::table: known = in(vacuum_options, name) || in(table_only_options, name); break;
    case option_target::toast: known = in(vacuum_options, name); break;
    case option_target::view: known = in(view_options, name); break;
    case option_target::column: known = in(column_options, name); break;
    case option_target::index: {
      auto am = std::find_if(builtin_index_options.begin(), builtin_index_options.end(),
                             [&](const am_options& a) { return a.am == access_method; });
      known = am == builtin_index_options.end() || in(am->names, name);
      break;
    }
  }
  return known ? "keep" : "unknown";
}

std::vector<std::string> user_settable_options(read_context& ctx, option_target target,
                                               const std::vector<std::string>& options, const std::string& object,
                                               std::string_view access_method) {
  std::vector<std::string> kept;
  for (const auto& o : options) {
    auto verdict = classify_option(target, option_name(o), access_method);
    if (verdict == "keep") {
      kept.push_back(o);
    } else if (verdict == "unknown") {
      ctx.refuse(fmt::format("{} {}", target_label(target), option_name(o)), object,
                 "this PostgreSQL stores an option immichbak does not know; it cannot tell whether a user set it or "
                 "the server manages it, so it will not guess. Remove the option if you set it (ALTER ... RESET), or "
                 "update immichbak");
    }
  }
  return kept;
}

}  // namespace immichbak::schema::detail
