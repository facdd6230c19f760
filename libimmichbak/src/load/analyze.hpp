#pragma once
// ANALYZE after a load, and autovacuum kept off the tables during it.
//
// A freshly loaded database has no planner statistics, and Immich's first queries would
// plan badly without them. A full ANALYZE samples 300 x the statistics target rows of
// every table; on embedding columns (hundreds of numbers a row) that was a fifth of a
// whole restore's server time. So the restore does what PostgreSQL advises after
// pg_upgrade (`vacuumdb --analyze-in-stages`): quick statistics now, the full ones later.
// The quick pass names the table's columns at statistics target 10 (or the server's, if
// lower); an ANALYZE with a column list leaves the table's changes-since-analyze counter
// alone, so autovacuum analyzes the table again at the full target within a minute or so
// of the restore. Where autovacuum never would (autovacuum or track_counts off,
// autovacuum_enabled=false on the table, partitioned and inheritance parents), the full
// ANALYZE runs at once.

#include "load/loader.hpp"

#include <string>
#include <vector>

namespace immichbak::pg {
class connection;
}

namespace immichbak::load {

struct analyze_step {
  table_key table;
  std::string sql;      ///< ANALYZE "s"."t" [(columns)]
  int quick_target = 0; ///< statistics target for a quick step; 0: the session's default (full)
};

/// One step per table, from the catalog of the database `c` is connected to. Tables
/// that no longer exist are left out.
std::vector<analyze_step> plan_analyze(pg::connection& c, const std::vector<table_key>& tables);

/// Runs a step on `c`, setting the session's statistics target for it.
void run_analyze(pg::connection& c, const analyze_step& step);

/// Keeps autovacuum off the tables while they load. Every data frame commits on its own,
/// so autovacuum would otherwise VACUUM and ANALYZE (at the full target) half-loaded
/// tables again and again, taking server CPU from the load for statistics that are thrown
/// away; in the benchmark our restores used ~45 s of server CPU where psql's used ~27.
/// pause() sets autovacuum_enabled = false (and toast.) on each table that does not set it
/// itself; resume() resets exactly those, leaving the reloptions as the backup made them.
class autovacuum_pause {
 public:
  void pause(pg::connection& c, const std::vector<table_key>& tables);
  void resume(pg::connection& c);

 private:
  std::vector<std::pair<table_key, std::string>> paused_;  ///< table, the RESET list
};

}  // namespace immichbak::load
