#pragma once
// The media check of verify --restore-test: do the photos the database points at exist on
// this machine, with the content Immich recorded? A deterministic sample of assets (by
// id) is read from the restored copy; each originalPath is mapped from the server's prefix
// to a local one, and the file's SHA-1 compared with asset.checksum.

#include <immichbak/verify.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace immichbak::pg {
class connection;
}

namespace immichbak::verify_detail {

/// The local path of a server path under the longest matching root, or nullopt.
std::optional<std::filesystem::path> map_media_path(const std::string& server_path,
                                                    const std::vector<std::pair<std::string, std::string>>& roots);

/// Hex SHA-1 of a file (streamed); throws error(io_error) when unreadable.
std::string file_sha1_hex(const std::filesystem::path& file);

/// Adds "media" checks: one fail per missing or mismatched file (with its path), a warn
/// per asset outside every root, and a summary. Does nothing without roots.
void media_check(pg::connection& c, const verify_options& options, verify_report& report);

}  // namespace immichbak::verify_detail
