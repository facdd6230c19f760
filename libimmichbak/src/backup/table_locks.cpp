#include "backup/table_locks.hpp"

#include "pg/connection.hpp"
#include "util/sql_quote.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

namespace immichbak::backup_detail {

namespace {

constexpr std::size_t lock_batch = 200;

std::string oid_array(const std::vector<const listed_table*>& batch) {
  std::string s = "{";
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(batch[i]->oid);
  }
  return s + "}";
}

// Who holds (or waits for) the ACCESS EXCLUSIVE lock that blocked us. Best effort: the
// leader's transaction is already aborted, so this runs on a fresh session.
std::string describe_blocker(const std::string& dsn, const std::vector<const listed_table*>& batch,
                             int leader_pid, std::string* table_out) {
  try {
    pg::connection diag(dsn);
    auto r = diag.exec(
        "SELECT l.relation::oid::text, l.mode, l.granted, a.pid, coalesce(a.usename::text, ''), "
        "       coalesce(a.application_name, ''), coalesce(a.state, ''), "
        "       coalesce(pg_catalog.left(pg_catalog.regexp_replace(a.query, '\\s+', ' ', 'g'), 120), '') "
        "FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_catalog.pg_database "
        "                                                WHERE datname = pg_catalog.current_database()) "
        "  AND l.relation = ANY($1::oid[]) AND l.mode = 'AccessExclusiveLock' AND l.pid <> $2 "
        "ORDER BY l.granted DESC, a.xact_start LIMIT 1",
        {oid_array(batch), std::to_string(leader_pid)});
    if (r.rows() == 0) return {};
    std::uint32_t oid = static_cast<std::uint32_t>(std::stoul(r.str(0, 0)));
    for (const auto* t : batch)
      if (t->oid == oid) *table_out = util::sql::qualified(t->schema, t->name);
    std::string who = fmt::format("pid {}", r.str(0, 3));
    if (!r.str(0, 4).empty()) who += fmt::format(", user {}", r.str(0, 4));
    if (!r.str(0, 5).empty()) who += fmt::format(", application \"{}\"", r.str(0, 5));
    if (!r.str(0, 6).empty()) who += fmt::format(", {}", r.str(0, 6));
    if (!r.str(0, 7).empty()) who += fmt::format(", last query: {}", r.str(0, 7));
    return fmt::format("{} ACCESS EXCLUSIVE ({})", r.boolean(0, 2) ? "held in" : "waiting for", who);
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace

std::vector<listed_table> list_tables(pg::connection& leader) {
  auto r = leader.exec(
      "SELECT c.oid::text, n.nspname, c.relname, pg_catalog.has_table_privilege(c.oid, 'SELECT') "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' "
      "  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
      "  AND n.nspname NOT LIKE 'pg\\_temp\\_%' "
      "  AND (NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
      "                   AND d.objid = c.oid AND d.deptype = 'e') "
      "       OR EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE c.oid = ANY (e.extconfig))) "
      "ORDER BY n.nspname, c.relname");
  std::vector<listed_table> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(listed_table{static_cast<std::uint32_t>(std::stoul(r.str(i, 0))), r.str(i, 1), r.str(i, 2),
                               r.boolean(i, 3), false});
  return out;
}

void lock_tables(pg::connection& leader, std::vector<listed_table>& tables, const std::string& dsn,
                 std::int64_t timeout_ms) {
  std::vector<listed_table*> todo;
  for (auto& t : tables)
    if (t.readable && !t.locked) todo.push_back(&t);
  for (std::size_t start = 0; start < todo.size(); start += lock_batch) {
    std::size_t end = std::min(todo.size(), start + lock_batch);
    std::vector<const listed_table*> batch(todo.begin() + static_cast<std::ptrdiff_t>(start),
                                           todo.begin() + static_cast<std::ptrdiff_t>(end));
    std::string sql = "LOCK TABLE ";
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (i) sql += ", ";
      // ONLY: children and partitions are in the list themselves; locking through the
      // parent would also lock tables we are not dumping.
      sql += "ONLY " + util::sql::qualified(batch[i]->schema, batch[i]->name);
    }
    sql += " IN ACCESS SHARE MODE";
    try {
      leader.exec(sql);
    } catch (const error& e) {
      if (e.code() == errc::lock_timeout) {
        std::string table;
        std::string holder = describe_blocker(dsn, batch, leader.backend_pid(), &table);
        if (table.empty()) {
          table = util::sql::qualified(batch.front()->schema, batch.front()->name);
          if (batch.size() > 1) table = fmt::format("one of {} tables (first {})", batch.size(), table);
        }
        throw error(errc::lock_timeout,
                    fmt::format("could not lock table {} for reading within {:g} s{}; another session {}; "
                                "wait for it to finish (a schema migration or maintenance job) or raise "
                                "--lock-timeout",
                                table, static_cast<double>(timeout_ms) / 1000.0, holder.empty() ? "" : ": " + holder,
                                holder.empty() ? "holds or waits for an ACCESS EXCLUSIVE lock on it"
                                               : "blocks it"),
                    e.sqlstate());
      }
      if (e.sqlstate() == "42P01")
        throw error(errc::query_failed,
                    fmt::format("a table was dropped while the backup started ({}); run the backup again", e.what()),
                    e.sqlstate());
      throw;
    }
    for (std::size_t i = start; i < end; ++i) todo[i]->locked = true;
  }
}

}  // namespace immichbak::backup_detail
