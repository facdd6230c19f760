#pragma once
// Telling a plain SQL script (pg_dump output, Immich's own .sql.gz backups) from other
// files, for restore()'s dispatch when the input is not an immichbak backup.

#include <filesystem>

namespace immichbak::restore_detail {

/// True for names ending in .sql, .sql.gz or .sql.zst, for gzip/zstd-compressed files,
/// and for text that starts like SQL (comments, SET, CREATE, BEGIN, SELECT, psql's \connect).
bool looks_like_sql_script(const std::filesystem::path& file);

}  // namespace immichbak::restore_detail
