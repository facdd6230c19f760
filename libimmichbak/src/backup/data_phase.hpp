#pragma once
// The data phase: N sessions share the leader's snapshot and stream work items through
// COPY into data frames. Memory per worker is one chunk buffer (plus the writer's
// compression buffer): no table is ever held whole.

#include "backup/work_items.hpp"
#include "copytext/binary_render.hpp"
#include "format/content_hash.hpp"
#include "pg/run_control.hpp"
#include "schema/dump_plan.hpp"
#include "util/reporter.hpp"

#include <immichbak/events.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace immichbak::format {
class backup_writer;
}

namespace immichbak::backup_detail {

using util::reporter;
using pg::run_control;
using pg::stopped_signal;

/// What a table's work items added up to.
struct table_totals {
  format::content_hash hash;
  std::uint64_t rows = 0;
  std::uint64_t plain_bytes = 0;
  std::uint64_t stored_bytes = 0;
  std::uint64_t frames = 0;
  int items_left = 0;
};

struct data_phase_options {
  std::string dsn;
  std::string snapshot;              ///< pg_export_snapshot() of the leader
  std::string worker_setup_sql;      ///< session settings + lock_timeout, run before BEGIN
  std::string range_search_path;     ///< search_path for ranged items (work_items.hpp says why)
  int jobs = 1;
  std::size_t chunk_bytes = 4u << 20;
  const event_sink* session_events = nullptr;  ///< for the workers' server notices
  /// Per table (indexed like `tables`): its COPY columns' kinds when it is read with binary
  /// COPY and rendered here (copytext/binary_plan.hpp), or empty for text COPY. May be
  /// empty as a whole: every table on text COPY.
  std::vector<std::vector<copytext::render_kind>> binary_columns;
};

/// Runs every item. Worker 0 uses `leader` (already inside the snapshot); workers 1..jobs-1
/// open their own sessions. Returns per-table totals (indexed like `tables`); on failure
/// the error is recorded in `control` and the returned totals are meaningless.
std::vector<table_totals> run_data_phase(pg::connection& leader, const std::vector<schema::table_data>& tables,
                                         const std::vector<work_item>& items, format::backup_writer& writer,
                                         run_control& control, reporter& report, const data_phase_options& options);

}  // namespace immichbak::backup_detail
