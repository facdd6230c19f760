#pragma once
// The leader's table list and ACCESS SHARE locks. Locks are taken before the schema is
// read (as pg_dump does), so no dumped table can be dropped or altered under the backup;
// a lock that cannot be had within --lock-timeout stops the backup with an error that
// says who holds it.

#include <cstdint>
#include <string>
#include <vector>

namespace immichbak::pg {
class connection;
}

namespace immichbak::backup_detail {

struct listed_table {
  std::uint32_t oid = 0;
  std::string schema;
  std::string name;
  bool readable = false;  ///< has_table_privilege(SELECT) for the current role
  bool locked = false;
};

/// Every table whose rows a backup may dump (plain and partitioned tables outside the
/// system schemas, not temporary, not extension members unless extension config tables).
std::vector<listed_table> list_tables(pg::connection& leader);

/// LOCK TABLE ... IN ACCESS SHARE MODE for every readable, not yet locked entry, in
/// batches. On a lock timeout, opens a second session (`dsn`) to find out who holds the
/// conflicting lock and throws error(lock_timeout) naming the table and the holder.
void lock_tables(pg::connection& leader, std::vector<listed_table>& tables, const std::string& dsn,
                 std::int64_t timeout_ms);

}  // namespace immichbak::backup_detail
