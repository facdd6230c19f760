#pragma once
// Which Immich release and schema level a database is at. Queries run inside the backup's
// snapshot transaction, so they must never fail: every table and column is checked in the
// catalog (and for SELECT privilege) before it is read, because one error would abort the
// whole transaction.

#include <string>

namespace immichbak::pg {
class connection;
}

namespace immichbak::immich {

/// Newest `public.version_history.version` by "createdAt", or "" when absent/unreadable.
std::string version(pg::connection& conn);

/// Newest migration: max(name) of `public.kysely_migrations` (names start with a
/// timestamp), else the newest TypeORM `public.migrations` row by "timestamp"; "" when none.
std::string migration(pg::connection& conn);

}  // namespace immichbak::immich
