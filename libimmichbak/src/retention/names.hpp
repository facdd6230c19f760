#pragma once
// File names in a backup directory: immichbak's own (backup/file_name writes them:
// PREFIX-YYYYMMDDTHHMMSSZ[-N].sql[.zst|.gz], UTC), Immich's own backups, and the files that
// go with a backup (sidecar, verify record, their temporaries).

#include "util/utc_time.hpp"

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace immichbak::retention {

struct backup_name {
  std::string prefix;
  std::time_t time = 0;  ///< UTC, from the name
  int suffix = 0;        ///< N of "-N", 0 without
};
/// PREFIX-YYYYMMDDTHHMMSSZ[-N].sql, .sql.zst or .sql.gz, with a valid date; nullopt otherwise.
std::optional<backup_name> parse_backup_name(std::string_view name);

struct immich_name {
  std::time_t time = 0;        ///< the name's time, read as local time (Immich's clock)
  std::string immich_version;  ///< "v1.135.0"; empty in the older form
  std::string server_version;  ///< "15.18"; empty in the older form
};
/// immich-db-backup-YYYYMMDDTHHMMSS-v<immich>-pg<pg>.sql.gz, or the older
/// immich-db-backup-<epoch milliseconds>.sql.gz; nullopt otherwise.
std::optional<immich_name> parse_immich_name(std::string_view name);

/// "YYYY-MM-DDTHH:MM:SSZ" (the manifest's created_at) and back: util/utc_time, shared with run/.
using util::iso8601_utc;
using util::parse_iso8601_utc;
/// "2025-06-15 04:00:00 +0200": local time with its offset, for people.
std::string local_time_text(std::time_t t);

inline bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

}  // namespace immichbak::retention
