#pragma once
// Names of backup files: DIR/PREFIX-YYYYMMDDTHHMMSSZ.sql.zst (or .sql), with -1, -2 ...
// before the extension when a backup of the same second already exists.

#include <immichbak/backup.hpp>

#include <ctime>
#include <filesystem>
#include <string>

namespace immichbak::backup_detail {

/// "YYYYMMDDTHHMMSSZ" for a UTC time.
std::string file_timestamp(std::time_t utc);
/// "YYYY-MM-DDTHH:MM:SSZ" (ISO 8601, UTC).
std::string iso8601(std::time_t utc);

/// ".sql.zst" or ".sql".
const char* file_extension(compression c);

/// The candidate name for attempt `n` (0: no suffix, n: "-n").
std::filesystem::path backup_file_name(const std::filesystem::path& dir, const std::string& prefix,
                                       std::time_t utc, compression c, int n);

/// True when `path`, its sidecar or its .partial exists (a name that must not be reused).
bool name_taken(const std::filesystem::path& path);

}  // namespace immichbak::backup_detail
